import { createRoute, z } from '@hono/zod-openapi'
import { type Principal, requirePrincipal } from '../auth/principal.ts'
import { HalteError, notFound } from '../errors.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { findNetworkById } from '../networks/queries.ts'
import type { Network } from '../networks/schemas.ts'
import { afterCommit } from '../realtime/after-commit.ts'
import { cursorStream, StreamSlots } from '../realtime/sse.ts'
import type { Services } from '../services.ts'
import {
  type Decision,
  type DropoffRow,
  decide,
  feedSince,
  findDropoff,
  findVehicle,
  lastEventId,
  openOnTrip,
} from './dropoff-queries.ts'
import { reportPosition } from './position.ts'
import { presentDropoff, vehicleChannel } from './present.ts'
import { pushToRider } from './rider-push.ts'
import { notYourTrip, } from './rules.ts'
import { declineSchema, dropoffSchema, feedItemSchema, positionSchema } from './schemas.ts'
import { wakeDrivers, wakeVehicle } from './wake.ts'

interface Driver {
  principal: Principal
  network: Network
  vehicle: string
}

async function driverOf(s: Services, p: Principal | undefined): Promise<Driver> {
  const principal = requirePrincipal(p, ['driver'])
  const network = await findNetworkById(s.sql, principal.networkId!)
  if (!network || !principal.vehicle) throw notFound()
  return { principal, network, vehicle: principal.vehicle }
}

const feedItem = (d: DropoffRow, network: Network, busAlong: number | null) => ({
  ...presentDropoff(d, network),
  ahead_m: busAlong === null ? null : Math.round(d.distance_along_m - busAlong),
})

// A cab has one screen; the spare places cover a reconnect racing its old stream's end.
const STREAMS_PER_DRIVER = 3

export function driverApp(s: Services) {
  const app = createRouter()
  const streams = new StreamSlots(STREAMS_PER_DRIVER)

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/driver/position',
      tags: ['driver'],
      summary: "Report the vehicle's position and current trip (driver)",
      security: bearer,
      request: { body: jsonBody(positionSchema) },
      responses: { 204: { description: 'Recorded' }, ...pick(400, 401, 403, 415, 422) },
    }),
    async (c) => {
      const d = await driverOf(s, c.get('principal'))
      const moved = await reportPosition(s, d.network, d.vehicle, c.req.valid('json'), s.clock.now())
      await afterCommit(c.get('log'), 'driver position', async () => {
        for (const vehicle of moved.released) await wakeVehicle(s, d.network.id, vehicle, 'trip')
        if (moved.tripId && moved.expired > 0) {
          s.wakeOutbox()
          await wakeDrivers(s, d.network.id, moved.tripId, 'expired')
        }
        if (moved.tripChanged) await wakeVehicle(s, d.network.id, d.vehicle, 'trip')
      })
      return c.body(null, 204)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/driver/feed',
      tags: ['driver'],
      summary: "Pending requests on the driver's trip: SSE events `dropoff`, or the current list with Accept: application/json",
      security: bearer,
      responses: {
        200: {
          description: 'SSE stream (text/event-stream) or the list, nearest ahead first',
          content: { 'application/json': { schema: z.array(feedItemSchema) }, 'text/event-stream': { schema: z.string() } },
        },
        ...pick(401, 403, 503),
      },
    }),
    async (c) => {
      const d = await driverOf(s, c.get('principal'))
      if (/application\/json/i.test(c.req.header('accept') ?? '') && !/text\/event-stream/i.test(c.req.header('accept') ?? '')) {
        const v = await findVehicle(s.sql, d.network.id, d.vehicle)
        const rows = v?.trip_id ? await openOnTrip(s.sql, d.network.id, v.trip_id) : []
        return c.json(rows.map((r) => feedItem(r, d.network, v?.along_m ?? null)), 200)
      }
      return cursorStream(c, {
        signal: s.signal,
        channel: vehicleChannel(d.network.id, d.vehicle),
        // Thousands of buses hold a stream each, and each poll is two queries: at 30 s,
        // 5,000 cabs' polls were over half of all queries (soak). With a signal, the poll
        // only covers a wake-up lost to a crash between a commit and its NOTIFY (a lost
        // LISTEN connection makes every stream re-read, and a rider's 201 is sent only
        // after the NOTIFY), so it can be rare.
        pollMs: s.signal.live ? 120_000 : undefined,
        // "<trip_id>:<event id>", as read() below writes them.
        cursor: /^[^\r\n]{1,200}:\d{1,18}$/,
        slot: { slots: streams, key: c.get('principal')?.tokenId ?? 'admin' },
        // Trip-change corner: the cursor is per trip, so a new trip starts from its snapshot.
        read: async (after) => {
          const [cursorTrip, cursorId] = parseCursor(after)
          const v = await feedSince(s.sql, d.network.id, d.vehicle, cursorTrip, cursorId)
          if (!v?.tripId) return []
          const along = v.alongM
          if (cursorTrip !== v.tripId) {
            // First read on this trip: the open requests nearest ahead first, all under the
            // trip's latest cursor so a resume continues after them. With none open, the
            // stream still moves to that cursor: the next reads are then one cheap query,
            // not this snapshot again (thousands of idle cabs polling).
            const id = `${v.tripId}:${await lastEventId(s.sql, d.network.id, v.tripId)}`
            const rows = await openOnTrip(s.sql, d.network.id, v.tripId)
            return { events: rows.map((r) => ({ id, event: 'dropoff', data: feedItem(r, d.network, along) })), cursor: id }
          }
          return v.changes.map((r) => ({ id: `${v.tripId}:${r.event_id}`, event: 'dropoff', data: feedItem(r, d.network, along) }))
        },
      }) as never
    },
  )

  for (const decision of ['accept', 'decline', 'done'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/driver/dropoffs/{id}/${decision}`,
        tags: ['driver'],
        summary: `${decision[0]!.toUpperCase()}${decision.slice(1)} a drop-off request on the driver's trip (driver)`,
        security: bearer,
        request: {
          params: z.object({ id: z.string().uuid() }),
          ...(decision === 'decline' ? { body: jsonBody(declineSchema) } : {}),
        },
        responses: { 200: json(dropoffSchema, 'The request after the decision'), ...pick(400, 401, 403, 404, 409, 415) },
      }),
      async (c) => {
        const d = await driverOf(s, c.get('principal'))
        const id = c.req.valid('param').id
        // Only the decline route declares a body; the shared handler reads it only there.
        const body = decision === 'decline' ? (c.req.valid as unknown as (t: 'json') => { reason: string; note?: string })('json') : undefined
        const row = await findDropoff(s.sql, id)
        if (!row || row.network_id !== d.network.id) throw notFound()
        const v = await findVehicle(s.sql, d.network.id, d.vehicle)
        // Only the vehicle that holds the request's trip decides on it.
        if (!v?.trip_id || v.trip_id !== row.trip_id) throw notYourTrip()
        const now = s.clock.now()
        const updated = await s.sql.begin(async (tx) => {
          const row = await decide(tx, id, {
            decision: decision as Decision,
            vehicle: d.vehicle,
            at: now,
            position: v ? { lat: v.lat, lon: v.lon } : null,
            reason: body?.reason,
            note: body?.note,
          })
          if (row) await pushToRider(tx, d.network, row, now)
          return row
        })
        if (!updated) {
          throw new HalteError(409, 'invalid_transition', {
            fr: `Impossible : la demande est « ${row.status} ».`,
            en: `Not possible: the request is "${row.status}".`,
          })
        }
        await afterCommit(c.get('log'), `dropoff ${decision}`, () => {
          s.wakeOutbox()
          return wakeDrivers(s, d.network.id, row.trip_id, id)
        })
        return c.json(presentDropoff(updated, d.network), 200)
      },
    )
  }

  return app
}

function parseCursor(after: string | null): [string | null, string] {
  if (!after) return [null, '0']
  const at = after.lastIndexOf(':')
  return at < 0 ? [null, '0'] : [after.slice(0, at), after.slice(at + 1) || '0']
}
