import { createRoute, z } from '@hono/zod-openapi'
import type { Principal } from '../auth/principal.ts'
import { requirePrincipal } from '../auth/principal.ts'
import { HalteError, notFound } from '../errors.ts'
import { parseHours, warningsIn } from '../hours/parse.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { findNetworkById } from '../networks/queries.ts'
import type { Services } from '../services.ts'
import type { Db } from '../db/types.ts'
import { isSolar, refreshPlacePeriods } from './periods.ts'
import { decidedChangeOut, pendingChangeOut, privateFeature } from './present.ts'
import {
  applyIdentityChange,
  changePlaceStatus,
  closePendingChange,
  deleteClosure,
  findPendingChange,
  findPlace,
  type IdentityChange,
  insertClosure,
  insertPendingChange,
  isInsideNetworkArea,
  lastDecidedChange,
  listClosures,
  lockPlace,
  type PlaceRow,
  updatePartnerPlace,
} from './queries.ts'
import { closureSchema, partnerPatchSchema, placeFeatureSchema } from './schemas.ts'

const closureOut = z.object({ id: z.string(), from: z.string(), to: z.string(), reason: z.string().nullable() }).openapi('Closure')
const MAX_CLOSURE_MS = 366 * 86_400_000

// The partner's own place: its token is bound to exactly one place.
export function partnerApp(s: Services) {
  const app = createRouter()

  const ownPlace = async (p: Principal | undefined, opts: { write?: boolean } = {}) => {
    const who = requirePrincipal(p, ['partner'])
    const place = who.placeId ? await findPlace(s.sql, who.placeId) : null
    if (!place) throw notFound()
    if (opts.write) assertPartnerCanWrite(place)
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
      return c.json(
        privateFeature(place, { closures: await listClosures(s.sql, place.id, s.clock.now()), ...(await changesOf(s.sql, place.id)) }),
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/partner/place',
      tags: ['partner'],
      summary: 'Update my place (partner): hours, features, contact and training at once; name, kind, address, phone and position after approval',
      description:
        'Hours, features, e-mail, contact and training are served at once (200). Once the place has been approved, a new ' +
        'name, kind, address, phone or position is what a person in danger relies on: it waits for an operator (202, ' +
        '`pending_change`) while the approved values stay served. A value set back to the one served withdraws it from ' +
        'the request. A refused or withdrawn place cannot be edited (403 `place_not_editable`).',
      security: bearer,
      request: { body: jsonBody(partnerPatchSchema) },
      responses: {
        200: json(placeFeatureSchema, 'Updated and served'),
        202: json(placeFeatureSchema, 'Saved; the change in `pending_change` awaits an operator, the approved values stay served'),
        ...pick(400, 401, 403, 415, 422),
      },
    }),
    async (c) => {
      const { who, place, network } = await ownPlace(c.get('principal'), { write: true })
      const { name, kind, address, phone, location, ...rest } = c.req.valid('json')
      const asked = defined({ name, kind, address, phone, location })
      const hoursContext = { countryCode: network.country_code, regionCode: network.region_code, lat: place.lat, lon: place.lon }
      const hours = rest.opening_hours ? parseHours(rest.opening_hours, hoursContext) : null
      if (location && !(await isInsideNetworkArea(s.sql, network.id, location.lat, location.lon))) {
        throw new HalteError(422, 'outside_network_area', {
          fr: `Cette position est hors du territoire du réseau « ${network.name} ».`,
          en: `This position is outside the area of network "${network.name}".`,
        })
      }
      const now = s.clock.now()
      await s.sql.begin(async (tx) => {
        // Under the row lock: the status read here is the one the edit lands under.
        const current = await lockPlace(tx, place.id)
        if (!current) throw notFound()
        assertPartnerCanWrite(current)
        // A pending place is read whole by the operator who approves it: it edits freely.
        // An active place's public identity waits for an operator. So does a suspended
        // one's: reinstating it is judged on why it was suspended, and a rename slipped
        // in meanwhile would go public unseen. Hours, features, closures and training
        // stay immediate in both: "closed tonight" cannot wait for office hours, and a
        // place suspended for lapsed training must be able to record the new one.
        if (current.status === 'pending') {
          if (Object.keys(asked).length) await applyIdentityChange(tx, place.id, asked, now)
        } else {
          await submitChange(tx, current, asked, who, now)
        }
        if (Object.keys(rest).length) {
          await updatePartnerPlace(
            tx,
            place.id,
            hours ? { ...rest, hours_warnings: hours.warnings, hours_solar: isSolar(rest.opening_hours!) } : rest,
            now,
          )
        }
        if (hours) await refreshPlacePeriods(tx, place.id, network, now)
      })
      const updated = (await findPlace(s.sql, place.id))!
      const changes = await changesOf(s.sql, place.id)
      const warnings = hours ? warningsIn(rest.opening_hours!, hoursContext, hours.warnings, c.get('lang') ?? 'fr') : null
      const body = privateFeature(updated, { ...(warnings ? { warnings } : {}), ...changes })
      // 202 says what the owner needs to know: saved, but not yet what people see.
      return changes.pending_change && Object.keys(asked).length ? c.json(body, 202) : c.json(body, 200)
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
      const { place, network } = await ownPlace(c.get('principal'), { write: true })
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
      const { place, network } = await ownPlace(c.get('principal'), { write: true })
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

// A refused or departed partner keeps reading its place (to see why) but changes
// nothing: its token must not steer closures, alerts or a page nobody moderates any more.
export function assertPartnerCanWrite(place: Pick<PlaceRow, 'status'>): void {
  if (place.status === 'rejected') {
    throw new HalteError(403, 'place_not_editable', {
      fr: 'Cette candidature a été refusée : le lieu ne peut plus être modifié. Pour en parler, contactez la ville.',
      en: 'This application was refused: the place can no longer be edited. Contact the city to discuss it.',
    })
  }
  if (place.status === 'withdrawn') {
    throw new HalteError(403, 'place_not_editable', {
      fr: 'Ce lieu a quitté le réseau : il ne peut plus être modifié. Pour revenir, déposez une nouvelle candidature.',
      en: 'This place has left the network: it can no longer be edited. Apply again to come back.',
    })
  }
}

const defined = (c: IdentityChange): IdentityChange =>
  Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as IdentityChange

const sameAsServed = (p: PlaceRow, key: string, value: unknown) => {
  if (key === 'location') {
    const l = value as { lat: number; lon: number }
    return Math.abs(l.lat - p.lat) < 1e-7 && Math.abs(l.lon - p.lon) < 1e-7
  }
  return (value ?? null) === (p[key as keyof PlaceRow] ?? null)
}

const canonical = (c: IdentityChange) => JSON.stringify(Object.entries(c).sort(([a], [b]) => a.localeCompare(b)))

// The new request joins the one already waiting (a later value wins), so the operator
// decides on one change per place; the earlier row stays as `superseded` for the record.
async function submitChange(tx: Db, current: PlaceRow, asked: IdentityChange, who: Principal, now: Date): Promise<void> {
  if (!Object.keys(asked).length) return
  const waiting = await findPendingChange(tx, current.id)
  const merged: Record<string, unknown> = { ...waiting?.changes, ...asked }
  for (const key of Object.keys(merged)) if (sameAsServed(current, key, merged[key])) delete merged[key]
  if (canonical(merged) === canonical(waiting?.changes ?? {})) return
  const actor = { role: 'partner', tokenId: who.tokenId }
  if (waiting) await closePendingChange(tx, current.id, Object.keys(merged).length ? 'superseded' : 'cancelled', actor, null, now)
  if (Object.keys(merged).length) await insertPendingChange(tx, current.id, merged, actor, now)
}

export async function changesOf(sql: Db, placeId: string) {
  const [pending, last] = await Promise.all([findPendingChange(sql, placeId), lastDecidedChange(sql, placeId)])
  return { pending_change: pendingChangeOut(pending), last_change: decidedChangeOut(last) }
}

function closureRefused(code: string, fr: string, en: string) {
  return new HalteError(422, code, { fr, en })
}
