import { type Db, textArray } from '../db/types.ts'
import type { Fragment } from 'postgres'
import type { Application, PartnerPatch } from './schemas.ts'

// One function per query. Writes that must go together take a transaction's `sql`.

export type PlaceStatus = 'pending' | 'active' | 'rejected' | 'suspended' | 'withdrawn'

export interface PlaceRow {
  id: string
  network_id: string
  status: PlaceStatus
  name: string
  kind: string
  address: string
  lat: number
  lon: number
  phone: string | null
  email: string | null
  features: string[]
  opening_hours: string
  hours_warnings: string[]
  hours_solar: boolean
  contact_name: string | null
  training_date: string | null
  trained_staff: number | null
  created_at: string
  updated_at: string
}

const placeColumns = (sql: Db) => sql`
  p.id, p.network_id, p.status, p.name, p.kind, p.address,
  st_y(p.location::geometry) as lat, st_x(p.location::geometry) as lon,
  p.phone, p.email, p.features, p.opening_hours, p.hours_warnings, p.hours_solar, p.contact_name,
  p.training_date::text as training_date, p.trained_staff,
  to_json(p.created_at)#>>'{}' as created_at, to_json(p.updated_at)#>>'{}' as updated_at`

export const point = (sql: Db, lat: number, lon: number) =>
  sql`st_setsrid(st_makepoint(${lon}::float8, ${lat}::float8), 4326)::geography`

// The same point in Web Mercator, to use the places_active_merc_idx index.
export const mercPoint = (sql: Db, lat: number, lon: number) =>
  sql`st_transform(st_setsrid(st_makepoint(${lon}::float8, ${lat}::float8), 4326), 3857)`

// A geodesic radius as a Mercator one: Mercator stretches lengths by 1/cos(latitude);
// 1 % more covers the change of that factor across the radius.
export const mercRadius = (metres: number, lat: number) => (metres / Math.cos((lat * Math.PI) / 180)) * 1.01
// The same, for a radius the query itself reads (a network's setting).
export const mercRadiusSql = (sql: Db, metres: Fragment, lat: number) => sql`(${metres} / cos(radians(${lat}::float8)) * 1.01)`

export interface NewPlace extends Omit<Application, 'charter_accepted'> {
  status: PlaceStatus
  hours_warnings: string[]
  hours_solar: boolean
}

export async function insertPlace(sql: Db, networkId: string, p: NewPlace, now: Date): Promise<{ id: string }> {
  const [row] = await sql<{ id: string }[]>`
    insert into places (network_id, status, name, kind, address, location, phone, email, features,
      opening_hours, hours_warnings, hours_solar, contact_name, charter_accepted_at, training_date,
      trained_staff, created_at, updated_at)
    values (${networkId}, ${p.status}, ${p.name}, ${p.kind}, ${p.address},
      ${point(sql, p.location.lat, p.location.lon)}, ${p.phone ?? null}, ${p.email ?? null},
      ${textArray(p.features ?? [])}::text[], ${p.opening_hours}, ${textArray(p.hours_warnings)}::text[], ${p.hours_solar},
      ${p.contact_name}, ${now}, ${p.training_date ?? null}, ${p.trained_staff ?? null}, ${now}, ${now})
    returning id`
  return row!
}

export async function findPlace(sql: Db, id: string): Promise<PlaceRow | null> {
  const [row] = await sql<PlaceRow[]>`select ${placeColumns(sql)} from places p where p.id = ${id}`
  return row ?? null
}

export async function listPlacesByStatus(sql: Db, networkId: string, status: PlaceStatus, limit: number) {
  return sql<PlaceRow[]>`
    select ${placeColumns(sql)} from places p
    where p.network_id = ${networkId} and p.status = ${status}
    order by p.created_at, p.id limit ${limit}`
}

// Status change and its history row, in one statement so neither exists without the other.
export async function changePlaceStatus(
  sql: Db,
  id: string,
  from: PlaceStatus[],
  to: PlaceStatus,
  actor: { role: string; tokenId: string | null },
  reason: string | null,
  now: Date,
): Promise<boolean> {
  const rows = await sql`
    with changed as (
      update places p set status = ${to}, updated_at = ${now}, decided_at = ${now}, decided_by = ${actor.tokenId}
      from (select id, status as old_status from places where id = ${id} for update) old
      where p.id = old.id and old.old_status = any(${textArray(from)}::text[])
      returning p.id, old.old_status
    )
    insert into place_status_history (place_id, from_status, to_status, actor_role, actor_token_id, reason, at)
    select id, old_status, ${to}, ${actor.role}, ${actor.tokenId}, ${reason}, ${now} from changed
    returning place_id`
  return rows.length === 1
}

export async function placeHistory(sql: Db, id: string) {
  return sql<{ from_status: string | null; to_status: string; actor_role: string; reason: string | null; at: string }[]>`
    select from_status, to_status, actor_role, reason, to_json(at)#>>'{}' as at
    from place_status_history where place_id = ${id} order by at, id`
}

export async function updatePartnerPlace(
  sql: Db,
  id: string,
  patch: PartnerPatch & { hours_warnings?: string[]; hours_solar?: boolean },
  now: Date,
): Promise<void> {
  const fields: Record<string, unknown> = { updated_at: now }
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) fields[k] = Array.isArray(v) ? textArray(v) : v
  await sql`update places set ${sql(fields)} where id = ${id}`
}

export async function insertClosure(sql: Db, placeId: string, from: Date, to: Date, reason: string | null) {
  const [row] = await sql<{ id: string; from: string; to: string; reason: string | null }[]>`
    insert into place_closures (place_id, starts_at, ends_at, reason)
    values (${placeId}, ${from}, ${to}, ${reason})
    returning id, to_json(starts_at)#>>'{}' as from, to_json(ends_at)#>>'{}' as to, reason`
  return row!
}

export async function listClosures(sql: Db, placeId: string, after: Date) {
  return sql<{ id: string; from: string; to: string; reason: string | null }[]>`
    select id, to_json(starts_at)#>>'{}' as from, to_json(ends_at)#>>'{}' as to, reason
    from place_closures where place_id = ${placeId} and ends_at > ${after} order by starts_at`
}

export async function deleteClosure(sql: Db, placeId: string, closureId: string): Promise<boolean> {
  const rows = await sql`delete from place_closures where id = ${closureId} and place_id = ${placeId} returning id`
  return rows.length === 1
}

export async function placesInBbox(sql: Db, networkId: string, bbox: [number, number, number, number], limit: number) {
  const [minLon, minLat, maxLon, maxLat] = bbox
  return sql<PlaceRow[]>`
    select ${placeColumns(sql)} from places p
    where p.network_id = ${networkId} and p.status = 'active'
      and p.merc && st_transform(st_makeenvelope(${minLon}, ${minLat}, ${maxLon}, ${maxLat}, 4326), 3857)
    order by p.id limit ${limit}`
}

export async function placesDueForTraining(sql: Db, networkId: string, validMonths: number, now: Date) {
  return sql<(PlaceRow & { renewal_due: string | null })[]>`
    select ${placeColumns(sql)},
      (p.training_date + make_interval(months => ${validMonths}))::date::text as renewal_due
    from places p
    where p.network_id = ${networkId} and p.status = 'active'
      and (p.training_date is null or p.training_date + make_interval(months => ${validMonths}) <= ${now}::date)
    order by p.training_date nulls first, p.name`
}

export async function isInsideNetworkArea(sql: Db, networkId: string, lat: number, lon: number): Promise<boolean> {
  const [row] = await sql<{ inside: boolean }[]>`
    select area is null or st_covers(area, ${point(sql, lat, lon)}) as inside from networks where id = ${networkId}`
  return row?.inside ?? false
}
