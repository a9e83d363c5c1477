import type { opening_hours } from 'opening_hours'
import type { Db } from '../db/types.ts'
import { point } from '../geo/sql.ts'
import { isoInZone } from '../hours/format.ts'
import { type CandidateRow, fromLibrary, fromPeriods, type NearestPlace, openStateColumns } from '../places/nearest.ts'
import type { HoursNetwork } from '../places/periods.ts'
import { textArray } from '../db/types.ts'

// Help desks to point a person to: those open at `at` first (nearest first), then the
// next to open (soonest first). A city has tens of them, not thousands: each is read,
// and decided from its materialised periods, or by the library when its window does
// not cover `at` — as the nearest search decides refuges.

export interface HelpService extends NearestPlace {
  helps_with: string[]
  schedule_note: string | null
  opening_hours: string
  distance_known: boolean
}

export interface HelpQuery {
  lat?: number
  lon?: number
  at: Date
  helpsWith: string[]
  limit: number
}

type Row = CandidateRow & { place_id: string; helps_with: string[]; schedule_note: string | null }

export async function findHelpServices(sql: Db, network: HoursNetwork, q: HelpQuery): Promise<HelpService[]> {
  const located = q.lat !== undefined && q.lon !== undefined
  const distance = located ? sql`st_distance(p.location, ${point(sql, q.lat!, q.lon!)})` : sql`0::float8`
  const rows = await sql<Row[]>`
    select p.id as place_id, p.name, p.kind, p.address, p.phone, p.features, p.helps_with, p.schedule_note,
      st_y(p.location::geometry) as lat, st_x(p.location::geometry) as lon, ${distance} as distance_m,
      ${openStateColumns(sql, q.at)}
    from places p
    where p.network_id = ${network.id} and p.status = 'active' and p.kind = 'support_service'
      and (cardinality(${textArray(q.helpsWith)}::text[]) = 0 or p.helps_with && ${textArray(q.helpsWith)}::text[])
    order by distance_m, p.name
    limit 500`
  const cache = new Map<string, opening_hours>()
  const decided = rows.map((row) => {
    const place = row.covered ? fromPeriods(row) : fromLibrary(row, network, q.at, cache)
    return { ...place, helps_with: row.helps_with, schedule_note: row.schedule_note, opening_hours: row.opening_hours, distance_known: located }
  })
  const open = decided.filter((p) => p.open_now)
  const later = decided
    .filter((p) => !p.open_now && p.next_open)
    .sort((a, b) => a.next_open!.getTime() - b.next_open!.getTime() || a.distance_m - b.distance_m)
  return [...open, ...later].slice(0, q.limit)
}

export function helpFeature(p: HelpService, timeZone: string) {
  return {
    type: 'Feature' as const,
    geometry: { type: 'Point' as const, coordinates: [p.lon, p.lat] as [number, number] },
    properties: {
      id: p.id,
      name: p.name,
      kind: 'support_service' as const,
      address: p.address,
      phone: p.phone,
      helps_with: p.helps_with,
      schedule_note: p.schedule_note,
      opening_hours: p.opening_hours,
      distance_m: p.distance_known ? Math.round(p.distance_m) : null,
      open_now: p.open_now,
      open_until: p.open_until ? isoInZone(p.open_until, timeZone) : null,
      next_open: p.next_open ? isoInZone(p.next_open, timeZone) : null,
    },
  }
}

// The one help desk offered with an alert's answer: the nearest open, else the next to open.
export async function helpFor(sql: Db, network: HoursNetwork, lat: number, lon: number, at: Date) {
  const [first] = await findHelpServices(sql, network, { lat, lon, at, helpsWith: [], limit: 1 })
  return first ?? null
}
