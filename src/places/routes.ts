import { createRoute, z } from '@hono/zod-openapi'
import { operatorOf } from '../auth/guards.ts'
import { HalteError, notFound } from '../errors.ts'
import { jsonAnswer } from '../http/observe.ts'
import { enforceLimit, type Limit } from '../http/rate-limit.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { loadNetwork, networkNotFound } from '../networks/load.ts'
import { slugSchema } from '../networks/schemas.ts'
import type { Services } from '../services.ts'
import { enrolPlace } from './enrol.ts'
import { warningsIn } from '../hours/parse.ts'
import { isWallClock, searchInstant, searchNearest } from './nearest.ts'
import { changesOf } from './partner.ts'
import { refreshPlacePeriods } from './periods.ts'
import { nearestFeature, pendingChangeOut, privateFeature, publicFeature } from './present.ts'
import {
  applyIdentityChange,
  changePlaceStatus,
  closePendingChange,
  findPendingChange,
  findPlace,
  listPlacesByStatus,
  lockPlace,
  type PlaceStatus,
  pendingChangesOf,
  placeHistory,
  placesDueForTraining,
  publicFeaturesInBbox,
  placesWithPendingChanges,
} from './queries.ts'
import {
  applicationSchema,
  bboxQuerySchema,
  changeDecisionSchema,
  decisionSchema,
  EMERGENCY,
  featureCollectionSchema,
  nearestQuerySchema,
  PLACE_STATUSES,
  placeFeatureSchema,
} from './schemas.ts'

const slugParams = z.object({ slug: slugSchema })
// An answer about now: no cache may keep it.
const NO_STORE = { 'Cache-Control': 'no-store' }
const placeParams = z.object({ slug: slugSchema, id: z.uuid() })

// Moderation: which states each decision may start from.
const DECISIONS: Record<'approve' | 'reject' | 'suspend', { from: PlaceStatus[]; to: PlaceStatus }> = {
  approve: { from: ['pending', 'suspended'], to: 'active' },
  reject: { from: ['pending'], to: 'rejected' },
  suspend: { from: ['active'], to: 'suspended' },
}

// A venue applies once; a town hall enrolling its partners imports a file instead.
const APPLICATIONS_PER_CLIENT: Limit = { scope: 'application', max: 20, windowS: 3600 }

export function placesApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{slug}/applications',
      tags: ['refuges'],
      summary: 'Apply to become a refuge (public); returns the partner token once',
      request: { params: slugParams, body: jsonBody(applicationSchema) },
      responses: {
        201: json(
          z.object({ id: z.string(), status: z.literal('pending'), partner_token: z.string(), warnings: z.array(z.string()) }),
          'Application received',
        ),
        ...pick(400, 404, 415, 422),
      },
    }),
    async (c) => {
      const network = await loadNetwork(s.sql, c.req.valid('param').slug)
      await enforceLimit(s, c, APPLICATIONS_PER_CLIENT, network.id, s.clock.now(), {
        fr: 'Trop de candidatures en peu de temps depuis cette connexion.',
        en: 'Too many applications in a short time from this connection.',
      })
      const body = c.req.valid('json')
      const created = await enrolPlace(s.sql, network, body, { status: 'pending', actor: 'public', reason: null, now: s.clock.now() })
      const hoursContext = { countryCode: network.country_code, regionCode: network.region_code, ...body.location }
      const warnings = warningsIn(body.opening_hours, hoursContext, created.warnings, c.get('lang') ?? 'fr')
      return c.json({ id: created.id, status: 'pending' as const, partner_token: created.token, warnings }, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/places/nearest',
      tags: ['refuges'],
      summary: 'Nearest refuges, open now by default (public)',
      request: { params: slugParams, query: nearestQuerySchema },
      responses: { 200: json(featureCollectionSchema, 'Nearest first'), ...pick(400, 404) },
    }),
    async (c) => {
      const slug = c.req.valid('param').slug
      const q = c.req.valid('query')
      // A wall-clock `at` needs the network's zone first: one more round trip, only then.
      const zone = q.at && isWallClock(q.at) ? (await loadNetwork(s.sql, slug)).timezone : undefined
      const at = searchInstant(q.at, s.clock.now(), zone)
      // The network is read by the search itself: one round trip for the whole answer.
      const { network, places } = await searchNearest(s.searchSql ?? s.sql, { slug }, {
        lat: q.lat,
        lon: q.lon,
        at,
        limit: q.limit,
        openOnly: q.open,
        features: q.features,
        radiusM: null,
      })
      if (!network) throw networkNotFound(slug)
      return jsonAnswer(
        c,
        {
          type: 'FeatureCollection' as const,
          features: places.map((p) => nearestFeature(p, network.timezone)),
          at: at.toISOString(),
          search_radius_m: network.search_radius_m,
          emergency: EMERGENCY,
        },
        200,
        NO_STORE,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/places',
      tags: ['refuges'],
      summary: 'Active refuges in a bounding box (public, GeoJSON)',
      request: { params: slugParams, query: bboxQuerySchema },
      responses: { 200: json(featureCollectionSchema, 'Active places'), ...pick(400, 404) },
    }),
    async (c) => {
      const network = await loadNetwork(s.sql, c.req.valid('param').slug)
      const features = await publicFeaturesInBbox(s.sql, network.id, c.req.valid('query').bbox as [number, number, number, number], 5000, s.clock.now())
      return c.body(`{"type":"FeatureCollection","features":${features}}`, 200, { 'Content-Type': 'application/json' }) as never
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/places/{id}',
      tags: ['refuges'],
      summary: 'One place: active ones for everyone, any state for its partner and operators',
      request: { params: z.object({ id: z.uuid() }) },
      responses: { 200: json(placeFeatureSchema, 'The place'), ...pick(404) },
    }),
    async (c) => {
      const place = await findPlace(s.sql, c.req.valid('param').id)
      const who = c.get('principal')
      const insider =
        who &&
        place &&
        (who.role === 'admin' ||
          (who.role === 'operator' && who.networkId === place.network_id) ||
          (who.role === 'partner' && who.placeId === place.id))
      if (!place || (place.status !== 'active' && !insider)) throw notFound()
      return c.json(insider ? privateFeature(place, await changesOf(s.sql, place.id)) : publicFeature(place), 200)
    },
  )

  for (const decision of Object.keys(DECISIONS) as (keyof typeof DECISIONS)[]) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/networks/{slug}/places/{id}/${decision}`,
        tags: ['moderation'],
        summary: `${decision[0]!.toUpperCase()}${decision.slice(1)} a place (operator)`,
        security: bearer,
        request: {
          params: placeParams,
          body: { required: false, content: { 'application/json': { schema: decisionSchema } } },
        },
        responses: { 200: json(placeFeatureSchema, 'Decision recorded'), ...pick(401, 403, 404, 409) },
      }),
      async (c) => {
        const { slug, id } = c.req.valid('param')
        const { who, network } = await operatorOf(s, c.get('principal'), slug)
        const place = await findPlace(s.sql, id)
        if (!place || place.network_id !== network.id) throw notFound()
        const rule = DECISIONS[decision]
        const reason = (c.req.valid('json') as { reason?: string } | undefined)?.reason ?? null
        const now = s.clock.now()
        const changed = await s.sql.begin(async (tx) => {
          const ok = await changePlaceStatus(tx, id, rule.from, rule.to, who, reason, now)
          // An approved place must be answerable at once: materialise before commit.
          if (ok && rule.to === 'active') await refreshPlacePeriods(tx, id, network, now)
          return ok
        })
        if (!changed) {
          throw new HalteError(409, 'invalid_transition', {
            fr: `Impossible : ce lieu est « ${place.status} » (attendu : ${rule.from.join(' ou ')}).`,
            en: `Not possible: this place is "${place.status}" (expected ${rule.from.join(' or ')}).`,
          })
        }
        const updated = (await findPlace(s.sql, id))!
        return c.json(privateFeature(updated, { history: await placeHistory(s.sql, id) }), 200)
      },
    )
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/applications',
      tags: ['moderation'],
      summary: 'Places by status, pending first in line (operator)',
      security: bearer,
      request: {
        params: slugParams,
        query: z.object({
          status: z.enum(PLACE_STATUSES).default('pending'),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
      },
      responses: { 200: json(featureCollectionSchema, 'Places'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const { status, limit } = c.req.valid('query')
      const rows = await listPlacesByStatus(s.sql, network.id, status, limit)
      const pending = await pendingChangesOf(s.sql, rows.map((r) => r.id))
      return c.json(
        {
          type: 'FeatureCollection' as const,
          features: rows.map((r) => privateFeature(r, { pending_change: pendingChangeOut(pending.get(r.id)) })),
        },
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/places/changes',
      tags: ['moderation'],
      summary: "Partners' changes to name, kind, address, phone or position awaiting a decision, oldest first (operator)",
      description:
        'Each feature is the place as it is served now; `pending_change` holds only the fields the partner asked to change.',
      security: bearer,
      request: {
        params: slugParams,
        query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      },
      responses: { 200: json(featureCollectionSchema, 'Places with a change to decide'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const rows = await placesWithPendingChanges(s.sql, network.id, c.req.valid('query').limit)
      return c.json(
        {
          type: 'FeatureCollection' as const,
          features: rows.map(({ change, ...place }) => privateFeature(place, { pending_change: pendingChangeOut(change) })),
        },
        200,
      )
    },
  )

  for (const decision of ['approve', 'reject'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/networks/{slug}/places/{id}/changes/${decision}`,
        tags: ['moderation'],
        summary:
          decision === 'approve'
            ? "Approve a partner's pending change: the new values are served at once (operator)"
            : "Reject a partner's pending change: the approved values stay; the partner sees the reason (operator)",
        security: bearer,
        request: {
          params: placeParams,
          body: { required: false, content: { 'application/json': { schema: changeDecisionSchema } } },
        },
        responses: { 200: json(placeFeatureSchema, 'Decision recorded'), ...pick(401, 403, 404, 409) },
      }),
      async (c) => {
        const { slug, id } = c.req.valid('param')
        const { who, network } = await operatorOf(s, c.get('principal'), slug)
        const body = (c.req.valid('json') as { reason?: string; change_id?: string } | undefined) ?? {}
        const now = s.clock.now()
        await s.sql.begin(async (tx) => {
          // The partner's edits take the same lock: what is decided is what was read.
          const place = await lockPlace(tx, id)
          if (!place || place.network_id !== network.id) throw notFound()
          const change = await findPendingChange(tx, id)
          if (!change) {
            throw new HalteError(409, 'invalid_transition', {
              fr: 'Aucune modification n’attend de décision pour ce lieu.',
              en: 'No change awaits a decision for this place.',
            })
          }
          if (body.change_id && body.change_id !== change.id) {
            throw new HalteError(409, 'invalid_transition', {
              fr: 'Le partenaire a modifié sa demande entre-temps : relisez-la avant de décider.',
              en: 'The partner changed the request meanwhile: read it again before deciding.',
            })
          }
          if (place.status !== 'active' && place.status !== 'suspended') {
            throw new HalteError(409, 'invalid_transition', {
              fr: `Impossible : ce lieu est « ${place.status} ».`,
              en: `Not possible: this place is "${place.status}".`,
            })
          }
          await closePendingChange(tx, id, decision === 'approve' ? 'approved' : 'rejected', who, body.reason ?? null, now)
          if (decision === 'approve') {
            await applyIdentityChange(tx, id, change.changes, now)
            // Solar hours and holidays are read at the place's position.
            if (change.changes.location && place.status === 'active') await refreshPlacePeriods(tx, id, network, now)
          }
        })
        const updated = (await findPlace(s.sql, id))!
        return c.json(privateFeature(updated, await changesOf(s.sql, id)), 200)
      },
    )
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/places/renewals',
      tags: ['moderation'],
      summary: "Active places whose staff training is missing or older than the network's validity (operator)",
      security: bearer,
      request: { params: slugParams },
      responses: { 200: json(featureCollectionSchema, 'Places due for training'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const rows = await placesDueForTraining(s.sql, network.id, network.training_valid_months, s.clock.now())
      return c.json(
        {
          type: 'FeatureCollection' as const,
          training_valid_months: network.training_valid_months,
          features: rows.map((r) => privateFeature(r, { renewal_due: r.renewal_due })),
        },
        200,
      )
    },
  )

  return app
}
