import { createRoute, z } from '@hono/zod-openapi'
import { requirePrincipal } from '../auth/principal.ts'
import type { Principal } from '../auth/principal.ts'
import { HalteError } from '../errors.ts'
import { isoInZone } from '../hours/format.ts'
import { bearer, json, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { findNetworkById } from '../networks/queries.ts'
import { cursorStream, StreamSlots } from '../realtime/sse.ts'
import type { Services } from '../services.ts'
import { alertChannel } from './channel.ts'
import { partnerAlertView } from './present.ts'
import { type Actor, alertsSentTo, auditRead, placeEventsAfter } from './queries.ts'
import { partnerAlertSchema } from './schemas.ts'

// A week: the alerts a venue's staff may still be asked about; older ones are the
// operators' to answer for.
const WINDOW_MS = 7 * 86_400_000
// The till's screen and a phone or two.
const STREAMS_PER_TOKEN = 3
const STREAM_PAGE = 100

// The alerts a partner's place was told of, in the partner view (roughly where, how far,
// when, what state; never the message nor the exact point), listed and live.
export function partnerAlertsApp(s: Services) {
  const app = createRouter()
  const streams = new StreamSlots(STREAMS_PER_TOKEN)

  const partnerOf = async (p: Principal | undefined) => {
    const who = requirePrincipal(p, ['partner'])
    const network = who.networkId && who.placeId ? await findNetworkById(s.sql, who.networkId) : null
    if (!network) throw new HalteError(403, 'forbidden', { fr: 'Ce jeton n’est lié à aucun lieu.', en: 'This token is bound to no place.' })
    const actor: Actor = { role: who.role, tokenId: who.tokenId, placeId: who.placeId }
    return { placeId: who.placeId!, network, actor }
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/partner/alerts',
      tags: ['partner'],
      summary: 'Alerts my place was told of in the last 7 days, newest first (partner)',
      security: bearer,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
      responses: { 200: json(z.object({ alerts: z.array(partnerAlertSchema) }).openapi('PartnerAlerts'), 'Alerts'), ...pick(400, 401, 403) },
    }),
    async (c) => {
      const { placeId, network, actor } = await partnerOf(c.get('principal'))
      const now = s.clock.now()
      const rows = await alertsSentTo(s.sql, placeId, new Date(now.getTime() - WINDOW_MS), c.req.valid('query').limit)
      await auditRead(s.sql, { networkId: network.id, alertId: null, actor, what: 'partner_list' }, now)
      const alerts = rows.map((a) => partnerAlertView(a, network.timezone, a.distance_m, a.events.map((e) => ({ ...e, at: new Date(e.at) }))))
      return c.json({ alerts }, 200, { 'Cache-Control': 'no-store' })
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/partner/alerts/stream',
      tags: ['partner'],
      summary: 'Live events of the alerts my place is told of (partner, SSE events `alert`, resumes from Last-Event-ID)',
      description: 'A new stream starts with the last 7 days’ events. Each event: `{ event, to, at, alert }`, the alert in the partner view.',
      security: bearer,
      responses: { 200: { description: 'text/event-stream' }, ...pick(400, 401, 403, 429, 503) },
    }),
    async (c) => {
      const { placeId, network, actor } = await partnerOf(c.get('principal'))
      await auditRead(s.sql, { networkId: network.id, alertId: null, actor, what: 'partner_stream' }, s.clock.now())
      return cursorStream(c, {
        signal: s.signal,
        // Every alert of the network wakes the stream; the read keeps this place's.
        channel: alertChannel(network.id),
        slot: { slots: streams, key: actor.tokenId ?? 'partner' },
        pageSize: STREAM_PAGE,
        read: async (after) => {
          const since = after === null ? new Date(s.clock.now().getTime() - WINDOW_MS) : null
          const rows = await placeEventsAfter(s.sql, network.id, placeId, after, STREAM_PAGE, since)
          return rows.map((e) => ({
            id: e.id,
            event: 'alert',
            data: { event: e.kind, to: e.to_status, at: isoInZone(new Date(e.at), network.timezone), alert: partnerAlertView(e.alert, network.timezone, e.distance_m, []) },
          }))
        },
      }) as never
    },
  )

  return app
}
