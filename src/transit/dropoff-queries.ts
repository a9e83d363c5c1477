import { type Db, textArray } from '../db/types.ts'
import { point } from '../geo/sql.ts'
import type { DropoffStatus } from './schemas.ts'

export interface DropoffRow {
  id: string
  network_id: string
  trip_id: string
  route_id: string
  access_token_hash: string
  status: DropoffStatus
  lat: number
  lon: number
  offset_m: number
  distance_along_m: number
  after_stop_id: string
  after_stop_name: string
  after_stop_m: number
  before_stop_id: string
  before_stop_name: string
  created_at: Date
  decided_at: Date | null
  decided_by: string | null
  decision_reason: string | null
  decision_note: string | null
  done_at: Date | null
  expired_at: Date | null
}

const columns = (sql: Db) => sql`
  id, network_id, trip_id, route_id, access_token_hash, status, st_y(snapped::geometry) as lat, st_x(snapped::geometry) as lon,
  offset_m, distance_along_m, after_stop_id, after_stop_name, after_stop_m, before_stop_id, before_stop_name,
  created_at, decided_at, decided_by, decision_reason, decision_note, done_at, expired_at`

const at = (sql: Db, p: { lat: number; lon: number }) => point(sql, p.lat, p.lon)

export interface NewDropoff {
  networkId: string
  tripId: string
  routeId: string
  tokenHash: string
  snapped: { lat: number; lon: number }
  offsetM: number
  alongM: number
  after: { id: string; name: string; alongM: number }
  before: { id: string; name: string }
  at: Date
  tripEndsAt: Date
}

export async function insertDropoff(sql: Db, d: NewDropoff): Promise<DropoffRow> {
  const [row] = await sql<DropoffRow[]>`
    insert into dropoffs (network_id, trip_id, route_id, access_token_hash, snapped, offset_m, distance_along_m,
      after_stop_id, after_stop_name, after_stop_m, before_stop_id, before_stop_name, created_at, trip_ends_at)
    values (${d.networkId}, ${d.tripId}, ${d.routeId}, ${d.tokenHash}, ${at(sql, d.snapped)}, ${d.offsetM}, ${d.alongM},
      ${d.after.id}, ${d.after.name}, ${d.alongM - d.after.alongM}, ${d.before.id}, ${d.before.name}, ${d.at}, ${d.tripEndsAt})
    returning ${columns(sql)}`
  await insertEvents(sql, [row!], d.at)
  return row!
}

export async function findDropoff(sql: Db, id: string): Promise<DropoffRow | null> {
  // A coarsened request has no stops nor distances left to show: it is gone for its reader.
  const [row] = await sql<DropoffRow[]>`select ${columns(sql)} from dropoffs where id = ${id} and not coarsened`
  return row ?? null
}

export async function inExcludedZone(sql: Db, networkId: string, p: { lat: number; lon: number }): Promise<boolean> {
  const [row] = await sql<{ inside: boolean }[]>`
    select coalesce(st_intersects(excluded_zones, ${at(sql, p)}), false) as inside from networks where id = ${networkId}`
  return row?.inside ?? false
}

export interface VehiclePosition {
  vehicle: string
  trip_id: string | null
  along_m: number | null
  lat: number
  lon: number
  at: Date
  along_at: Date | null
}

const vehicleColumns = (sql: Db) => sql`
  vehicle, trip_id, along_m, st_y(location::geometry) as lat, st_x(location::geometry) as lon, at, along_at`

export async function findVehicle(sql: Db, networkId: string, vehicle: string): Promise<VehiclePosition | null> {
  const [row] = await sql<VehiclePosition[]>`
    select ${vehicleColumns(sql)} from vehicle_positions where network_id = ${networkId} and vehicle = ${vehicle}`
  return row ?? null
}

// The most recent report of a vehicle on this trip stands for the bus's position.
export async function latestOnTrip(sql: Db, networkId: string, tripId: string): Promise<VehiclePosition | null> {
  const [row] = await sql<VehiclePosition[]>`
    select ${vehicleColumns(sql)} from vehicle_positions where network_id = ${networkId} and trip_id = ${tripId} order by at desc limit 1`
  return row ?? null
}

export async function vehiclesOnTrip(sql: Db, networkId: string, tripId: string): Promise<string[]> {
  const rows = await sql<{ vehicle: string }[]>`
    select vehicle from vehicle_positions where network_id = ${networkId} and trip_id = ${tripId}`
  return rows.map((r) => r.vehicle)
}

export async function upsertVehicle(
  sql: Db,
  networkId: string,
  v: { vehicle: string; tripId: string | null; alongM: number | null; alongAt: Date | null; lat: number; lon: number; at: Date },
) {
  await sql`
    insert into vehicle_positions (network_id, vehicle, trip_id, location, along_m, along_at, at)
    values (${networkId}, ${v.vehicle}, ${v.tripId}, ${at(sql, v)}, ${v.alongM}, ${v.alongAt}, ${v.at})
    on conflict (network_id, vehicle) do update
      set trip_id = excluded.trip_id, location = excluded.location, along_m = excluded.along_m,
        along_at = excluded.along_at, at = excluded.at`
}

// The unique index that lets one vehicle only hold a trip; a claim that hits it is refused.
export const ONE_VEHICLE_PER_TRIP = 'vehicle_positions_one_per_trip_idx'

// A vehicle silent since `before` no longer holds its trip: it lets another one claim it.
// Returns the vehicles let go, whose feeds must be told.
export async function releaseStaleHolders(sql: Db, networkId: string, tripId: string, vehicle: string, before: Date): Promise<string[]> {
  const rows = await sql<{ vehicle: string }[]>`
    update vehicle_positions set trip_id = null, along_m = null, along_at = null
    where network_id = ${networkId} and trip_id = ${tripId} and vehicle <> ${vehicle} and at < ${before}
    returning vehicle`
  return rows.map((r) => r.vehicle)
}

// Requests the bus went past between two believed positions on the trip (with some
// slack for GPS noise) expire; nothing outside that stretch is proven passed.
export async function expirePassed(
  sql: Db,
  networkId: string,
  tripId: string,
  stretch: { fromM: number; toM: number },
  at: Date,
): Promise<DropoffRow[]> {
  const rows = await sql<DropoffRow[]>`
    update dropoffs set status = 'expired', expired_at = ${at}
    where network_id = ${networkId} and trip_id = ${tripId} and status in ('pending', 'accepted')
      and distance_along_m >= ${stretch.fromM - 30} and distance_along_m < ${stretch.toM - 30}
    returning ${columns(sql)}`
  await insertEvents(sql, rows, at)
  return rows
}

// Requests whose trip run ended more than `slackS` ago expire, whether or not a bus
// reported passing them (no driver app, a phone that died). Requests made before the
// run's end was recorded get three hours, longer than any night trip. Rows another
// instance is expiring are skipped, not waited for.
export async function expireEnded(sql: Db, now: Date, slackS: number, limit: number): Promise<DropoffRow[]> {
  const rows = await sql<DropoffRow[]>`
    with due as (
      select id as due_id from dropoffs
      where status in ('pending', 'accepted')
        and (trip_ends_at < ${now}::timestamptz - make_interval(secs => ${slackS})
          or (trip_ends_at is null and created_at < ${now}::timestamptz - interval '3 hours' - make_interval(secs => ${slackS})))
      order by trip_ends_at nulls first
      for update skip locked
      limit ${limit})
    update dropoffs set status = 'expired', expired_at = ${now}
    from due where id = due.due_id
    returning ${columns(sql)}`
  await insertEvents(sql, rows, now)
  return rows
}

// The cabs' feeds read events by id, so ids must become visible in order within a trip:
// the id is drawn again at the commit, under the trip's lock (sql/0023_event_ids_at_commit.sql).
// One statement for a batch (an expiry): each round trip is time its rows stay locked.
async function insertEvents(sql: Db, rows: Pick<DropoffRow, 'id' | 'network_id' | 'trip_id'>[], at: Date) {
  if (rows.length === 0) return
  await sql`
    insert into dropoff_events (dropoff_id, network_id, trip_id, at)
    select u.id, u.network_id, u.trip_id, ${at} from unnest(${textArray(rows.map((r) => r.id))}::uuid[], ${textArray(rows.map((r) => r.network_id))}::uuid[], ${textArray(rows.map((r) => r.trip_id))}::text[])
      as u(id, network_id, trip_id)`
}

export async function openOnTrip(sql: Db, networkId: string, tripId: string): Promise<DropoffRow[]> {
  return sql<DropoffRow[]>`
    select ${columns(sql)} from dropoffs
    where network_id = ${networkId} and trip_id = ${tripId} and status in ('pending', 'accepted')
    order by distance_along_m`
}

export async function lastEventId(sql: Db, networkId: string, tripId: string): Promise<string> {
  const [row] = await sql<{ id: string | null }[]>`
    select max(id)::text as id from dropoff_events where network_id = ${networkId} and trip_id = ${tripId}`
  return row?.id ?? '0'
}

// A cab's feed after its cursor, with the vehicle's trip and place in one round trip:
// thousands of cabs read on every wake-up, and two queries each were the largest share
// of what the instances and the database ran (soak). Changes are read only while the
// vehicle is still on the cursor's trip; null: no such vehicle.
export async function feedSince(sql: Db, networkId: string, vehicle: string, cursorTrip: string | null, after: string) {
  const rows = await sql<(DropoffRow & { event_id: string | null; vehicle_trip: string | null; vehicle_along_m: number | null })[]>`
    select v.trip_id as vehicle_trip, v.along_m as vehicle_along_m, c.*
    from vehicle_positions v
    left join lateral (
      select e.event_id::text, e.event_id as event_order, ${columns(sql)} from dropoffs d
      join (select dropoff_id, max(id) as event_id from dropoff_events
            where network_id = v.network_id and trip_id = v.trip_id and id > ${after} group by dropoff_id) e
        on e.dropoff_id = d.id
      where not d.coarsened and v.trip_id = ${cursorTrip}
    ) c on true
    where v.network_id = ${networkId} and v.vehicle = ${vehicle}
    order by c.event_order`
  const [first] = rows
  if (!first) return null
  return {
    tripId: first.vehicle_trip,
    alongM: first.vehicle_along_m,
    changes: rows.filter((r) => r.event_id !== null) as (DropoffRow & { event_id: string })[],
  }
}

export type Decision = 'accept' | 'decline' | 'done'

const FROM: Record<Decision, string[]> = { accept: ['pending'], decline: ['pending', 'accepted'], done: ['pending', 'accepted'] }

export async function decide(
  sql: Db,
  id: string,
  d: { decision: Decision; vehicle: string; at: Date; position: { lat: number; lon: number } | null; reason?: string; note?: string },
): Promise<DropoffRow | null> {
  const where = d.position ? at(sql, d.position) : null
  const set =
    d.decision === 'done'
      ? sql`status = 'done', done_at = ${d.at}, done_location = ${where},
            decided_at = coalesce(decided_at, ${d.at}), decided_by = coalesce(decided_by, ${d.vehicle}),
            decision_location = coalesce(decision_location, ${where})`
      : sql`status = ${d.decision === 'accept' ? 'accepted' : 'declined'}, decided_at = ${d.at}, decided_by = ${d.vehicle},
            decision_location = ${where}, decision_reason = ${d.reason ?? null}, decision_note = ${d.note ?? null}`
  const [row] = await sql<DropoffRow[]>`
    update dropoffs set ${set} where id = ${id} and status in ${sql(FROM[d.decision])}
    returning ${columns(sql)}`
  if (row) await insertEvents(sql, [row], d.at)
  return row ?? null
}

// Where a rider got off points near their home: past each network's retention period,
// every point of a request is rounded to about a kilometre, as alert locations are, and
// whatever would place it again goes: its distance along the trip's shape (public, from
// the GTFS feed) gives the exact point back, the stops it lies between narrow it to one
// stretch, the offset and the driver's note describe the spot. The line, the times and
// the decision stay for the evaluation. A request still open by then is over: it expires.
// The rider's push endpoint goes too (it identifies a browser), with the messages sent
// to it, which name the stops.
export async function coarsenOldDropoffs(sql: Db, now: Date): Promise<number> {
  const round = (col: string) => sql`st_snaptogrid(${sql(col)}::geometry, 0.01)::geography`
  const rows = await sql`
    with old as (
      update dropoffs d set coarsened = true, snapped = ${round('snapped')},
        decision_location = ${round('decision_location')}, done_location = ${round('done_location')},
        offset_m = null, distance_along_m = null, after_stop_m = null,
        after_stop_id = null, after_stop_name = null, before_stop_id = null, before_stop_name = null,
        decision_note = null,
        status = case when d.status in ('pending', 'accepted') then 'expired' else d.status end,
        expired_at = case when d.status in ('pending', 'accepted') then ${now} else d.expired_at end
      from networks n
      where n.id = d.network_id and not d.coarsened
        and d.created_at < ${now}::timestamptz - make_interval(days => n.retention_days)
      returning d.id),
    forgotten as (delete from push_subscriptions s using old where s.dropoff_id = old.id and s.owner = 'dropoff'),
    unsent as (delete from outbox o using old where o.dropoff_id = old.id)
    select id from old`
  return rows.length
}
