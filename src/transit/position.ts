import type { z } from '@hono/zod-openapi'
import { isUniqueViolation } from '../db/errors.ts'
import type { Network } from '../networks/schemas.ts'
import type { Services } from '../services.ts'
import { type DropoffRow, expirePassed, findVehicle, ONE_VEHICLE_PER_TRIP, releaseStaleHolders, upsertVehicle } from './dropoff-queries.ts'
import { makeLine, snapAhead } from './geometry.ts'
import { findTripShape } from './queries.ts'
import { pushToRider } from './rider-push.ts'
import { judgeProgress, type Progress, TRIP_HOLD_MS, tripHeldElsewhere, unknownTrip } from './rules.ts'
import type { positionSchema } from './schemas.ts'

// A driver's position: it may claim a trip (one vehicle holds a trip at a time; one
// silent for longer than the hold is let go), and it moves the bus along the trip's
// shape, expiring the requests it went past, with their riders' pushes, in one
// transaction. Only a plausible move along the route counts (judgeProgress). The caller
// wakes the feeds once this has committed.
export async function reportPosition(
  s: Pick<Services, 'sql'>,
  network: Network,
  vehicle: string,
  body: z.infer<typeof positionSchema>,
  now: Date,
): Promise<{ tripId: string | null; tripChanged: boolean; released: string[]; expired: number }> {
  const previous = await findVehicle(s.sql, network.id, vehicle)
  const tripId = body.trip_id ?? previous?.trip_id ?? null
  const claim = tripId !== null && tripId !== (previous?.trip_id ?? null)
  let progress: Progress = { alongM: null, alongAt: null, passed: null }
  if (tripId) {
    const trip = await findTripShape(s.sql, network.id, tripId)
    if (!trip) throw unknownTrip(network, tripId)
    // A claim starts the trip afresh: what was passed before it is not this vehicle's to say.
    const last = !claim && previous?.along_m != null ? { alongM: previous.along_m, at: previous.along_at ?? previous.at } : null
    // On the same trip the bus only moves forward: search from a little behind its
    // last known distance, so a loop's other pass is not mistaken for it.
    const from = last ? Math.max(0, last.alongM - 200) : 0
    progress = judgeProgress(last, snapAhead(makeLine(trip.coords), [body.lon, body.lat], from), now)
  }
  let released: string[] = []
  let expiredRows: DropoffRow[]
  try {
    expiredRows = await s.sql.begin(async (tx) => {
      if (claim) released = await releaseStaleHolders(tx, network.id, tripId, vehicle, new Date(now.getTime() - TRIP_HOLD_MS))
      await upsertVehicle(tx, network.id, {
        vehicle,
        tripId,
        alongM: progress.alongM,
        alongAt: progress.alongAt,
        lat: body.lat,
        lon: body.lon,
        at: now,
      })
      const rows = tripId && progress.passed ? await expirePassed(tx, network.id, tripId, progress.passed, now) : []
      for (const r of rows) await pushToRider(tx, network, r, now)
      return rows
    })
  } catch (e) {
    // Another vehicle reported on this trip within the hold: the trip is its own.
    if (tripId && isUniqueViolation(e, ONE_VEHICLE_PER_TRIP)) throw tripHeldElsewhere(tripId)
    throw e
  }
  return { tripId, tripChanged: tripId !== (previous?.trip_id ?? null), released, expired: expiredRows.length }
}
