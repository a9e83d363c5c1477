import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { operatorOf } from '../auth/guards.ts'
import { requireNetwork, requirePrincipal } from '../auth/principal.ts'
import { sha256Hex } from '../alerts/secrets.ts'
import { HalteError, notFound } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { findNetworkById } from '../networks/queries.ts'
import { slugSchema } from '../networks/schemas.ts'
import { enrolPlace } from '../places/enrol.ts'
import { findCategory, insertReport } from '../reports/queries.ts'
import type { Services } from '../services.ts'
import { codeExpiry, newParticipantCode, normaliseCode } from './code.ts'
import { findingsCsv, findingsGeoJson } from './export.ts'
import { findFinding, findWalk, insertFinding, insertWalk, listFindings, listWalks, markProposed, markReported, walkByCode, type WalkRow } from './queries.ts'
import {
  findingSchema,
  newFindingSchema,
  newWalkSchema,
  POSITIVE_CATEGORIES,
  proposeRefugeSchema,
  walkCreatedSchema,
  walkSchema,
} from './schemas.ts'

// Exploratory walks: an operator opens one and hands its participants a code; they add
// what they find from their phones; the operator exports the findings and turns the
// good ones into refuge proposals.

const slugParams = z.object({ slug: slugSchema })
const walkParams = z.object({ id: z.uuid() })
const codeHeader = z.object({ 'x-access-token': z.string().max(200).optional().openapi({ description: 'The walk’s participant code' }) })
const walkOut = ({ network_id: _n, ...w }: WalkRow & { findings?: number }) => w

const alreadyProposed = () =>
  new HalteError(409, 'already_proposed', {
    fr: 'Un refuge a déjà été proposé à partir de ce constat.',
    en: 'A refuge was already proposed from this finding.',
  })

export function walksApp(s: Services) {
  const app = createRouter()

  // The walk's operators (or an admin); a participant code opens nothing here.
  const operatorOfWalk = async (c: Context<AppEnv>, id: string) => {
    const who = requirePrincipal(c.get('principal'), ['admin', 'operator'])
    const walk = await findWalk(s.sql, id)
    if (!walk) throw notFound({ fr: 'Marche introuvable.', en: 'No such walk.' })
    requireNetwork(who, walk.network_id)
    return { walk, who }
  }

  // The code of the walk being written to, while it lives; or one of its operators.
  const writerOfWalk = async (c: Context<AppEnv>, id: string, code: string | undefined) => {
    if (!code) return (await operatorOfWalk(c, id)).walk
    const walk = await walkByCode(s.sql, await sha256Hex(normaliseCode(code)))
    if (!walk) throw new HalteError(401, 'invalid_token', { fr: 'Code de participation inconnu.', en: 'Unknown participant code.' })
    if (walk.id !== id) {
      throw new HalteError(403, 'wrong_walk', { fr: 'Ce code est celui d’une autre marche.', en: 'This code belongs to another walk.' })
    }
    if (new Date(walk.code_expires_at) <= s.clock.now()) {
      throw new HalteError(401, 'token_expired', {
        fr: 'Ce code de participation a expiré (valable le jour de la marche et le lendemain).',
        en: 'This participant code has expired (valid on the walk’s day and the next).',
      })
    }
    return walk
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{slug}/walks',
      tags: ['walks'],
      summary: 'Open an exploratory walk; returns its participant code once (operator)',
      security: bearer,
      request: { params: slugParams, body: jsonBody(newWalkSchema) },
      responses: { 201: json(walkCreatedSchema, 'Walk opened'), ...pick(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const { network, who } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const body = c.req.valid('json')
      const code = newParticipantCode()
      const walk = await insertWalk(
        s.sql,
        {
          networkId: network.id,
          title: body.title,
          date: body.date,
          sector: body.sector ?? null,
          group: body.group ?? null,
          codeHash: await sha256Hex(normaliseCode(code)),
          expiresAt: codeExpiry(body.date, network.timezone),
          createdBy: who.tokenId,
        },
        s.clock.now(),
      )
      // In the fragment: never sent to a server, so never in a log.
      const base = s.config.PUBLIC_BASE_URL
      const link = base ? `${base.replace(/\/$/, '')}/walk?network=${network.slug}#code=${code}` : null
      return c.json({ ...walkOut(walk), participant_code: code, participant_link: link }, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/walks',
      tags: ['walks'],
      summary: 'Walks, latest first, with their number of findings (operator)',
      security: bearer,
      request: { params: slugParams, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: { 200: json(z.object({ walks: z.array(walkSchema) }), 'Walks'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const rows = await listWalks(s.sql, network.id, c.req.valid('query').limit)
      return c.json({ walks: rows.map(walkOut) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/walks/by-code',
      tags: ['walks'],
      summary: 'The walk a participant code opens (participant)',
      request: { headers: codeHeader },
      responses: { 200: json(walkSchema.extend({ network: z.string() }), 'The walk'), ...pick(401, 403) },
    }),
    async (c) => {
      const code = c.req.valid('header')['x-access-token']
      if (!code) throw new HalteError(401, 'unauthorized', { fr: 'Saisissez le code de participation.', en: 'Enter the participant code.' })
      const found = await walkByCode(s.sql, await sha256Hex(normaliseCode(code)))
      if (!found) throw new HalteError(401, 'invalid_token', { fr: 'Code de participation inconnu.', en: 'Unknown participant code.' })
      const walk = await writerOfWalk(c, found.id, code)
      const network = (await findNetworkById(s.sql, walk.network_id))!
      return c.json({ ...walkOut(walk), network: network.slug }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/walks/{id}/findings',
      tags: ['walks'],
      summary: 'Add a geotagged finding to a walk (participant code in X-Access-Token, or operator)',
      security: [{}, ...bearer],
      request: { params: walkParams, headers: codeHeader, body: jsonBody(newFindingSchema) },
      responses: { 201: json(findingSchema, 'Finding stored'), ...pick(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      const walk = await writerOfWalk(c, id, c.req.valid('header')['x-access-token'])
      const body = c.req.valid('json')
      const finding = await insertFinding(
        s.sql,
        {
          walkId: walk.id,
          lat: body.lat,
          lon: body.lon,
          category: body.category,
          positive: (POSITIVE_CATEGORIES as readonly string[]).includes(body.category),
          note: body.note || null,
        },
        s.clock.now(),
      )
      return c.json(finding, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/walks/{id}/findings',
      tags: ['walks'],
      summary: 'A walk’s findings (operator)',
      security: bearer,
      request: { params: walkParams },
      responses: { 200: json(z.object({ walk: walkSchema, findings: z.array(findingSchema) }), 'Findings'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { walk } = await operatorOfWalk(c, c.req.valid('param').id)
      return c.json({ walk: walkOut(walk), findings: await listFindings(s.sql, walk.id) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/walks/{id}/findings.geojson',
      tags: ['walks'],
      summary: 'A walk’s findings as GeoJSON (operator)',
      security: bearer,
      request: { params: walkParams },
      responses: {
        200: { description: 'GeoJSON FeatureCollection', content: { 'application/geo+json': { schema: z.object({ type: z.literal('FeatureCollection') }).passthrough() } } },
        ...pick(401, 403, 404),
      },
    }),
    async (c) => {
      const { walk } = await operatorOfWalk(c, c.req.valid('param').id)
      return c.json(findingsGeoJson(walk, await listFindings(s.sql, walk.id)), 200, {
        'content-type': 'application/geo+json; charset=utf-8',
        'content-disposition': `attachment; filename="walk-${walk.date}-${walk.id.slice(0, 8)}.geojson"`,
      })
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/walks/{id}/findings.csv',
      tags: ['walks'],
      summary: 'A walk’s findings as CSV (operator)',
      security: bearer,
      request: { params: walkParams },
      responses: { 200: { description: 'CSV, one finding a row', content: { 'text/csv': { schema: z.string() } } }, ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { walk } = await operatorOfWalk(c, c.req.valid('param').id)
      return c.body(findingsCsv(await listFindings(s.sql, walk.id)), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="walk-${walk.date}-${walk.id.slice(0, 8)}.csv"`,
      })
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/walks/{id}/findings/{fid}/propose-refuge',
      tags: ['walks'],
      summary: 'Propose a refuge where a finding was made: a pending application at that point (operator)',
      description:
        'The application waits in moderation like any other; its partner token is returned once, to hand to the venue. ' +
        'The charter is the venue’s to accept: the proposal records the operator’s reading, not the venue’s consent.',
      security: bearer,
      request: { params: z.object({ id: z.uuid(), fid: z.uuid() }), body: jsonBody(proposeRefugeSchema) },
      responses: {
        201: json(z.object({ id: z.string(), status: z.literal('pending'), partner_token: z.string(), finding_id: z.string() }), 'Application created'),
        ...pick(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { id, fid } = c.req.valid('param')
      const { walk } = await operatorOfWalk(c, id)
      const network = (await findNetworkById(s.sql, walk.network_id))!
      const body = c.req.valid('json')
      const finding = await findFinding(s.sql, walk.id, fid)
      if (!finding) throw notFound({ fr: 'Constat introuvable.', en: 'No such finding.' })
      if (finding.proposed_place_id) throw alreadyProposed()
      const created = await enrolPlace(
        s.sql,
        network,
        { ...body, contact_name: body.contact_name ?? walk.title, charter_accepted: true, location: { lat: finding.lat, lon: finding.lon } },
        {
          status: 'pending',
          actor: 'walk',
          reason: `proposed from walk "${walk.title}" (${walk.date})`,
          now: s.clock.now(),
          proposedFromWalk: walk.id,
          // Marked in the same transaction: a second proposal from the same finding waits, then is refused.
          also: async (tx, placeId) => {
            if (!(await markProposed(tx, fid, placeId))) throw alreadyProposed()
          },
        },
      )
      return c.json({ id: created.id, status: 'pending' as const, partner_token: created.token, finding_id: fid }, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/walks/{id}/findings/{fid}/to-report',
      tags: ['walks'],
      summary: 'Turn a finding into a report in the network’s queue, under its category (operator)',
      description:
        'Only problems become reports (a positive finding has no report category: 422 `not_a_problem`). The report keeps the ' +
        'category’s visibility: a harassment finding stays private.',
      security: bearer,
      request: {
        params: z.object({ id: z.uuid(), fid: z.uuid() }),
        body: { required: false, content: { 'application/json': { schema: z.object({ description: z.string().trim().max(4000).optional() }).strict() } } },
      },
      responses: { 201: json(z.object({ report_id: z.string(), finding_id: z.string() }), 'Report created'), ...pick(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const { id, fid } = c.req.valid('param')
      const { walk } = await operatorOfWalk(c, id)
      const finding = await findFinding(s.sql, walk.id, fid)
      if (!finding) throw notFound({ fr: 'Constat introuvable.', en: 'No such finding.' })
      const category = finding.positive ? null : await findCategory(s.sql, walk.network_id, finding.category)
      if (!category) {
        throw new HalteError(422, 'not_a_problem', {
          fr: 'Ce constat n’a pas de catégorie de signalement (un constat positif ne devient pas un signalement).',
          en: 'This finding has no report category (a positive finding does not become a report).',
        })
      }
      const body = (c.req.valid('json') as { description?: string } | undefined) ?? {}
      const description = body.description || [`Marche exploratoire « ${walk.title} » (${walk.date})`, finding.note].filter(Boolean).join(' : ')
      const now = s.clock.now()
      const reportId = await s.sql.begin(async (tx) => {
        const rid = await insertReport(
          tx,
          { networkId: walk.network_id, category, description, lat: finding.lat, lon: finding.lon, address: null, email: null, firstName: null, lastName: null, phone: null, deviceId: null, photo: null },
          now,
        )
        // Once per finding: a second request waits on the row, then finds it reported.
        if (!(await markReported(tx, fid, rid))) {
          throw new HalteError(409, 'already_reported', { fr: 'Ce constat est déjà devenu un signalement.', en: 'This finding is already a report.' })
        }
        return rid
      })
      return c.json({ report_id: reportId, finding_id: fid }, 201)
    },
  )

  return app
}
