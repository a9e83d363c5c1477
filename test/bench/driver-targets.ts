import type { Sql } from 'postgres'
import { hashToken } from '../../src/auth/tokens.ts'
import { makeLine, pointAt } from '../../src/transit/geometry.ts'

// Drivers for the feed benchmarks, on an imported GTFS network: one bus trip each,
// a driver token, the bus announced at its trip's first stop, and a rider's point
// ~300 m past the second stop with an instant at which the trip runs.

export interface Target {
  vehicle: string
  token: string
  trip: string
  point: { lat: number; lon: number }
  at: string
}

export async function driverTargets(sql: Sql, networkId: string, count: number): Promise<Target[]> {
  // One bus trip per stream, the bus at its first stop, the rider's point ~300 m past the second.
  // A request must be on a trip that runs at its instant: each one is sent with an
  // instant two minutes into its trip's next run (the latest one the calendar gives
  // when all are past): a run of this morning would end before the requests are read,
  // and the expiry job would take them from under their drivers.
  const trips = await sql<{ trip_id: string; dists_m: number[]; coords: [number, number][]; at: Date }[]>`
    with runs as (
      select t.feed_id, t.trip_id, t.service_id,
        (select min(gtfs_time_s(coalesce(st.departure_time, st.arrival_time))) from transit_stop_times st
         where st.feed_id = t.feed_id and st.trip_id = t.trip_id) as first_s
      from transit_trips t
    ), service_days as (
      select c.feed_id, c.service_id, d::date as day
      from transit_calendar c, generate_series(c.start_date::timestamp, c.end_date::timestamp, interval '1 day') d
      where c.days[extract(isodow from d)::int]
        and not exists (select 1 from transit_calendar_dates cd where cd.feed_id = c.feed_id and cd.service_id = c.service_id
                        and cd.date = d::date and cd.exception_type = 2)
      union
      select feed_id, service_id, date from transit_calendar_dates where exception_type = 1
    )
    select t.trip_id, p.dists_m, (st_asgeojson(sh.geog)::json)->'coordinates' as coords,
      ((day.day + time '12:00') at time zone n.timezone) - interval '12 hours' + make_interval(secs => runs.first_s + 120) as at
    from transit_trips t
    join runs using (feed_id, trip_id)
    join gtfs_feeds f on f.id = t.feed_id join networks n on n.id = f.network_id
    join transit_routes r using (feed_id, route_id)
    join transit_patterns p on p.feed_id = t.feed_id and p.pattern_id = t.pattern_id
    join transit_shapes sh on sh.feed_id = t.feed_id and sh.shape_id = p.shape_id
    cross join lateral (
      select sd.day, ((sd.day + time '12:00') at time zone n.timezone) - interval '12 hours' + make_interval(secs => runs.first_s + 120) < now() as past
      from service_days sd where sd.feed_id = t.feed_id and sd.service_id = t.service_id
      order by 2, case when not (((sd.day + time '12:00') at time zone n.timezone) - interval '12 hours' + make_interval(secs => runs.first_s + 120) < now()) then sd.day end, sd.day desc limit 1) day
    where r.route_type = 3 and array_length(p.dists_m, 1) >= 3 and runs.first_s is not null
    order by t.trip_id limit ${count}`
  const targets: Target[] = []
  for (const [n, t] of trips.entries()) {
    const line = makeLine(t.coords)
    const along = Math.min(line.length - 1, Math.max(t.dists_m[0]! + 200, t.dists_m[1]! + 50))
    const [lon, lat] = pointAt(line, along)
    const [slon, slat] = pointAt(line, t.dists_m[0]!)
    const token = `halte_driver_bench${n}_${crypto.randomUUID()}`
    targets.push({ vehicle: `v${n}`, token, trip: t.trip_id, point: { lat, lon }, at: t.at.toISOString() })
    await sql`insert into tokens (token_hash, role, network_id, vehicle, label)
              values (${await hashToken(token)}, 'driver', ${networkId}, ${`v${n}`}, 'bench')`
    await sql`insert into vehicle_positions (network_id, vehicle, trip_id, location, along_m, at)
              values (${networkId}, ${`v${n}`}, ${t.trip_id}, st_setsrid(st_makepoint(${slon}, ${slat}), 4326)::geography, ${t.dists_m[0]!}, now())`
  }
  return targets
}
