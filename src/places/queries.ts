import { type Db, textArray } from '../db/types.ts'
import { point } from '../geo/sql.ts'
import type { Application, PartnerPatch, PlaceStatus } from './schemas.ts'

// One function per query. Writes that must go together take a transaction's `sql`.

export type { PlaceStatus } from './schemas.ts'

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
  helps_with: string[]
  schedule_note: string | null
  valid_from: string | null
  valid_until: string | null
  created_at: string
  updated_at: string
}

// A place a person may be sent to as a refuge at `at`: not a help desk, and inside its
// validity when it is temporary (event mode). Every refuge search shares this.
export const servedAsRefuge = (sql: Db, at: Date, p = sql`p`) => sql`
  ${p}.kind <> 'support_service'
  and (${p}.valid_from is null or ${p}.valid_from <= ${at}) and (${p}.valid_until is null or ${p}.valid_until > ${at})`

const placeColumns = (sql: Db) => sql`
  p.id, p.network_id, p.status, p.name, p.kind, p.address,
  st_y(p.location::geometry) as lat, st_x(p.location::geometry) as lon,
  p.phone, p.email, p.features, p.opening_hours, p.hours_warnings, p.hours_solar, p.contact_name,
  p.training_date::text as training_date, p.trained_staff,
  p.helps_with, p.schedule_note, to_json(p.valid_from)#>>'{}' as valid_from, to_json(p.valid_until)#>>'{}' as valid_until,
  to_json(p.created_at)#>>'{}' as created_at, to_json(p.updated_at)#>>'{}' as updated_at`


export interface NewPlace extends Omit<Application, 'charter_accepted' | 'contact_name'> {
  status: PlaceStatus
  hours_warnings: string[]
  hours_solar: boolean
  contact_name: string | null
  helps_with?: string[]
  schedule_note?: string | null
  proposed_from_walk?: string | null
  // Proposed by an operator (from a walk): the venue has not accepted the charter yet.
  charter_pending?: boolean
}

export async function insertPlace(sql: Db, networkId: string, p: NewPlace, now: Date): Promise<{ id: string }> {
  const [row] = await sql<{ id: string }[]>`
    insert into places (network_id, status, name, kind, address, location, phone, email, features,
      opening_hours, hours_warnings, hours_solar, contact_name, charter_accepted_at, training_date,
      trained_staff, created_at, updated_at, valid_from, valid_until, helps_with, schedule_note, proposed_from_walk)
    values (${networkId}, ${p.status}, ${p.name}, ${p.kind}, ${p.address},
      ${point(sql, p.location.lat, p.location.lon)}, ${p.phone ?? null}, ${p.email ?? null},
      ${textArray(p.features ?? [])}::text[], ${p.opening_hours}, ${textArray(p.hours_warnings)}::text[], ${p.hours_solar},
      ${p.contact_name}, ${p.charter_pending ? null : now}, ${p.training_date ?? null}, ${p.trained_staff ?? null}, ${now}, ${now},
      ${p.valid_from ?? null}, ${p.valid_until ?? null}, ${textArray(p.helps_with ?? [])}::text[], ${p.schedule_note ?? null},
      ${p.proposed_from_walk ?? null})
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
  patch: Omit<PartnerPatch, keyof IdentityChange> & { hours_warnings?: string[]; hours_solar?: boolean },
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

// The public GeoJSON features in a box, as one JSON text: help services are never shown
// as refuges, and a temporary place (event mode) only within its validity. A map view
// of a dense city is ~1,000 places. Each place's feature is written with the place
// (sql/0024_place_public_feature.sql, the shape of publicFeature; a test holds the two
// together), so the view joins texts: built per view, the features cost the database
// 20 ms at 900 places (now 5 ms), and as rows they cost the server 8 MB/s of promoted
// garbage. The texts are joined in the subquery's order: the map needs none, and a
// second sort was a fifth of the time.
export async function publicFeaturesInBbox(sql: Db, networkId: string, bbox: [number, number, number, number], limit: number, now: Date) {
  const [minLon, minLat, maxLon, maxLat] = bbox
  const [row] = await sql<{ features: string }[]>`
    select coalesce('[' || string_agg(f.public_feature, ',') || ']', '[]') as features from (
      select p.id, p.public_feature
      from places p
      where p.network_id = ${networkId} and p.status = 'active' and ${servedAsRefuge(sql, now)}
        and p.merc && st_transform(st_makeenvelope(${minLon}, ${minLat}, ${maxLon}, ${maxLat}, 4326), 3857)
      order by p.id limit ${limit}
    ) f`
  return row!.features
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

// The place's row, locked until the transaction ends: a partner's edit and an
// operator's decision on the same place then happen one after the other, so an edit
// read as "pending place, goes live at once" cannot land after the place was approved.
export async function lockPlace(sql: Db, id: string): Promise<PlaceRow | null> {
  const [row] = await sql<PlaceRow[]>`select ${placeColumns(sql)} from places p where p.id = ${id} for update of p`
  return row ?? null
}

// What the public is shown of a place and only an operator may change once it is approved.
export interface IdentityChange {
  name?: string
  kind?: string
  address?: string
  phone?: string | null
  location?: { lat: number; lon: number }
}

export type ChangeStatus = 'pending' | 'approved' | 'rejected' | 'superseded' | 'cancelled'

export interface ChangeRow {
  id: string
  place_id: string
  status: ChangeStatus
  changes: IdentityChange
  submitted_at: string
  decided_at: string | null
  decided_role: string | null
  reason: string | null
}

const changeColumns = (sql: Db) => sql`
  c.id, c.place_id, c.status, c.changes, to_json(c.submitted_at)#>>'{}' as submitted_at,
  to_json(c.decided_at)#>>'{}' as decided_at, c.decided_role, c.reason`

export async function findPendingChange(sql: Db, placeId: string): Promise<ChangeRow | null> {
  const [row] = await sql<ChangeRow[]>`
    select ${changeColumns(sql)} from place_changes c where c.place_id = ${placeId} and c.status = 'pending'`
  return row ?? null
}

export async function pendingChangesOf(sql: Db, placeIds: string[]): Promise<Map<string, ChangeRow>> {
  if (!placeIds.length) return new Map()
  const rows = await sql<ChangeRow[]>`
    select ${changeColumns(sql)} from place_changes c
    where c.place_id = any(${textArray(placeIds)}::uuid[]) and c.status = 'pending'`
  return new Map(rows.map((r) => [r.place_id, r]))
}

// The operator's latest answer to this place's partner, so a refusal and its reason reach them.
export async function lastDecidedChange(sql: Db, placeId: string): Promise<ChangeRow | null> {
  const [row] = await sql<ChangeRow[]>`
    select ${changeColumns(sql)} from place_changes c
    where c.place_id = ${placeId} and c.status in ('approved', 'rejected')
    order by c.decided_at desc, c.submitted_at desc limit 1`
  return row ?? null
}

// Ends the waiting change, if any, with a decision and who made it.
export async function closePendingChange(
  sql: Db,
  placeId: string,
  status: Exclude<ChangeStatus, 'pending'>,
  actor: { role: string; tokenId: string | null },
  reason: string | null,
  now: Date,
): Promise<ChangeRow | null> {
  const [row] = await sql<ChangeRow[]>`
    update place_changes c set status = ${status}, decided_at = ${now}, decided_role = ${actor.role},
      decided_by = ${actor.tokenId}, reason = ${reason}
    where c.place_id = ${placeId} and c.status = 'pending'
    returning ${changeColumns(sql)}`
  return row ?? null
}

export async function insertPendingChange(
  sql: Db,
  placeId: string,
  changes: IdentityChange,
  actor: { tokenId: string | null },
  now: Date,
): Promise<ChangeRow> {
  const [row] = await sql<ChangeRow[]>`
    insert into place_changes as c (place_id, changes, submitted_at, submitted_by)
    values (${placeId}, ${sql.json(changes as never)}, ${now}, ${actor.tokenId})
    returning ${changeColumns(sql)}`
  return row!
}

// Writes an approved change (or a pending place's own edit) into the served row.
export async function applyIdentityChange(sql: Db, placeId: string, change: IdentityChange, now: Date): Promise<void> {
  const { location, ...rest } = change
  const fields: Record<string, unknown> = { updated_at: now }
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) fields[k] = v
  await sql`update places set ${sql(fields)} where id = ${placeId}`
  if (location) await sql`update places set location = ${point(sql, location.lat, location.lon)} where id = ${placeId}`
}

// The moderation queue of partners' changes, oldest first. Places that left the
// network or were refused are out of it: nothing of theirs can be served any more.
export async function placesWithPendingChanges(sql: Db, networkId: string, limit: number) {
  return sql<(PlaceRow & { change: ChangeRow })[]>`
    select ${placeColumns(sql)}, row_to_json(x) as change
    from places p
    join lateral (select ${changeColumns(sql)} from place_changes c where c.place_id = p.id and c.status = 'pending') x on true
    where p.network_id = ${networkId} and p.status in ('active', 'suspended')
    order by x.submitted_at, p.id limit ${limit}`
}
