import { createRoute, z } from '@hono/zod-openapi'
import { operatorOf } from '../auth/guards.ts'
import { HalteError } from '../errors.ts'
import { queryLatSchema, queryLonSchema } from '../geo/schemas.ts'
import { bearer, json, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { loadNetwork } from '../networks/load.ts'
import { slugSchema } from '../networks/schemas.ts'
import type { Services } from '../services.ts'
import { FEED_WARNING_DAYS, feedValidity, validityWarning } from './feed-age.ts'
import { importGtfs } from './gtfs/import.ts'
import { listRoutes, nearestStops } from './queries.ts'

const slugParams = z.object({ slug: slugSchema })

const feedValiditySchema = z
  .object({
    start_date: z.string().nullable().openapi({ example: '2026-09-01' }),
    end_date: z.string().nullable().openapi({ example: '2027-07-05' }),
    days_left: z.number().nullable().openapi({ description: "Days until end_date, in the network's zone (negative: ended)", example: 120 }),
    state: z.enum(['current', 'ending_soon', 'expired']).openapi({ description: `ending_soon: ends within ${FEED_WARNING_DAYS} days` }),
  })
  .openapi('GtfsValidity')

const importReportSchema = z
  .object({
    routes: z.number(),
    trips: z.number(),
    stops: z.number(),
    shapes: z.number(),
    stop_times: z.number(),
    trips_without_shape: z.number(),
    shapes_built_from_stops: z.number(),
    validity: feedValiditySchema,
    warnings: z.array(z.string()),
  })
  .openapi('GtfsImport')

export function transitApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{slug}/gtfs',
      tags: ['transit'],
      summary: "Import a GTFS static zip, replacing the network's previous feed (operator)",
      security: bearer,
      request: {
        params: slugParams,
        body: { required: true, content: { 'application/zip': { schema: z.string().openapi({ format: 'binary' }) } } },
      },
      responses: { 200: json(importReportSchema, 'Imported'), ...pick(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const type = c.req.header('content-type') ?? ''
      if (!/^application\/(zip|x-zip-compressed|octet-stream)\b/i.test(type)) {
        throw new HalteError(415, 'unsupported_media_type', {
          fr: `Envoyez le zip GTFS (Content-Type: application/zip), pas « ${type || 'rien'} ».`,
          en: `Send the GTFS zip (Content-Type: application/zip), not "${type || 'nothing'}".`,
        })
      }
      const zip = new Uint8Array(await c.req.arrayBuffer())
      const report = await importGtfs(s.sql, network.id, zip, s.clock.now())
      c.get('log').info('gtfs imported', { network: network.slug, ...report, warnings: report.warnings.length })
      return c.json(report, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/gtfs',
      tags: ['transit'],
      summary: 'The GTFS feed in force: its calendar span and whether it is ending (operator)',
      security: bearer,
      request: { params: slugParams },
      responses: {
        200: json(
          z.object({ feed: feedValiditySchema.nullable(), warning: z.string().nullable() }).openapi('GtfsFeedState'),
          'The feed in force (feed null: none imported)',
        ),
        ...pick(401, 403, 404),
      },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const feed = await feedValidity(s.sql, network.id, s.clock.now())
      return c.json({ feed, warning: feed ? validityWarning(feed) : null }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/routes',
      tags: ['transit'],
      summary: "The network's routes (public)",
      request: { params: slugParams },
      responses: {
        200: json(
          z.array(z.object({ id: z.string(), short_name: z.string().nullable(), long_name: z.string().nullable(), route_type: z.number() })),
          'Routes',
        ),
        ...pick(404),
      },
    }),
    async (c) => {
      const network = await loadNetwork(s.sql, c.req.valid('param').slug)
      return c.json(await listRoutes(s.sql, network.id), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/stops',
      tags: ['transit'],
      summary: 'Nearest stops (public)',
      request: {
        params: slugParams,
        query: z.object({
          lat: queryLatSchema,
          lon: queryLonSchema,
          limit: z.coerce.number().int().min(1).max(50).default(10),
        }),
      },
      responses: {
        200: json(
          z.array(z.object({ id: z.string(), name: z.string(), lat: z.number(), lon: z.number(), distance_m: z.number() })),
          'Stops, nearest first',
        ),
        ...pick(400, 404),
      },
    }),
    async (c) => {
      const network = await loadNetwork(s.sql, c.req.valid('param').slug)
      const q = c.req.valid('query')
      return c.json(await nearestStops(s.sql, network.id, q), 200)
    },
  )

  return app
}
