import type { Db } from '../db/types.ts'
import { point } from '../geo/sql.ts'

// The feed in force is the network's only one: an import deletes its predecessor.
const currentFeed = (sql: Db, networkId: string) =>
  sql`(select id from gtfs_feeds where network_id = ${networkId} order by id desc limit 1)`

export async function listRoutes(sql: Db, networkId: string) {
  return sql<{ id: string; short_name: string | null; long_name: string | null; route_type: number }[]>`
    select route_id as id, short_name, long_name, route_type from transit_routes
    where feed_id = ${currentFeed(sql, networkId)} order by short_name, route_id`
}

export async function nearestStops(sql: Db, networkId: string, q: { lat: number; lon: number; limit: number }) {
  const here = point(sql, q.lat, q.lon)
  const rows = await sql<{ id: string; name: string; lat: number; lon: number; distance_m: number }[]>`
    select stop_id as id, name, lat, lon, round(st_distance(location, ${here})::numeric, 1)::float8 as distance_m
    from transit_stops where feed_id = ${currentFeed(sql, networkId)} and location is not null
    order by location <-> ${here} limit ${q.limit}`
  return rows
}

export interface TripShape {
  feed_id: string
  trip_id: string
  route_id: string
  route_type: number
  shape_id: string
  coords: Array<[number, number]>
  stop_ids: string[]
  stop_names: string[]
  dists_m: number[]
}

// Shapes never change within a feed (a re-import makes a new feed id), and turning one
// into coordinates costs more than the rest of a request: keep the recent ones.
const shapeCache = new Map<string, Array<[number, number]>>()
const SHAPE_CACHE_MAX = 2000

async function shapeCoords(sql: Db, feedId: string, shapeId: string): Promise<Array<[number, number]>> {
  const key = `${feedId}\u0000${shapeId}`
  const hit = shapeCache.get(key)
  if (hit) return hit
  const [row] = await sql<{ coords: Array<[number, number]> }[]>`
    select (st_asgeojson(geog)::json)->'coordinates' as coords from transit_shapes
    where feed_id = ${feedId} and shape_id = ${shapeId}`
  if (shapeCache.size >= SHAPE_CACHE_MAX) shapeCache.delete(shapeCache.keys().next().value!)
  shapeCache.set(key, row!.coords)
  return row!.coords
}

export async function findTripShape(sql: Db, networkId: string, tripId: string): Promise<TripShape | null> {
  const [row] = await sql<Omit<TripShape, 'coords'>[]>`
    select t.feed_id::text, t.trip_id, t.route_id, r.route_type, p.shape_id,
           p.stop_ids, p.dists_m,
           array(select coalesce(s.name, u.id) from unnest(p.stop_ids) with ordinality u(id, n)
                 left join transit_stops s on s.feed_id = t.feed_id and s.stop_id = u.id order by u.n) as stop_names
    from transit_trips t
    join transit_routes r on r.feed_id = t.feed_id and r.route_id = t.route_id
    join transit_patterns p on p.feed_id = t.feed_id and p.pattern_id = t.pattern_id
    where t.feed_id = ${currentFeed(sql, networkId)} and t.trip_id = ${tripId}`
  if (!row) return null
  return { ...row, coords: await shapeCoords(sql, row.feed_id, row.shape_id) }
}

export interface NextStop {
  seq: number
  stop_id: string
  name: string | null
  lat: number | null
  lon: number | null
  arrival_epoch: number
}

export interface RunningTrip {
  trip_id: string
  route_id: string
  route_short_name: string | null
  route_long_name: string | null
  headsign: string | null
  distance_m: number
  vehicle_label: string | null
  next_stops: NextStop[]
}

// Trips whose line passes within the radius and whose run covers `at`, nearest line
// first (then the next one to come). "Runs" is tripRunAt's rule (calendar.ts) applied
// to every trip near at once: its service day active per calendar and calendar_dates in
// the network's zone, GTFS times from noon minus 12 h; from the same slack before the
// first departure (a driver at the terminus), but only until the last arrival, since
// a rider cannot board a trip that has arrived. Service days reach three days back
// (trips to 72:00:00). The vehicle is the one that claimed the trip during this run.
// Each step is materialised, smallest first: the lines near (a geodesic test per shape,
// not per trip), the services running on those days, then only their trips' first and
// last stop times (GTFS has times there, non-decreasing along the trip); planned as one
// join, the shape test ran once per trip and a city centre took seconds.
export async function runningTripsNear(
  sql: Db,
  networkId: string,
  q: { lat: number; lon: number; radiusM: number; at: Date; timeZone: string; limit: number; slackS: number },
) {
  const here = point(sql, q.lat, q.lon)
  const at = sql`${q.at}::timestamptz`
  const localDay = sql`(${at} at time zone ${q.timeZone}::text)::date`
  return sql<RunningTrip[]>`
    with feed as materialized (
      select ${currentFeed(sql, networkId)} as id
    ), near as materialized (
      select p.feed_id, p.pattern_id, st_distance(sh.geog, ${here}) as distance_m
      from transit_patterns p
      join transit_shapes sh on sh.feed_id = p.feed_id and sh.shape_id = p.shape_id
      where p.feed_id = (select id from feed) and st_dwithin(sh.geog, ${here}, ${q.radiusM}::float8)
    ), days as materialized (
      select d::date as day, ((d::date + time '12:00') at time zone ${q.timeZone}::text) - interval '12 hours' as origin
      from generate_series((${localDay} - 3)::timestamp, (${localDay} + 1)::timestamp, interval '1 day') d
    ), services as materialized (
      select x.service_id, d.day, d.origin
      from days d, (select service_id from transit_calendar where feed_id = (select id from feed)
                    union select service_id from transit_calendar_dates where feed_id = (select id from feed)) x
      where exists (select 1 from transit_calendar_dates cd
                    where cd.feed_id = (select id from feed) and cd.service_id = x.service_id and cd.date = d.day and cd.exception_type = 1)
        or (exists (select 1 from transit_calendar c
                    where c.feed_id = (select id from feed) and c.service_id = x.service_id
                      and d.day between c.start_date and c.end_date and c.days[extract(isodow from d.day)::int])
            and not exists (select 1 from transit_calendar_dates cd
                            where cd.feed_id = (select id from feed) and cd.service_id = x.service_id and cd.date = d.day and cd.exception_type = 2))
    ), candidates as materialized (
      select t.feed_id, t.trip_id, t.route_id, t.service_id, t.headsign, n.distance_m,
        (select gtfs_time_s(coalesce(st.departure_time, st.arrival_time)) from transit_stop_times st
         where st.feed_id = t.feed_id and st.trip_id = t.trip_id order by st.stop_sequence limit 1) as first_s,
        (select gtfs_time_s(coalesce(st.arrival_time, st.departure_time)) from transit_stop_times st
         where st.feed_id = t.feed_id and st.trip_id = t.trip_id order by st.stop_sequence desc limit 1) as last_s
      from near n
      join transit_trips t on t.feed_id = n.feed_id and t.pattern_id = n.pattern_id
      where t.service_id in (select service_id from services)
    ), runs as (
      select distinct on (c.trip_id) c.*, s.origin
      from candidates c join services s on s.service_id = c.service_id
      where ${at} between s.origin + make_interval(secs => c.first_s - ${q.slackS}::int) and s.origin + make_interval(secs => c.last_s)
      order by c.trip_id, s.day desc
    )
    select x.trip_id, x.route_id, ro.short_name as route_short_name, ro.long_name as route_long_name, x.headsign,
      round(x.distance_m::numeric, 1)::float8 as distance_m,
      (select v.vehicle from vehicle_positions v
       where v.network_id = ${networkId} and v.trip_id = x.trip_id
         and v.at >= x.origin + make_interval(secs => x.first_s - ${q.slackS}::int)) as vehicle_label,
      coalesce((select json_agg(s order by s.seq) from (
        select st.stop_sequence as seq, st.stop_id, ts.name, ts.lat, ts.lon,
          extract(epoch from x.origin + make_interval(secs => gtfs_time_s(coalesce(st.arrival_time, st.departure_time))))::float8 as arrival_epoch
        from transit_stop_times st
        left join transit_stops ts on ts.feed_id = st.feed_id and ts.stop_id = st.stop_id
        where st.feed_id = x.feed_id and st.trip_id = x.trip_id
          and x.origin + make_interval(secs => gtfs_time_s(coalesce(st.arrival_time, st.departure_time))) >= ${at}
        order by st.stop_sequence limit 5) s), '[]'::json) as next_stops
    from runs x
    join transit_routes ro on ro.feed_id = x.feed_id and ro.route_id = x.route_id
    order by x.distance_m, x.origin + make_interval(secs => x.first_s), x.trip_id
    limit ${q.limit}::int`
}

export interface TripStop {
  stop_id: string
  name: string | null
  lat: number | null
  lon: number | null
  sequence: number
  arrival: string | null
  arrival_epoch: number | null
}

// A trip's labels and its stops in order, with each arrival as the feed writes it and,
// given a service day, as an instant (noon minus 12 h of that day in the network's zone).
export async function tripDetails(sql: Db, feedId: string, tripId: string, on: string | null, timeZone: string) {
  const origin = sql`((${on}::date + time '12:00') at time zone ${timeZone}::text) - interval '12 hours'`
  const [row] = await sql<{ route_short_name: string | null; headsign: string | null; stops: TripStop[] }[]>`
    select r.short_name as route_short_name, t.headsign,
      coalesce((select json_agg(s order by s.sequence) from (
        select st.stop_id, ts.name, ts.lat, ts.lon, st.stop_sequence as sequence,
          trim(coalesce(st.arrival_time, st.departure_time)) as arrival,
          extract(epoch from ${origin} + make_interval(secs => gtfs_time_s(coalesce(st.arrival_time, st.departure_time))))::float8 as arrival_epoch
        from transit_stop_times st
        left join transit_stops ts on ts.feed_id = st.feed_id and ts.stop_id = st.stop_id
        where st.feed_id = t.feed_id and st.trip_id = t.trip_id) s), '[]'::json) as stops
    from transit_trips t
    join transit_routes r on r.feed_id = t.feed_id and r.route_id = t.route_id
    where t.feed_id = ${feedId}::bigint and t.trip_id = ${tripId}`
  return row ?? null
}
