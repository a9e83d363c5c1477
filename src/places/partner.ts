import { createRoute, z } from '@hono/zod-openapi'
import type { Principal } from '../auth/principal.ts'
import { requirePrincipal } from '../auth/principal.ts'
import { HalteError, notFound } from '../errors.ts'
import { parseHours } from '../hours/parse.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { findNetworkById } from '../networks/queries.ts'
import type { Services } from '../services.ts'
import { isSolar, refreshPlacePeriods } from './periods.ts'
import { privateFeature } from './present.ts'
import { changePlaceStatus, deleteClosure, findPlace, insertClosure, listClosures, updatePartnerPlace } from './queries.ts'
import { closureSchema, partnerPatchSchema, placeFeatureSchema } from './schemas.ts'

const closureOut = z.object({ id: z.string(), from: z.string(), to: z.string(), reason: z.string().nullable() }).openapi('Closure')
const MAX_CLOSURE_MS = 366 * 86_400_000

// The partner's own place: its token is bound to exactly one place.
export function partnerApp(s: Services) {
  const app = createRouter()

  const ownPlace = async (p: Principal | undefined) => {
    const who = requirePrincipal(p, ['partner'])
    const place = who.placeId ? await findPlace(s.sql, who.placeId) : null
    if (!place) throw notFound()
    const network = (await findNetworkById(s.sql, place.network_id))!
    return { who, place, network }
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/partner/place',
      tags: ['partner'],
      summary: 'My place, in any state (partner)',
      security: bearer,
      responses: { 200: json(placeFeatureSchema, 'My place'), ...pick(401, 403) },
    }),
    async (c) => {
      const { place } = await ownPlace(c.get('principal'))
      return c.json(privateFeature(place, { closures: await listClosures(s.sql, place.id, s.clock.now()) }), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/partner/place',
      tags: ['partner'],
      summary: 'Update my hours, features, contact or training (partner)',
      security: bearer,
      request: { body: jsonBody(partnerPatchSchema) },
      responses: { 200: json(placeFeatureSchema, 'Updated'), ...pick(400, 401, 403, 415) },
    }),
    async (c) => {
      const { place, network } = await ownPlace(c.get('principal'))
      const patch = c.req.valid('json')
      const hours = patch.opening_hours
        ? parseHours(patch.opening_hours, { countryCode: network.country_code, regionCode: network.region_code, lat: place.lat, lon: place.lon })
        : null
      const now = s.clock.now()
      await s.sql.begin(async (tx) => {
        await updatePartnerPlace(
          tx,
          place.id,
          hours ? { ...patch, hours_warnings: hours.warnings, hours_solar: isSolar(patch.opening_hours!) } : patch,
          now,
        )
        if (hours) await refreshPlacePeriods(tx, place.id, network, now)
      })
      const updated = (await findPlace(s.sql, place.id))!
      return c.json(privateFeature(updated, hours ? { warnings: hours.warnings } : {}), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/partner/place/withdraw',
      tags: ['partner'],
      summary: 'Leave the network: the place stops being shown at once (partner)',
      security: bearer,
      responses: { 200: json(placeFeatureSchema, 'Withdrawn'), ...pick(401, 403, 409) },
    }),
    async (c) => {
      const { who, place } = await ownPlace(c.get('principal'))
      const ok = await changePlaceStatus(s.sql, place.id, ['pending', 'active', 'suspended'], 'withdrawn', who, null, s.clock.now())
      if (!ok) throw new HalteError(409, 'invalid_transition', { fr: 'Ce lieu a déjà quitté le réseau.', en: 'This place has already left.' })
      return c.json(privateFeature((await findPlace(s.sql, place.id))!), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/partner/closures',
      tags: ['partner'],
      summary: 'Declare an exceptional closure (partner)',
      security: bearer,
      request: { body: jsonBody(closureSchema) },
      responses: { 201: json(closureOut, 'Closure recorded'), ...pick(400, 401, 403, 415, 422) },
    }),
    async (c) => {
      const { place, network } = await ownPlace(c.get('principal'))
      const body = c.req.valid('json')
      const from = new Date(body.from)
      const to = new Date(body.to)
      const now = s.clock.now()
      if (to <= from) throw closureRefused('closure_ends_before_start', 'La fin doit suivre le début.', 'The end must come after the start.')
      if (to <= now) throw closureRefused('closure_in_past', 'Cette fermeture est déjà passée.', 'This closure is already over.')
      if (to.getTime() - from.getTime() > MAX_CLOSURE_MS) {
        throw closureRefused('closure_too_long', 'Plus d’un an : quittez plutôt le réseau.', 'Over a year: withdraw the place instead.')
      }
      const closure = await s.sql.begin(async (tx) => {
        const row = await insertClosure(tx, place.id, from, to, body.reason ?? null)
        await refreshPlacePeriods(tx, place.id, network, now)
        return row
      })
      return c.json(closure, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/partner/closures',
      tags: ['partner'],
      summary: 'My current and future closures (partner)',
      security: bearer,
      responses: { 200: json(z.array(closureOut), 'Closures'), ...pick(401, 403) },
    }),
    async (c) => {
      const { place } = await ownPlace(c.get('principal'))
      return c.json(await listClosures(s.sql, place.id, s.clock.now()), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/partner/closures/{id}',
      tags: ['partner'],
      summary: 'Cancel a closure (partner)',
      security: bearer,
      request: { params: z.object({ id: z.uuid() }) },
      responses: { 204: { description: 'Cancelled' }, ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { place, network } = await ownPlace(c.get('principal'))
      const now = s.clock.now()
      const deleted = await s.sql.begin(async (tx) => {
        const ok = await deleteClosure(tx, place.id, c.req.valid('param').id)
        if (ok) await refreshPlacePeriods(tx, place.id, network, now)
        return ok
      })
      if (!deleted) throw notFound()
      return c.body(null, 204)
    },
  )

  return app
}

function closureRefused(code: string, fr: string, en: string) {
  return new HalteError(422, code, { fr, en })
}
