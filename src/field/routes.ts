import { createRoute, z } from '@hono/zod-openapi'
import { alertChannel, announceAlert } from '../alerts/channel.ts'
import { alertView } from '../alerts/present.ts'
import { auditRead } from '../alerts/queries.ts'
import { fieldOf, operatorOf } from '../auth/guards.ts'
import { HalteError } from '../errors.ts'
import { latSchema, lonSchema } from '../geo/schemas.ts'
import { isoInZone } from '../hours/format.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { slugSchema } from '../networks/schemas.ts'
import { afterCommit } from '../realtime/after-commit.ts'
import { cursorStream, StreamSlots } from '../realtime/sse.ts'
import { sectorAt } from '../sectors/queries.ts'
import type { Services } from '../services.ts'
import { registerHandoff } from './handoff.ts'
import { countContacts, endDuty, fieldEventsAfter, findDuty, insertContact, startDuty } from './queries.ts'

// What mediators and municipal police do from their phones: say they are on duty (so
// alerts of their sectors reach them), follow those alerts live, and count the people
// they meet. Plus the operators' count of those contacts, and hand-offs (handoff.ts).

export const CONTACT_KINDS = ['conversation', 'orientation', 'conflict_mediation', 'assistance', 'other'] as const

// A contact recorded late (a dead phone, a busy night) is still worth counting; one from
// last month typed today is a mistake, and one in the future certainly is.
const CONTACT_LATE_MS = 7 * 24 * 3600_000
const CONTACT_AHEAD_MS = 5 * 60_000
const MAX_RANGE_DAYS = 366

const dutySchema = z
  .object({
    on: z.boolean(),
    since: z.string().nullable(),
    until: z.string().nullable().openapi({ description: 'When the duty ends unless renewed (12 h after the last "on").' }),
    sectors: z.array(z.string()).openapi({ description: 'The token’s sectors; empty: the whole network.' }),
  })
  .openapi('FieldDuty')

const contactSchema = z
  .object({
    kind: z.enum(CONTACT_KINDS),
    at: z.iso.datetime({ offset: true }).optional().openapi({ description: 'When the contact happened; absent: now.' }),
    lat: latSchema.optional(),
    lon: lonSchema.optional(),
  })
  .strict()
  .refine((b) => (b.lat === undefined) === (b.lon === undefined), { message: 'give lat and lon together, or neither', path: ['lat'] })
  .openapi('FieldContact', {
    description: 'A person met: no name, no text. The point, if given, only decides the sector and is not kept.',
    example: { kind: 'conversation', lat: 46.159, lon: -1.152 },
  })

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date, YYYY-MM-DD / une date AAAA-MM-JJ')

export function fieldApp(s: Services) {
  const app = createRouter()
  // One phone, perhaps a second screen.
  const streams = new StreamSlots(3)

  const dutyView = (d: { since: Date; until: Date } | null, sectors: { name: string }[], tz: string) => ({
    on: d !== null,
    since: d ? isoInZone(new Date(d.since), tz) : null,
    until: d ? isoInZone(new Date(d.until), tz) : null,
    sectors: sectors.map((x) => x.name),
  })

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/field/duty',
      tags: ['field'],
      summary: 'Whether I am on duty, and my sectors (mediator, police)',
      security: bearer,
      responses: { 200: json(dutySchema, 'My duty'), ...pick(401, 403) },
    }),
    async (c) => {
      const { who, network, sectors } = await fieldOf(s, c.get('principal'), null)
      return c.json(dutyView(await findDuty(s.sql, who.tokenId!, s.clock.now()), sectors, network.timezone), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/field/duty',
      tags: ['field'],
      summary: 'Go on or off duty (mediator, police); on duty lasts 12 h unless renewed',
      description: 'Only people on duty are pushed the alerts of their sectors. Posting `on: true` again renews the 12 hours.',
      security: bearer,
      request: { body: jsonBody(z.object({ on: z.boolean() }).strict().openapi('FieldDutyChange')) },
      responses: { 200: json(dutySchema, 'My duty now'), ...pick(400, 401, 403, 415) },
    }),
    async (c) => {
      const { who, network, sectors } = await fieldOf(s, c.get('principal'), null)
      const now = s.clock.now()
      let duty: { since: Date; until: Date } | null = null
      if (c.req.valid('json').on) duty = await startDuty(s.sql, who.tokenId!, network.id, now)
      else await endDuty(s.sql, who.tokenId!)
      return c.json(dutyView(duty, sectors, network.timezone), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/field/alerts/stream',
      tags: ['field'],
      summary: 'Live events of the alerts in my sectors (mediator, police; SSE events `alert`, resumes from Last-Event-ID)',
      security: bearer,
      responses: { 200: { description: 'text/event-stream' }, ...pick(401, 403, 503) },
    }),
    async (c) => {
      const { who, network, actor } = await fieldOf(s, c.get('principal'), null)
      await auditRead(s.sql, { networkId: network.id, alertId: null, actor, what: 'field-stream' }, s.clock.now())
      return cursorStream(c, {
        signal: s.signal,
        channel: alertChannel(network.id),
        slot: { slots: streams, key: who.tokenId! },
        pageSize: 200,
        read: async (after) => {
          // A shift's worth on a new stream, as operators get.
          const since = after === null ? new Date(s.clock.now().getTime() - 12 * 3600_000) : null
          const rows = await fieldEventsAfter(s.sql, network.id, who.tokenId!, after, 200, since)
          return rows.map((e) => ({
            id: e.id,
            event: 'alert',
            data: { event: e.kind, from: e.from_status, to: e.to_status, by: e.actor_role, at: e.at, alert: alertView(e.alert, network.timezone) },
          }))
        },
      }) as never
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/field/contacts',
      tags: ['field'],
      summary: 'Count a person met ("personne rencontrée"): kind, time, sector; no name, no point kept (mediator, police)',
      security: bearer,
      request: { body: jsonBody(contactSchema) },
      responses: {
        201: json(z.object({ id: z.string(), kind: z.string(), at: z.string(), sector: z.string().nullable() }), 'Counted'),
        ...pick(400, 401, 403, 415, 422),
      },
    }),
    async (c) => {
      const { who, network, sectors } = await fieldOf(s, c.get('principal'), null)
      const body = c.req.valid('json')
      const now = s.clock.now()
      const at = body.at ? new Date(body.at) : now
      if (at.getTime() > now.getTime() + CONTACT_AHEAD_MS || at.getTime() < now.getTime() - CONTACT_LATE_MS) {
        throw new HalteError(
          422,
          'contact_time_out_of_range',
          { fr: 'Un contact se compte dans les 7 jours, pas dans le futur.', en: 'A contact is counted within 7 days, not in the future.' },
          { errors: [{ path: 'at', message: 'within the last 7 days' }] },
        )
      }
      // The sector where it happened; without a point, the token's own if it has one only.
      const located = body.lat !== undefined ? await sectorAt(s.sql, network.id, body.lat, body.lon!) : null
      const sector = located ?? (sectors.length === 1 ? sectors[0]! : null)
      const row = await insertContact(s.sql, { networkId: network.id, sector, kind: body.kind, at, tokenId: who.tokenId }, now)
      return c.json({ id: row.id, kind: body.kind, at: isoInZone(at, network.timezone), sector: sector?.name ?? null }, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/contacts',
      tags: ['field'],
      summary: 'Contacts counted by day, sector and kind (operator)',
      description: 'Days in the network’s time zone, `from` and `to` included; default: the last 30 days.',
      security: bearer,
      request: { params: z.object({ slug: slugSchema }), query: z.object({ from: day.optional(), to: day.optional() }) },
      responses: {
        200: json(
          z
            .object({
              from: z.string(),
              to: z.string(),
              total: z.number().int(),
              counts: z.array(z.object({ day: z.string(), sector: z.string().nullable(), kind: z.string(), count: z.number().int() })),
            })
            .openapi('ContactCounts'),
          'Counts',
        ),
        ...pick(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const q = c.req.valid('query')
      const today = isoInZone(s.clock.now(), network.timezone).slice(0, 10)
      const to = q.to ?? today
      const from = q.from ?? shiftDay(to, -29)
      const [start, end] = [dayStart(from, network.timezone), dayStart(shiftDay(to, 1), network.timezone)]
      if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start || end.getTime() - start.getTime() > (MAX_RANGE_DAYS + 1) * 86_400_000) {
        throw new HalteError(
          400,
          'validation_failed',
          { fr: `from doit précéder to, sur ${MAX_RANGE_DAYS} jours au plus.`, en: `from must come before to, at most ${MAX_RANGE_DAYS} days apart.` },
          { errors: [{ path: 'from', message: 'before to, within a year' }] },
        )
      }
      const counts = await countContacts(s.sql, network.id, network.timezone, start, end)
      return c.json({ from, to, total: counts.reduce((n, r) => n + r.count, 0), counts }, 200)
    },
  )

  registerHandoff(app, s, (log, networkId, alertId) => afterCommit(log, 'alert handoff', () => announceAlert(s, networkId, alertId)))
  return app
}

function shiftDay(d: string, days: number) {
  const t = new Date(`${d}T12:00:00Z`)
  t.setUTCDate(t.getUTCDate() + days)
  return t.toISOString().slice(0, 10)
}

// Midnight of a calendar day in a time zone, as an instant (the offset read at noon that day).
function dayStart(d: string, timeZone: string): Date {
  const noon = new Date(`${d}T12:00:00Z`)
  if (Number.isNaN(noon.getTime())) return noon
  const local = isoInZone(noon, timeZone) // e.g. 2026-12-02T13:00:00+01:00
  const offset = local.slice(19)
  return new Date(`${d}T00:00:00${offset === 'Z' ? 'Z' : offset}`)
}
