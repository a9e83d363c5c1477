import { isoInZone } from '../hours/format.ts'
import type { Network } from '../networks/schemas.ts'
import type { DropoffRow } from './dropoff-queries.ts'
import { betweenText } from './rules.ts'

const round1 = (n: number) => Math.round(n * 10) / 10
const iso = (d: Date | null, tz: string) => (d ? isoInZone(d, tz) : null)

export function presentDropoff(d: DropoffRow, network: Pick<Network, 'timezone' | 'locale'>) {
  const tz = network.timezone
  return {
    id: d.id,
    status: d.status,
    trip_id: d.trip_id,
    route_id: d.route_id,
    snapped: { lat: round6(d.lat), lon: round6(d.lon) },
    distance_along_m: round1(d.distance_along_m),
    after_stop: { id: d.after_stop_id, name: d.after_stop_name },
    before_stop: { id: d.before_stop_id, name: d.before_stop_name },
    after_stop_m: Math.round(d.after_stop_m),
    text: betweenText(d.after_stop_name, d.before_stop_name, d.after_stop_m)[network.locale === 'en' ? 'en' : 'fr'],
    created_at: isoInZone(d.created_at, tz),
    decision: d.decided_at && d.status !== 'expired'
      ? { at: iso(d.decided_at, tz)!, reason: d.decision_reason, note: d.decision_note }
      : null,
    done_at: iso(d.done_at, tz),
    expired_at: iso(d.expired_at, tz),
  }
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6

// Channel names are SQL identifiers (63 bytes at most): a hash of network and vehicle.
export function vehicleChannel(networkId: string, vehicle: string): string {
  let h1 = 0x811c9dc5
  let h2 = 0x01000193
  for (const ch of `${networkId}\u0000${vehicle}`) {
    const c = ch.codePointAt(0)!
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0
  }
  return `halte_drv_${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`
}
