import { isoInZone } from '../hours/format.ts'
import type { AlertDelivery } from '../notify/health.ts'
import type { AlertRow, EventRow } from './queries.ts'

export function alertView(a: AlertRow, timeZone: string, events?: EventRow[], delivery?: AlertDelivery) {
  const iso = (d: Date | string | null) => (d === null ? null : isoInZone(new Date(d), timeZone))
  return {
    id: a.id,
    status: a.status,
    source: a.source,
    location: a.lat === null || a.lon === null ? null : { lat: a.lat, lon: a.lon, accuracy_m: a.accuracy_m },
    message: a.message,
    created_at: iso(a.created_at)!,
    updated_at: iso(a.updated_at)!,
    escalated_at: iso(a.escalated_at),
    ...(delivery ? { delivery } : {}),
    ...(events
      ? {
          events: events.map((e) => ({ kind: e.kind, from: e.from_status, to: e.to_status, by: e.actor_role, place_id: e.actor_place_id, at: iso(e.at)! })),
        }
      : {}),
  }
}

// What a notified partner sees: enough to help (roughly where, how far from its door,
// since when, what state), never what the person wrote, their exact point or who else
// acted. ~100 m is the size of a street block: enough to look out for someone.
export function partnerAlertView(a: AlertRow, timeZone: string, distanceM: number | null, events: EventRow[]) {
  const iso = (d: Date | string) => isoInZone(new Date(d), timeZone)
  const coarse = (v: number) => Math.round(v * 1000) / 1000
  return {
    id: a.id,
    status: a.status,
    approximate_location: a.lat === null || a.lon === null ? null : { lat: coarse(a.lat), lon: coarse(a.lon) },
    distance_m: distanceM === null ? null : Math.round(distanceM / 50) * 50,
    created_at: iso(a.created_at),
    updated_at: iso(a.updated_at),
    events: events.map((e) => ({ kind: e.kind, to: e.to_status, at: iso(e.at) })),
  }
}

// The creator's view of delivery: counts and availability, and one flag a widget can trust.
export function createdDelivery(d: AlertDelivery) {
  return {
    notified: (d.push.queued > 0 && !d.push.unavailable) || (d.sms.queued > 0 && !d.sms.unavailable),
    push: { queued: d.push.queued, unavailable: d.push.unavailable },
    sms: { queued: d.sms.queued, unavailable: d.sms.unavailable },
  }
}
