import { createRoute, z } from '@hono/zod-openapi'
import type { OpenAPIHono } from '@hono/zod-openapi'
import { auditRead } from '../alerts/queries.ts'
import { requireNetwork, requirePrincipal } from '../auth/principal.ts'
import { HalteError } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import type { Services } from '../services.ts'
import { type HoldRow, holdBounds, holdsOf, liftHold, placeHold } from './queries.ts'

// A legal hold: an operator holding a judicial requisition keeps one alert's record past
// the retention period, until a date a year away at most. Every hold and lift is in the
// audit (alert_reads, and the hold rows themselves, never deleted).

const idParams = z.object({ id: z.uuid() })
const holdBody = z
  .object({
    reason: z.string().trim().min(1).max(500),
    reference: z.string().trim().min(1).max(200).openapi({ description: 'The judicial requisition’s reference', example: 'PV 2026/01234' }),
    until: z.iso.date().openapi({ description: 'Kept until the end of this day (network’s time zone); a year from today at most', example: '2027-03-31' }),
  })
  .openapi('HoldRequest')
const holdSchema = z
  .object({
    alert_id: z.string(),
    reason: z.string(),
    reference: z.string(),
    until: z.string(),
    by: z.string(),
    created_at: z.string(),
    lifted_at: z.string().nullable(),
    lifted_by: z.string().nullable(),
  })
  .openapi('Hold')

const view = (h: HoldRow) => ({
  alert_id: h.alert_id,
  reason: h.reason,
  reference: h.reference,
  until: h.until,
  by: h.actor_role,
  created_at: new Date(h.created_at).toISOString(),
  lifted_at: h.lifted_at ? new Date(h.lifted_at).toISOString() : null,
  lifted_by: h.lifted_role,
})

export function registerHolds(app: OpenAPIHono<AppEnv>, s: Services) {
  const operatorOfAlert = async (principal: AppEnv['Variables']['principal'], id: string) => {
    const who = requirePrincipal(principal, ['admin', 'operator'])
    const [alert] = await s.sql<{ network_id: string; erased: boolean }[]>`select network_id, erased_at is not null as erased from alerts where id = ${id}`
    if (!alert) throw new HalteError(404, 'not_found', { fr: 'Alerte introuvable.', en: 'No such alert.' })
    requireNetwork(who, alert.network_id)
    return { alert, actor: { role: who.role, tokenId: who.tokenId, placeId: null } }
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/alerts/{id}/hold',
      tags: ['rights'],
      summary: 'Hold an alert’s record past retention on a judicial requisition (operator)',
      description:
        'The retention job skips the alert until the hold is lifted or its date is past; the next run then erases it. ' +
        'A new hold on a held alert replaces the standing one’s terms (both stay on record). The requester cannot erase ' +
        'a held alert (409 `legal_hold`). A date in the past or more than a year away is refused (400 `invalid_hold_date`); ' +
        'an alert already erased cannot be held (409 `already_erased`).',
      security: bearer,
      request: { params: idParams, body: jsonBody(holdBody) },
      responses: { 201: json(holdSchema, 'Held'), ...pick(400, 401, 403, 404, 409, 415) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      const body = c.req.valid('json')
      const { alert, actor } = await operatorOfAlert(c.get('principal'), id)
      const now = s.clock.now()
      const bounds = await holdBounds(s.sql, alert.network_id, now)
      if (body.until < bounds.today || body.until > bounds.max) {
        throw new HalteError(400, 'invalid_hold_date', {
          fr: `La date de fin doit être entre aujourd’hui (${bounds.today}) et dans un an (${bounds.max}).`,
          en: `The end date must lie between today (${bounds.today}) and a year from now (${bounds.max}).`,
        })
      }
      const hold = await s.sql.begin(async (tx) => {
        const [row] = await tx<{ erased: boolean }[]>`select erased_at is not null as erased from alerts where id = ${id} for update`
        if (row!.erased) {
          throw new HalteError(409, 'already_erased', {
            fr: 'Les données de cette alerte sont déjà effacées : il n’y a plus rien à conserver.',
            en: "This alert's data is already erased: nothing is left to keep.",
          })
        }
        const h = await placeHold(tx, { alertId: id, networkId: alert.network_id, reason: body.reason, reference: body.reference, until: body.until, actor }, now)
        await auditRead(tx, { networkId: alert.network_id, alertId: id, actor, what: 'hold' }, now)
        return h
      })
      return c.json(view(hold), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/alerts/{id}/hold',
      tags: ['rights'],
      summary: 'Lift an alert’s legal hold (operator); the next retention run erases it if its period is over',
      security: bearer,
      request: { params: idParams },
      responses: { 200: json(holdSchema, 'Lifted'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      const { alert, actor } = await operatorOfAlert(c.get('principal'), id)
      const now = s.clock.now()
      const lifted = await s.sql.begin(async (tx) => {
        const h = await liftHold(tx, id, actor, now)
        if (h) await auditRead(tx, { networkId: alert.network_id, alertId: id, actor, what: 'hold_lifted' }, now)
        return h
      })
      if (!lifted) throw new HalteError(404, 'not_found', { fr: 'Cette alerte n’est pas conservée.', en: 'This alert is not held.' })
      return c.json(view(lifted), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/alerts/{id}/holds',
      tags: ['rights'],
      summary: 'An alert’s legal holds, standing and past (operator; the read is audited)',
      security: bearer,
      request: { params: idParams },
      responses: { 200: json(z.object({ holds: z.array(holdSchema) }), 'Holds'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      const { alert, actor } = await operatorOfAlert(c.get('principal'), id)
      await auditRead(s.sql, { networkId: alert.network_id, alertId: id, actor, what: 'holds' }, s.clock.now())
      return c.json({ holds: (await holdsOf(s.sql, id)).map(view) }, 200)
    },
  )
}
