import { isoInZone } from '../hours/format.ts'
import type { AlertRow, EventRow } from './queries.ts'

export function alertView(a: AlertRow, timeZone: string, events?: EventRow[]) {
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
    ...(events
      ? {
          events: events.map((e) => ({ kind: e.kind, from: e.from_status, to: e.to_status, by: e.actor_role, place_id: e.actor_place_id, at: iso(e.at)! })),
        }
      : {}),
  }
}
