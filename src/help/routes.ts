import { createRoute, z } from '@hono/zod-openapi'
import { operatorOf } from '../auth/guards.ts'
import { HalteError, notFound } from '../errors.ts'
import { parseHours } from '../hours/parse.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { loadNetwork } from '../networks/load.ts'
import type { Network } from '../networks/schemas.ts'
import { slugSchema } from '../networks/schemas.ts'
import { isWallClock, searchInstant } from '../places/nearest.ts'
import { isSolar, refreshPlacePeriods } from '../places/periods.ts'
import { privateFeature } from '../places/present.ts'
import { changePlaceStatus, findPlace, insertPlace, isInsideNetworkArea } from '../places/queries.ts'
import { EMERGENCY, emergencySchema, HELP_KIND, placeFeatureSchema } from '../places/schemas.ts'
import type { Services } from '../services.ts'
import { findHelpServices, helpFeature } from './find.ts'
import { findHelpService, updateHelpService } from './queries.ts'
import { helpFeatureSchema, helpQuerySchema, helpServicePatchSchema, helpServiceSchema } from './schemas.ts'

// Help desks: served here, never among refuges. Operators add them directly (no
// application and approval: the city knows its own desks), active at once.

const slugParams = z.object({ slug: slugSchema })
const idParams = z.object({ slug: slugSchema, id: z.uuid() })

function checkedHours(network: Network, value: string, at: { lat: number; lon: number }) {
  return parseHours(value, { countryCode: network.country_code, regionCode: network.region_code, lat: at.lat, lon: at.lon }).warnings
}

async function insideArea(s: Services, network: Network, at: { lat: number; lon: number }) {
  if (!(await isInsideNetworkArea(s.sql, network.id, at.lat, at.lon))) {
    throw new HalteError(422, 'outside_network_area', {
      fr: `Ce lieu est hors du territoire du réseau « ${network.name} ».`,
      en: `This place is outside the area of network "${network.name}".`,
    })
  }
}

export function helpApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/help-services',
      tags: ['help services'],
      summary: 'Help desks (victim support, rights, conciliation): open ones first, then the next to open (public)',
      description: 'Not refuges: where to go next. `helps_with` filters (any of, comma-separated); `lat`/`lon` order by distance.',
      request: { params: slugParams, query: helpQuerySchema },
      responses: {
        200: json(
          z.object({ type: z.literal('FeatureCollection'), at: z.string(), features: z.array(helpFeatureSchema), emergency: emergencySchema }),
          'Open first, then by next opening',
        ),
        ...pick(400, 404),
      },
    }),
    async (c) => {
      const network = await loadNetwork(s.sql, c.req.valid('param').slug)
      const q = c.req.valid('query')
      const at = searchInstant(q.at, s.clock.now(), q.at && isWallClock(q.at) ? network.timezone : undefined)
      const found = await findHelpServices(s.sql, network, { lat: q.lat, lon: q.lon, at, helpsWith: q.helps_with, limit: q.limit })
      return c.json(
        {
          type: 'FeatureCollection' as const,
          at: at.toISOString(),
          features: found.map((p) => helpFeature(p, network.timezone)),
          emergency: EMERGENCY,
        },
        200,
        { 'Cache-Control': 'no-store' },
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{slug}/help-services',
      tags: ['help services'],
      summary: 'Add a help desk, served at once (operator)',
      security: bearer,
      request: { params: slugParams, body: jsonBody(helpServiceSchema) },
      responses: { 201: json(placeFeatureSchema, 'Added'), ...pick(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const { network, who } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const body = c.req.valid('json')
      const warnings = checkedHours(network, body.opening_hours, body.location)
      await insideArea(s, network, body.location)
      const now = s.clock.now()
      const id = await s.sql.begin(async (tx) => {
        const { id } = await insertPlace(
          tx,
          network.id,
          {
            ...body,
            phone: body.phone ?? undefined,
            email: body.email ?? undefined,
            kind: HELP_KIND,
            status: 'active',
            contact_name: null,
            hours_warnings: warnings,
            hours_solar: isSolar(body.opening_hours),
          },
          now,
        )
        await tx`insert into place_status_history (place_id, from_status, to_status, actor_role, actor_token_id, at)
                 values (${id}, null, 'active', ${who.role}, ${who.tokenId}, ${now})`
        await refreshPlacePeriods(tx, id, network, now)
        return id
      })
      return c.json(privateFeature((await findPlace(s.sql, id))!), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/networks/{slug}/help-services/{id}',
      tags: ['help services'],
      summary: 'Change a help desk: hours, what it helps with, its note… (operator)',
      security: bearer,
      request: { params: idParams, body: jsonBody(helpServicePatchSchema) },
      responses: { 200: json(placeFeatureSchema, 'Changed'), ...pick(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const { slug, id } = c.req.valid('param')
      const { network } = await operatorOf(s, c.get('principal'), slug)
      const patch = c.req.valid('json')
      const current = await findHelpService(s.sql, network.id, id)
      if (!current || current.status === 'withdrawn') throw notFound()
      const at = patch.location ?? { lat: current.lat, lon: current.lon }
      const hours = patch.opening_hours ?? current.opening_hours
      const warnings = checkedHours(network, hours, at)
      if (patch.location) await insideArea(s, network, patch.location)
      const now = s.clock.now()
      await s.sql.begin(async (tx) => {
        await updateHelpService(tx, id, { ...patch, hours_warnings: warnings, hours_solar: isSolar(hours) }, now)
        await refreshPlacePeriods(tx, id, network, now)
      })
      return c.json(privateFeature((await findPlace(s.sql, id))!), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/networks/{slug}/help-services/{id}',
      tags: ['help services'],
      summary: 'Withdraw a help desk: no longer offered; its history is kept (operator)',
      security: bearer,
      request: { params: idParams },
      responses: { 204: { description: 'Withdrawn' }, ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { slug, id } = c.req.valid('param')
      const { network, who } = await operatorOf(s, c.get('principal'), slug)
      const current = await findHelpService(s.sql, network.id, id)
      if (!current) throw notFound()
      const ok = await changePlaceStatus(s.sql, id, ['active', 'suspended', 'pending'], 'withdrawn', who, null, s.clock.now())
      if (!ok) throw notFound()
      return c.body(null, 204)
    },
  )

  return app
}
