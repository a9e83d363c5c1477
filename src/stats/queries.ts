import type { Db } from '../db/types.ts'
import { servedAsRefuge } from '../places/queries.ts'

// The raw counts behind the council's figures, one function per section. Every count is
// over [from, to); hours and days are the network's. Nothing here returns a point: alerts
// carry their sector's name (recorded when raised, see sql/0018), reports and refuges are
// placed in a sector by the database and only the name comes out.

export interface Period {
  networkId: string
  from: Date
  to: Date
  timezone: string
  sector: string | null // a sector's name; null: the whole network
}

// Sectors as named in the data: what was counted under a name no longer imported stays.
export const OUTSIDE = 'hors secteur'

export async function sectorNames(sql: Db, networkId: string): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`select name from sectors where network_id = ${networkId} order by name`
  return rows.map((r) => r.name)
}

export interface Grouped {
  dim: 'hour' | 'day' | 'sector' | 'channel' | 'total'
  key: string | null
  n: number
  escalated: number
  false_alarms: number
}

// One scan of the period's alerts, counted along each dimension at once. Hours and days
// are read in the network's zone from quarter-hour buckets, not from each alert: every
// zone's offset is a whole number of quarter hours, and converting ~35,000 buckets a
// year instead of every alert is most of this query's time (measured: test/bench/stats.ts).
export async function alertCounts(sql: Db, p: Period) {
  return sql<Grouped[]>`
    with g as (
      select grouping(b, sec, ch) as k, b, sec, ch, count(*)::int as n,
        count(*) filter (where escalated)::int as escalated, count(*) filter (where false_alarm)::int as false_alarms
      from (
        select date_bin('15 minutes', a.created_at, timestamptz '2000-01-01T00:00:00Z') as b,
          coalesce(a.sector_name, ${OUTSIDE}) as sec, a.source as ch,
          a.escalated_at is not null as escalated, a.status = 'false_alarm' as false_alarm
        from alerts a
        where a.network_id = ${p.networkId} and a.created_at >= ${p.from} and a.created_at < ${p.to}
          and (${p.sector}::text is null or a.sector_name = ${p.sector})
      ) x
      group by grouping sets ((b), (sec), (ch), ())
    )
    select 'hour' as dim, extract(hour from b at time zone ${p.timezone})::int::text as key, sum(n)::int as n, 0 as escalated, 0 as false_alarms
      from g where k = 3 group by 2
    union all
    select 'day', (b at time zone ${p.timezone})::date::text, sum(n)::int, 0, 0 from g where k = 3 group by 2
    union all
    select 'sector', sec, n, 0, 0 from g where k = 5
    union all
    select 'channel', ch, n, 0, 0 from g where k = 6
    union all
    select 'total', null, n, escalated, false_alarms from g where k = 7`
}

// Seconds from an alert to its first acknowledgement (by anyone), for the period's alerts.
export async function firstAcknowledgements(sql: Db, p: Period) {
  const [row] = await sql<{ n: number; p50: number | null; p90: number | null }[]>`
    select count(*)::int as n,
      round(percentile_cont(0.5) within group (order by s))::int as p50,
      round(percentile_cont(0.9) within group (order by s))::int as p90
    from (
      select extract(epoch from f.first_at - a.created_at) as s
      from alerts a
      -- distinct on walks the acknowledgements' index in (alert, time) order: no hash of
      -- 100,000 groups to spill (a third faster than min() … group by, measured).
      join (select distinct on (e.alert_id) e.alert_id, e.at as first_at from alert_events e
            where e.network_id = ${p.networkId} and e.to_status = 'acknowledged' and e.at >= ${p.from}
            order by e.alert_id, e.at) f on f.alert_id = a.id
      where a.network_id = ${p.networkId} and a.created_at >= ${p.from} and a.created_at < ${p.to}
        and (${p.sector}::text is null or a.sector_name = ${p.sector})
    ) x`
  return row!
}

// Refuges as they stand at `now` (a state, not a period): served as refuges, their staff's
// training valid, or missing or past the network's validity.
export async function refugeCounts(sql: Db, p: Period, validMonths: number, now: Date) {
  const [row] = await sql<{ active: number; trained: number; renewal_due: number }[]>`
    select count(*)::int as active,
      count(*) filter (where p.training_date is not null
                         and p.training_date + make_interval(months => ${validMonths}) > ${now}::date)::int as trained,
      count(*) filter (where p.training_date is null
                         or p.training_date + make_interval(months => ${validMonths}) <= ${now}::date)::int as renewal_due
    from places p
    where p.network_id = ${p.networkId} and p.status = 'active' and ${servedAsRefuge(sql, now)}
      and (${p.sector}::text is null or exists (
        select 1 from sectors s where s.network_id = ${p.networkId} and s.name = ${p.sector}
          and st_covers(s.area, p.location::geometry)))`
  return row!
}

// Requests that reached a driver, by outcome and, declined, by reason. Network-wide: a
// drop-off is on a line, and its point is coarsened past retention.
export async function dropoffCounts(sql: Db, p: Period) {
  return sql<{ dim: 'status' | 'reason' | 'total'; key: string | null; n: number }[]>`
    select case grouping(st, rs) when 1 then 'status' when 2 then 'reason' else 'total' end as dim,
      coalesce(st, rs) as key, count(*)::int as n
    from (
      select case d.status when 'done' then 'accepted' else d.status end as st,
        case when d.status = 'declined' then coalesce(d.decision_reason, 'unspecified') end as rs
      from dropoffs d
      where d.network_id = ${p.networkId} and d.created_at >= ${p.from} and d.created_at < ${p.to}
    ) x
    group by grouping sets ((st), (rs), ())`
}

// Refusals by rule, from the counters (sql/0018): by code and by line, the hours that
// begin within the period.
export async function refusalCounts(sql: Db, p: Period) {
  return sql<{ dim: 'code' | 'route' | 'total'; key: string | null; n: number }[]>`
    select case grouping(code, route) when 1 then 'code' when 2 then 'route' else 'total' end as dim,
      coalesce(code, route) as key, coalesce(sum(count), 0)::int as n
    from (
      select r.code, coalesce(r.route_id, '') as route, r.count
      from dropoff_refusals r
      where r.network_id = ${p.networkId} and r.hour >= ${p.from} and r.hour < ${p.to}
    ) x
    group by grouping sets ((code), (route), ())`
}

export async function reportCounts(sql: Db, p: Period) {
  return sql<{ dim: 'category' | 'status' | 'total'; key: string | null; n: number }[]>`
    select case grouping(category, status) when 1 then 'category' when 2 then 'status' else 'total' end as dim,
      coalesce(category, status) as key, count(*)::int as n
    from (
      select c.code as category, r.status
      from reports r join report_categories c on c.id = r.category_id
      where r.network_id = ${p.networkId} and r.created_at >= ${p.from} and r.created_at < ${p.to}
        and (${p.sector}::text is null or exists (
          select 1 from sectors s where s.network_id = ${p.networkId} and s.name = ${p.sector}
            and st_covers(s.area, r.location::geometry)))
    ) x
    group by grouping sets ((category), (status), ())`
}

export async function reportCategories(sql: Db, networkId: string): Promise<string[]> {
  const rows = await sql<{ code: string }[]>`
    select code from report_categories where network_id = ${networkId} order by position, code`
  return rows.map((r) => r.code)
}

// Mediators' contacts ("personnes rencontrées"), by the sector they were counted in and kind.
export async function contactCounts(sql: Db, p: Period) {
  return sql<{ dim: 'sector' | 'kind' | 'total'; key: string | null; n: number }[]>`
    select case grouping(sec, kind) when 1 then 'sector' when 2 then 'kind' else 'total' end as dim,
      coalesce(sec, kind) as key, count(*)::int as n
    from (
      select coalesce(c.sector_name, ${OUTSIDE}) as sec, c.kind
      from field_contacts c
      where c.network_id = ${p.networkId} and c.at >= ${p.from} and c.at < ${p.to}
        and (${p.sector}::text is null or c.sector_name = ${p.sector})
    ) x
    group by grouping sets ((sec), (kind), ())`
}
