import { createRoute, z } from '@hono/zod-openapi'
import { operatorOf } from '../auth/guards.ts'
import { FIELD_ROLES } from '../auth/principal.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { slugSchema } from '../networks/schemas.ts'
import type { Services } from '../services.ts'
import { checkSectors, importSectors, sectorCollectionSchema } from './import.ts'
import { listSectors, onDutyWholeNetwork } from './queries.ts'

const slugParams = z.object({ slug: slugSchema })

const sectorFeatureSchema = z.object({
  type: z.literal('Feature'),
  id: z.string(),
  properties: z.object({
    name: z.string(),
    on_duty: z.number().int().openapi({ description: 'Mediators and municipal police on duty scoped to this sector now.' }),
    updated_at: z.string(),
  }),
  geometry: z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(z.array(z.number())))) }),
})

const sectorListSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    on_duty_whole_network: z.number().int().openapi({ description: 'Field people on duty with no sector: they hear the whole network.' }),
    features: z.array(sectorFeatureSchema),
  })
  .openapi('Sectors')

// A network's sectors: drawn by its operators (a GeoJSON file from the city's GIS), read
// by operators and the field teams that work in them.
export function sectorsApp(s: Services) {
  const app = createRouter()

  const list = async (networkId: string) => {
    const now = s.clock.now()
    const rows = await listSectors(s.sql, networkId, now)
    return {
      type: 'FeatureCollection' as const,
      on_duty_whole_network: await onDutyWholeNetwork(s.sql, networkId, now),
      features: rows.map((r) => ({
        type: 'Feature' as const,
        id: r.id,
        properties: { name: r.name, on_duty: r.on_duty, updated_at: new Date(r.updated_at).toISOString() },
        geometry: r.area as z.infer<typeof sectorFeatureSchema>['geometry'],
      })),
    }
  }

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/networks/{slug}/sectors',
      tags: ['sectors'],
      summary: "Replace the network's sectors with a GeoJSON FeatureCollection (operator)",
      description:
        'Polygon or MultiPolygon features, each with a `name` property (unique, 1–100 characters), at most 200. ' +
        'Sectors are matched by name: a kept name keeps its id and the tokens scoped to it. All or nothing. ' +
        'A sector still assigned to a live mediator or police token cannot be dropped (409 sector_in_use).',
      security: bearer,
      request: { params: slugParams, body: jsonBody(sectorCollectionSchema) },
      responses: { 200: json(sectorListSchema, 'The sectors now'), ...pick(400, 401, 403, 404, 409, 413, 415, 422) },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const sectors = await checkSectors(s.sql, c.req.valid('json'))
      await importSectors(s.sql, network.id, sectors, s.clock.now())
      return c.json(await list(network.id), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/sectors',
      tags: ['sectors'],
      summary: "The network's sectors as GeoJSON, with who is on duty in each (operator, mediator, police)",
      security: bearer,
      request: { params: slugParams },
      responses: { 200: json(sectorListSchema, 'Sectors, by name'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug, ['admin', 'operator', ...FIELD_ROLES])
      return c.json(await list(network.id), 200)
    },
  )

  return app
}
