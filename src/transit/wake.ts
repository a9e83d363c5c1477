import type { Services } from '../services.ts'
import { vehiclesOnTrip } from './dropoff-queries.ts'
import { vehicleChannel } from './present.ts'

// Every vehicle announced on a trip re-reads its feed (a request came, was decided or
// expired). Call it after the commit, through afterCommit.
export async function wakeDrivers(s: Pick<Services, 'sql' | 'signal'>, networkId: string, tripId: string, hint: string) {
  // Without a live signal the feeds poll: no need to look the vehicles up.
  if (!s.signal.live) return
  for (const vehicle of await vehiclesOnTrip(s.sql, networkId, tripId)) {
    await s.signal.publish(vehicleChannel(networkId, vehicle), hint)
  }
}

// One vehicle re-reads its feed (its trip changed).
export async function wakeVehicle(s: Pick<Services, 'signal'>, networkId: string, vehicle: string, hint: string) {
  await s.signal.publish(vehicleChannel(networkId, vehicle), hint)
}
