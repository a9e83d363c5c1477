import type { z } from '@hono/zod-openapi'
import { hashToken } from '../auth/tokens.ts'
import type { Network } from '../networks/schemas.ts'
import { instantOf } from '../places/nearest.ts'
import { insertSubscription } from '../notify/subscriptions.ts'
import type { Services } from '../services.ts'
import { tripRunAt } from './calendar.ts'
import { refuseIfExpired } from './feed-age.ts'
import { findVehicle, inExcludedZone, insertDropoff, latestOnTrip } from './dropoff-queries.ts'
import { makeLine, snapAhead } from './geometry.ts'
import { findTripShape } from './queries.ts'
import { countRefusal, isRuleRefusal } from './refusals.ts'
import { checkHours, checkRoute, place, refusal, tripNotRunning, unknownTrip } from './rules.ts'
import type { dropoffRequestSchema } from './schemas.ts'

// A rider's request, from what they sent to the stored row: the trip (named, or the
// vehicle's), the network's rules in the order a rider can act on them (line, hours,
// the trip running then, the point on the route ahead of the bus, not in an excluded
// zone), then the request and its push subscription in one transaction. Every refusal
// is a 422 with its code, counted (code, line, hour: see refusals.ts) before it goes
// back; nothing of the request is written then. The caller wakes the drivers once this
// has committed.
export async function requestDropoff(
  s: Pick<Services, 'sql' | 'clock' | 'config'>,
  network: Network,
  body: z.infer<typeof dropoffRequestSchema>,
) {
  const seen: { routeId: string | null } = { routeId: null }
  try {
    return await judgeAndStore(s, network, body, seen)
  } catch (e) {
    if (isRuleRefusal(e)) await countRefusal(s.sql, network.id, seen.routeId, e.code, s.clock.now())
    throw e
  }
}

async function judgeAndStore(
  s: Pick<Services, 'sql' | 'clock' | 'config'>,
  network: Network,
  body: z.infer<typeof dropoffRequestSchema>,
  seen: { routeId: string | null },
) {
  const at = body.at ? instantOf(body.at, network.timezone) : s.clock.now()
  let tripId = body.trip_id
  if (!tripId) {
    const v = await findVehicle(s.sql, network.id, body.vehicle!)
    if (!v?.trip_id) throw unknownTrip(network, body.vehicle!)
    tripId = v.trip_id
  }
  const trip = await findTripShape(s.sql, network.id, tripId)
  if (!trip) throw unknownTrip(network, tripId)
  seen.routeId = trip.route_id
  checkRoute(network, trip)
  checkHours(network, at, trip.coords[0]!)
  const run = await tripRunAt(s.sql, trip.feed_id, trip.trip_id, at, network.timezone)
  if (!run) {
    await refuseIfExpired(s.sql, network, at)
    throw tripNotRunning(network, trip.trip_id, at)
  }
  const bus = await latestOnTrip(s.sql, network.id, trip.trip_id)
  let busAlong = bus?.along_m ?? null
  if (busAlong === null && body.rider_position) {
    busAlong = snapAhead(makeLine(trip.coords), [body.rider_position.lon, body.rider_position.lat]).along
  }
  const p = place(network, trip, [body.location.lon, body.location.lat], busAlong ?? 0)
  const snapped = { lon: p.snapped[0], lat: p.snapped[1] }
  if (await inExcludedZone(s.sql, network.id, snapped)) {
    throw refusal(network, 'excluded_zone', {
      fr: "Le bus ne peut pas s'arrêter à cet endroit (zone exclue : carrefour, virage, voie de tram…). Choisissez un point un peu plus loin.",
      en: 'The bus cannot stop here (excluded zone: junction, bend, tram track…). Pick a point a little further on.',
    })
  }
  const i = p.afterIndex
  const token = `hd_${crypto.randomUUID().replace(/-/g, '')}${crypto.randomUUID().replace(/-/g, '')}`
  const tokenHash = await hashToken(token)
  const row = await s.sql.begin(async (tx) => {
    const created = await insertDropoff(tx, {
      networkId: network.id,
      tripId: trip.trip_id,
      routeId: trip.route_id,
      tokenHash,
      snapped,
      offsetM: p.offsetM,
      alongM: p.alongM,
      after: { id: trip.stop_ids[i]!, name: trip.stop_names[i]!, alongM: trip.dists_m[i]! },
      before: { id: trip.stop_ids[i + 1]!, name: trip.stop_names[i + 1]! },
      at,
      tripEndsAt: run.ends_at,
    })
    if (body.push_subscription) {
      await insertSubscription(tx, { networkId: network.id, owner: 'dropoff', dropoffId: created.id }, body.push_subscription, at, s.config.HALTE_PUSH_ALLOWED_HOSTS)
    }
    return created
  })
  return { row, token, offsetM: p.offsetM }
}
