import { isoInZone } from '../hours/format.ts'
import type { NearestPlace } from './nearest.ts'
import type { ChangeRow, PlaceRow } from './queries.ts'

// GeoJSON (RFC 7946) out: [lon, lat], properties in the API's names.

const geometry = (lat: number, lon: number) => ({ type: 'Point' as const, coordinates: [lon, lat] as [number, number] })

type Placeish = Pick<PlaceRow, 'id' | 'name' | 'kind' | 'address' | 'phone' | 'features' | 'lat' | 'lon'>

function feature<P extends Record<string, unknown>>(p: Placeish, more: P) {
  const { id, name, kind, address, phone, features } = p
  return {
    type: 'Feature' as const,
    geometry: geometry(p.lat, p.lon),
    properties: { id, name, kind, address, phone, features, ...more },
  }
}

export function nearestFeature(p: NearestPlace, timeZone: string) {
  return feature(p, {
    distance_m: Math.round(p.distance_m),
    open_now: p.open_now,
    open_until: p.open_until ? isoInZone(p.open_until, timeZone) : null,
    next_open: p.next_open ? isoInZone(p.next_open, timeZone) : null,
  })
}

export function publicFeature(p: PlaceRow) {
  // Event mode and help desks say what makes them different; other places stay as they were.
  const more: Record<string, unknown> = {}
  if (p.valid_from || p.valid_until) Object.assign(more, { valid_from: p.valid_from, valid_until: p.valid_until })
  if (p.kind === 'support_service') Object.assign(more, { helps_with: p.helps_with, schedule_note: p.schedule_note })
  return feature(p, { opening_hours: p.opening_hours, ...more })
}

// What the place's own partner and the network's operators see.
export function privateFeature(p: PlaceRow, extra: Record<string, unknown> = {}) {
  const f = publicFeature(p)
  return {
    ...f,
    properties: {
      ...f.properties,
      status: p.status,
      email: p.email,
      contact_name: p.contact_name,
      training_date: p.training_date,
      trained_staff: p.trained_staff,
      hours_warnings: p.hours_warnings,
      valid_from: p.valid_from,
      valid_until: p.valid_until,
      created_at: p.created_at,
      updated_at: p.updated_at,
      ...extra,
    },
  }
}

// A partner's change as it awaits an operator: only the fields asked for.
export function pendingChangeOut(c: ChangeRow | null | undefined) {
  return c ? { id: c.id, ...c.changes, submitted_at: c.submitted_at } : null
}

// The operator's answer, with the reason the partner needs when it is a refusal.
export function decidedChangeOut(c: ChangeRow | null | undefined) {
  if (!c || (c.status !== 'approved' && c.status !== 'rejected')) return null
  return { ...pendingChangeOut(c)!, status: c.status, decided_at: c.decided_at!, reason: c.reason }
}
