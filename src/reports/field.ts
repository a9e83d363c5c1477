import { createRoute } from '@hono/zod-openapi'
import { fieldOf } from '../auth/guards.ts'
import type { Db } from '../db/types.ts'
import { bearer, pick } from '../http/responses.ts'
import type { createRouter } from '../http/router.ts'
import type { Network } from '../networks/schemas.ts'
import { enqueuePush } from '../notify/outbox.ts'
import { cursorStream, StreamSlots } from '../realtime/sse.ts'
import type { Services } from '../services.ts'
import { type CategoryRow, fieldReportEventsAfter } from './queries.ts'

// Reports reach the field people of their sector: a push to the on-duty mediators and
// police whose sectors hold the report's point, and a stream of the report events of
// their sectors. Reading and acting on a report is in routes.ts (ownReport).

// Streams of a network's report events listen here; the payload is a report id.
export const reportChannel = (networkId: string) => `reports:${networkId}`

export async function announceReport(s: Pick<Services, 'signal' | 'wakeOutbox'>, networkId: string, reportId: string) {
  s.wakeOutbox()
  await s.signal.publish(reportChannel(networkId), reportId)
}

// What a push about a new report carries. It is shown on a lock screen, perhaps to
// whoever holds the phone: what kind of report and where to read it, nothing a resident
// wrote (the description is free text that may name or describe people, a private
// category's above all) and none of the reporter's contact. No point either: a
// harassment report's point may be where the person lives; the mediator reads it in the
// console, behind the token and the sector check.
export function notifyFieldOfReport(tx: Db, network: Network, reportId: string, category: CategoryRow, now: Date) {
  const payload = {
    type: 'report',
    audience: 'field',
    report_id: reportId,
    network: network.slug,
    category: { code: category.code, fr: category.name_fr, en: category.name_en },
    visibility: category.visibility,
    status: 'open',
    created_at: now.toISOString(),
    url: `/console?network=${encodeURIComponent(network.slug)}&report=${reportId}`,
  }
  return enqueuePush(tx, { networkId: network.id, payload }, { fieldOfReport: reportId }, now)
}

export function registerFieldReportStream(app: ReturnType<typeof createRouter>, s: Services) {
  // One phone, perhaps a second screen (as the alerts' field stream).
  const streams = new StreamSlots(3)
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/field/reports/stream',
      tags: ['field'],
      summary: 'Live events of the reports in my sectors (mediator, police; SSE events `report`, resumes from Last-Event-ID)',
      description: 'Each event says which report changed and how; the report itself is read from /v1/reports/{id}.',
      security: bearer,
      responses: { 200: { description: 'text/event-stream' }, ...pick(401, 403, 503) },
    }),
    async (c) => {
      const { who, network } = await fieldOf(s, c.get('principal'), null)
      return cursorStream(c, {
        signal: s.signal,
        channel: reportChannel(network.id),
        slot: { slots: streams, key: who.tokenId! },
        pageSize: 200,
        read: async (after) => {
          // A new stream starts with the last shift's (12 h), as the alerts' one.
          const since = after === null ? new Date(s.clock.now().getTime() - 12 * 3600_000) : null
          const rows = await fieldReportEventsAfter(s.sql, network.id, who.tokenId!, after, 200, since)
          return rows.map((e) => ({
            id: e.id,
            event: 'report',
            data: { event: e.kind, report_id: e.report_id, from: e.from_status, to: e.to_status, by: e.actor_role, at: e.at, url: `/v1/reports/${e.report_id}` },
          }))
        },
      }) as never
    },
  )
}
