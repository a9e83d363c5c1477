import type { Db } from '../db/types.ts'

// Buses run late and leave a little early: a request is still about a trip this long
// before its first departure and after its last arrival.
export const TRIP_SLACK_S = 30 * 60

export interface TripRun {
  service_date: string
  starts_at: Date
  ends_at: Date
}

// The run of a trip (the service day whose calendar says it runs) that covers `at`,
// give or take the slack. Service days are judged in the network's zone; a GTFS time
// counts from noon minus 12 h of its service day, so 25:10:00 is 01:10 the next morning
// of the previous day's service and DST days come out right. Candidate days reach back
// as many days as the trip's last time spans (past 24:00:00, past 48:00:00), and one
// day ahead for a request made in the slack before a run starting just after midnight.
export async function tripRunAt(sql: Db, feedId: string, tripId: string, at: Date, tz: string): Promise<TripRun | null> {
  const [row] = await sql<TripRun[]>`
    with trip as (
      select t.feed_id, t.service_id,
        min(gtfs_time_s(coalesce(st.departure_time, st.arrival_time))) as first_s,
        max(gtfs_time_s(coalesce(st.arrival_time, st.departure_time))) as last_s
      from transit_trips t
      join transit_stop_times st on st.feed_id = t.feed_id and st.trip_id = t.trip_id
      where t.feed_id = ${feedId} and t.trip_id = ${tripId}
      group by t.feed_id, t.service_id
    ), days as (
      select trip.*, d::date as day,
        ((d::date + time '12:00') at time zone ${tz}) - interval '12 hours' as origin
      from trip, generate_series(
        ((${at}::timestamptz at time zone ${tz})::date - (trip.last_s / 86400 + 1))::timestamp,
        ((${at}::timestamptz at time zone ${tz})::date + 1)::timestamp,
        interval '1 day') d
      where trip.first_s is not null and trip.last_s is not null
    )
    select to_char(day, 'YYYY-MM-DD') as service_date,
      origin + make_interval(secs => first_s) as starts_at, origin + make_interval(secs => last_s) as ends_at
    from days r
    where ${at}::timestamptz between origin + make_interval(secs => first_s - ${TRIP_SLACK_S})
                                 and origin + make_interval(secs => last_s + ${TRIP_SLACK_S})
      and (exists (select 1 from transit_calendar_dates cd
                   where cd.feed_id = r.feed_id and cd.service_id = r.service_id and cd.date = r.day and cd.exception_type = 1)
        or (exists (select 1 from transit_calendar c
                    where c.feed_id = r.feed_id and c.service_id = r.service_id
                      and r.day between c.start_date and c.end_date and c.days[extract(isodow from r.day)::int])
            and not exists (select 1 from transit_calendar_dates cd
                            where cd.feed_id = r.feed_id and cd.service_id = r.service_id and cd.date = r.day and cd.exception_type = 2)))
    order by day desc
    limit 1`
  return row ?? null
}
