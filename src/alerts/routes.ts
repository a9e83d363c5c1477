import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { operatorOf } from '../auth/guards.ts'
import type { Principal } from '../auth/principal.ts'
import { FIELD_ROLES, requireNetwork, requirePrincipal } from '../auth/principal.ts'
import { HalteError } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import { type Limit, overLimit } from '../http/rate-limit.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { loadNetwork } from '../networks/load.ts'
import { findNetworkById } from '../networks/queries.ts'
import { alertInScope } from '../sectors/queries.ts'
import { slugSchema } from '../networks/schemas.ts'
import { alertDeliveries, channelsOf } from '../notify/health.ts'
import { EMERGENCY } from '../places/schemas.ts'
import { afterCommit } from '../realtime/after-commit.ts'
import { cursorStream, StreamSlots } from '../realtime/sse.ts'
import type { Services } from '../services.ts'
import { alertChannel, announceAlert } from './channel.ts'
import { alertView, createdDelivery, partnerAlertView } from './present.ts'
import {
  type Actor,
  alertEvents,
  auditRead,
  findAlert,
  findAlertByAccessToken,
  isRecipient,
  listAlerts,
  networkEventsAfter,
  recipientDistance,
} from './queries.ts'
import { raiseWebAlert } from './raise.ts'
import { ALERT_STATUSES, alertCreatedSchema, alertSchema, createAlertSchema, partnerAlertSchema, transitionSchema } from './schemas.ts'
import { sha256Hex } from './secrets.ts'
import { transition } from './service.ts'
import { registerAlertSettings } from './settings.ts'

const slugParams = z.object({ slug: slugSchema })
const idParams = z.object({ id: z.uuid() })
const accessHeaders = z.object({ 'x-access-token': z.string().max(200).optional() })
const accessQuery = z.object({ access_token: z.string().max(200).optional() })

// A person who raises alerts again and again from one connection is still answered
// (raiseWebAlert answers the 429 with the nearest refuges); twenty in ten minutes is far beyond a real emergency's retries.
const ALERTS_PER_CLIENT: Limit = { scope: 'alert', max: 20, windowS: 600 }

// An operator's console in a few tabs or screens; beyond that, something is wrong.
const STREAMS_PER_TOKEN = 5
const STREAM_PAGE = 200
const STREAM_REPLAY_MS = 24 * 3600_000

export function alertsApp(s: Services) {
  const app = createRouter()
  const streams = new StreamSlots(STREAMS_PER_TOKEN)
  // A person's phone may have the page open twice; more is not a person waiting.
  const requesterStreams = new StreamSlots(3)

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{slug}/alerts',
      tags: ['alerts'],
      summary: 'Raise an alert (public). Answered only once stored; honours Idempotency-Key',
      request: {
        params: slugParams,
        headers: z.object({ 'idempotency-key': z.string().min(8).max(200).optional() }),
        body: jsonBody(createAlertSchema),
      },
      responses: { 201: json(alertCreatedSchema, 'Alert stored'), ...pick(400, 404, 409, 415) },
    }),
    async (c) => {
      const network = await loadNetwork(s.sql, c.req.valid('param').slug)
      const now = s.clock.now()
      const raised = await raiseWebAlert(s, network, c.req.valid('json'), c.req.valid('header')['idempotency-key'], now, () =>
        overLimit(s, c, ALERTS_PER_CLIENT, network.id, now),
      )
      if (raised.replayed) c.header('Idempotent-Replayed', 'true')
      else await afterCommit(c.get('log'), 'alert raised', () => announceAlert(s, network.id, raised.id))
      const { id, status, token, nearest, help } = raised
      const delivery = (await alertDeliveries(s.sql, [id], channelsOf(s.config))).get(id)!
      if (!raised.replayed && !createdDelivery(delivery).notified) {
        c.get('log').warn('alert raised but no message can reach anyone', { alert_id: id, network: network.slug, push: delivery.push, sms: delivery.sms })
      }
      return c.json({ id, status, access_token: token, nearest, help, delivery: createdDelivery(delivery), emergency: EMERGENCY }, 201)
    },
  )

  // Who may see or act on an alert: its requester (access token), the network's
  // operators, and for acknowledge/resolve the partners that were notified.
  const authorise = async (c: Context<AppEnv>, id: string, allow: { requester?: boolean; partner?: boolean; operator?: boolean; field?: boolean }) => {
    const alert = await findAlert(s.sql, id)
    if (!alert) throw new HalteError(404, 'not_found', { fr: 'Alerte introuvable.', en: 'No such alert.' })
    const network = (await findNetworkById(s.sql, alert.network_id))!
    const who = c.get('principal')
    const access = c.req.header('x-access-token') ?? c.req.query('access_token')
    if (allow.requester && access && (await findAlertByAccessToken(s.sql, id, await sha256Hex(access)))) {
      return { alert, network, actor: { role: 'requester', tokenId: null, placeId: null } as Actor, operator: false }
    }
    if (!who && !access) requirePrincipal(who, ['operator'])
    if (!who) throw new HalteError(403, 'forbidden', { fr: 'Jeton d’accès invalide pour cette alerte.', en: 'Wrong access token for this alert.' })
    const roles = [...(allow.operator ? (['admin', 'operator'] as const) : []), ...(allow.partner ? (['partner'] as const) : []), ...(allow.field ? FIELD_ROLES : [])]
    const p: Principal = requirePrincipal(who, roles)
    requireNetwork(p, alert.network_id)
    // Mediators and municipal police act on the alerts of their sectors only.
    if ((p.role === 'mediator' || p.role === 'police') && !(p.tokenId && (await alertInScope(s.sql, id, p.tokenId)))) {
      throw new HalteError(403, 'out_of_sector', { fr: 'Cette alerte n’est pas dans vos secteurs.', en: 'This alert is not in your sectors.' })
    }
    if (p.role === 'partner' && !(p.placeId && (await isRecipient(s.sql, id, p.placeId)))) {
      throw new HalteError(403, 'forbidden', {
        fr: 'Votre lieu n’a pas été prévenu de cette alerte.',
        en: 'Your place was not notified of this alert.',
      })
    }
    return { alert, network, actor: { role: p.role, tokenId: p.tokenId, placeId: p.placeId } as Actor, operator: p.role !== 'partner' }
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/alerts/{id}',
      tags: ['alerts'],
      summary: 'One alert and its history (its access token in X-Access-Token, an operator, or a mediator or police of its sector)',
      security: bearer,
      request: { params: idParams, headers: accessHeaders, query: accessQuery },
      responses: { 200: json(alertSchema, 'The alert'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { alert, network, actor, operator } = await authorise(c, c.req.valid('param').id, { requester: true, operator: true, field: true })
      if (!operator) return c.json(alertView(alert, network.timezone, await alertEvents(s.sql, alert.id)), 200)
      await auditRead(s.sql, { networkId: network.id, alertId: alert.id, actor, what: 'alert' }, s.clock.now())
      const delivery = (await alertDeliveries(s.sql, [alert.id], channelsOf(s.config))).get(alert.id)
      return c.json(alertView(alert, network.timezone, await alertEvents(s.sql, alert.id), delivery), 200)
    },
  )

  for (const action of ['acknowledge', 'resolve', 'cancel'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/alerts/{id}/${action}`,
        tags: ['alerts'],
        summary:
          action === 'cancel'
            ? 'Cancel an alert (its access token in X-Access-Token)'
            : `${action === 'acknowledge' ? 'Acknowledge' : 'Resolve'} an alert (operator, a notified partner, or a mediator or police of its sector)`,
        security: bearer,
        request: {
          params: idParams,
          headers: accessHeaders,
          query: accessQuery,
          body: { required: false, content: { 'application/json': { schema: transitionSchema } } },
        },
        responses: {
          200: json(z.union([alertSchema, partnerAlertSchema]), 'Recorded (a partner gets the partner view)'),
          ...pick(400, 401, 403, 404, 409),
        },
      }),
      async (c) => {
        const id = c.req.valid('param').id
        const { network, actor } = await authorise(
          c,
          id,
          action === 'cancel' ? { requester: true } : { operator: true, partner: true, field: true },
        )
        const body = (c.req.valid('json') as z.infer<typeof transitionSchema> | undefined) ?? {}
        const now = s.clock.now()
        await s.sql.begin(async (tx) => {
          await transition(tx, network, id, action, actor, now, { note: body.note ?? null, falseAlarm: body.false_alarm === true })
          // Anyone acting on someone else's alert leaves a trace, as a read would.
          if (actor.role !== 'requester') await auditRead(tx, { networkId: network.id, alertId: id, actor, what: action }, now)
        })
        await afterCommit(c.get('log'), `alert ${action}`, () => announceAlert(s, network.id, id))
        const alert = (await findAlert(s.sql, id))!
        const events = await alertEvents(s.sql, id)
        if (actor.role === 'partner') {
          return c.json(partnerAlertView(alert, network.timezone, await recipientDistance(s.sql, id, actor.placeId!), events), 200)
        }
        return c.json(alertView(alert, network.timezone, events), 200)
      },
    )
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/alerts',
      tags: ['alerts'],
      summary: 'Alerts by status, newest first (operator)',
      security: bearer,
      request: {
        params: slugParams,
        query: z.object({
          status: z
            .string()
            .optional()
            .transform((v) => (v ? v.split(',') : ['open', 'acknowledged']))
            .pipe(z.array(z.enum(ALERT_STATUSES))),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
      responses: { 200: json(z.object({ alerts: z.array(alertSchema) }), 'Alerts'), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { network, actor } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const { status, limit } = c.req.valid('query')
      const rows = await listAlerts(s.sql, network.id, status, limit)
      await auditRead(s.sql, { networkId: network.id, alertId: null, actor, what: `list:${status.join(',')}` }, s.clock.now())
      const deliveries = await alertDeliveries(s.sql, rows.map((a) => a.id), channelsOf(s.config))
      return c.json({ alerts: rows.map((a) => alertView(a, network.timezone, undefined, deliveries.get(a.id))) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/alerts/stream',
      tags: ['alerts'],
      summary: 'Live alert events (operator, SSE events `alert`, resumes from Last-Event-ID)',
      security: bearer,
      request: { params: slugParams },
      responses: { 200: { description: 'text/event-stream' }, ...pick(401, 403, 404, 503) },
    }),
    async (c) => {
      const { network, actor } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      await auditRead(s.sql, { networkId: network.id, alertId: null, actor, what: 'stream' }, s.clock.now())
      return cursorStream(c, {
        signal: s.signal,
        channel: alertChannel(network.id),
        slot: { slots: streams, key: actor.tokenId ?? 'admin' },
        pageSize: STREAM_PAGE,
        // Every console of the network reads the same events: one read per wake-up.
        shareReads: `operators:${network.id}`,
        read: async (after) => {
          // A new stream starts with the last day's events (a shift's worth); older
          // alerts are in the list. A resumed one gets its backlog page by page.
          const since = after === null ? new Date(s.clock.now().getTime() - STREAM_REPLAY_MS) : null
          const rows = await networkEventsAfter(s.sql, network.id, after, STREAM_PAGE, since)
          return rows.map((e) => ({
            id: e.id,
            event: 'alert',
            data: { event: e.kind, from: e.from_status, to: e.to_status, by: e.actor_role, at: e.at, alert: alertView(e.alert, network.timezone) },
          }))
        },
      }) as never
    },
  )

  // The requester's own alert, live: what a person who asked for help waits to see
  // (acknowledged, resolved). Browsers read it with fetch() so that the access token
  // travels in X-Access-Token, not in a URL that logs and histories keep.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/alerts/{id}/stream',
      tags: ['alerts'],
      summary: 'Live status of one alert (its access token in X-Access-Token; SSE events `status`, resumes from Last-Event-ID)',
      description:
        'Read it with fetch() and a stream reader (headers allowed cross-origin: X-Access-Token, Last-Event-ID). ' +
        'Each event carries the alert as GET /v1/alerts/{id} shows it to its requester.',
      request: { params: idParams, headers: accessHeaders, query: accessQuery },
      responses: { 200: { description: 'text/event-stream' }, ...pick(401, 403, 404, 503) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      const { network } = await authorise(c, id, { requester: true })
      return cursorStream(c, {
        signal: s.signal,
        channel: alertChannel(network.id),
        slot: { slots: requesterStreams, key: id },
        // An alert has a handful of events: all of them, then only the new ones.
        read: async (after) => {
          const events = (await alertEvents(s.sql, id)).filter((e) => after === null || BigInt(e.id) > BigInt(after))
          if (events.length === 0) return []
          const alert = await findAlert(s.sql, id)
          if (!alert) return []
          const view = alertView(alert, network.timezone)
          return events.map((e) => ({ id: e.id, event: 'status', data: { event: e.kind, to: e.to_status, at: e.at, alert: view } }))
        },
      }) as never
    },
  )

  registerAlertSettings(app, s)
  return app
}
