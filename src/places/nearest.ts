import { type Db, textArray } from '../db/types.ts'
import type { opening_hours } from 'opening_hours'
import { parseHours } from '../hours/parse.ts'
import { type HoursNetwork, safeIntervals } from './periods.ts'
import { mercPoint, mercRadius, point } from './queries.ts'

// Nearest refuges, nearest first, with "open at T" decided in the index scan from the
// materialised periods. A place whose window does not cover T (an instant far in the
// past or future, or a window the job has not renewed yet) comes back as a candidate
// and is decided here by the library itself: exact everywhere, fast where it matters.

export interface NearestQuery {
  lat: number
  lon: number
  at: Date
  limit: number
  openOnly: boolean
  features: string[]
  radiusM: number
}

export interface NearestPlace {
  id: string
  name: string
  kind: string
  address: string
  phone: string | null
  features: string[]
  lat: number
  lon: number
  distance_m: number
  open_now: boolean
  open_until: Date | null
  next_open: Date | null
}

interface CandidateRow extends Omit<NearestPlace, 'open_now' | 'open_until' | 'next_open'> {
  covered: boolean
  open_now: boolean
  open_until: Date | null
  next_open: Date | null
  periods_to: Date
  opening_hours: string
  closures: { from: string; to: string }[] | null
}

// The inner query walks the Mercator index in distance order within the search box
// and nothing else, so the planner takes the ordered index scan that stops after
// `take` rows; the exact radius and the other filters apply to those few rows. A bare
// box (&&) is estimated from statistics; ST_DWithin's extra distance test is not, and
// its guessed selectivity made the planner sort every place in the box instead.
// Of the `take` neighbours, at most `keep` that pass the filters get their
// (costlier) periods and distance worked out.
export async function nearestCandidates(sql: Db, networkId: string, q: NearestQuery, take: number, skip: number, keep: number) {
  const pt = point(sql, q.lat, q.lon)
  const merc = mercPoint(sql, q.lat, q.lon)
  const covered = sql`(p.periods_from <= ${q.at} and ${q.at} < p.periods_to)`
  // One row with only `scanned` set when no candidate passes the filters.
  return sql<(CandidateRow & { scanned: number })[]>`
    with p as (
      select p.id, p.name, p.kind, p.address, p.phone, p.features, p.location, p.open_periods,
        p.periods_from, p.periods_to, p.opening_hours, p.merc <-> ${merc} as d
      from places p
      where p.status = 'active' and p.network_id = ${networkId}
        and p.merc && st_expand(${merc}, ${mercRadius(q.radiusM, q.lat)})
      order by p.merc <-> ${merc}
      limit ${take} offset ${skip}
    )
    select s.scanned, x.* from (select count(*)::int as scanned from p) s left join (
      select p.id, p.name, p.kind, p.address, p.phone, p.features, p.d,
        st_y(p.location::geometry) as lat, st_x(p.location::geometry) as lon,
        st_distance(p.location, ${pt}) as distance_m,
        ${covered} as covered,
        p.open_periods @> ${q.at}::timestamptz as open_now,
        (select upper(r) from unnest(p.open_periods) r where r @> ${q.at}::timestamptz) as open_until,
        (select min(lower(r)) from unnest(p.open_periods) r where lower(r) > ${q.at}) as next_open,
        p.periods_to, p.opening_hours,
        case when not ${covered} then
          (select json_agg(json_build_object('from', c.starts_at, 'to', c.ends_at)) from place_closures c
           where c.place_id = p.id and c.ends_at > ${q.at})
        end as closures
      from p
      where st_dwithin(p.location, ${pt}, ${q.radiusM})
        and p.features @> ${textArray(q.features)}::text[]
        and (not ${q.openOnly} or p.open_periods @> ${q.at}::timestamptz or not ${covered})
      order by p.d
      limit ${keep}
    ) x on true
    order by x.d`
}

const EXACT_HORIZON_DAYS = 14
const MAX_CANDIDATES = 5000

export async function nearestPlaces(sql: Db, network: HoursNetwork, q: NearestQuery): Promise<NearestPlace[]> {
  const found: NearestPlace[] = []
  let skip = 0
  // At night a few percent of places are open: look at enough neighbours at once.
  let take = Math.max(q.limit * 10, 50)
  const libraries = new Map<string, opening_hours>()
  let keep = q.limit
  while (found.length < q.limit && skip < MAX_CANDIDATES) {
    const result = await nearestCandidates(sql, network.id, q, take, skip, keep)
    const scanned = result[0]?.scanned ?? 0
    const rows = result.filter((r) => r.id !== null)
    const batch: NearestPlace[] = []
    for (const row of rows) {
      const place = row.covered ? fromPeriods(row) : fromLibrary(row, network, q.at, libraries)
      if (!q.openOnly || place.open_now) batch.push(place)
    }
    // Places the library found closed left the kept rows short: read the whole batch.
    if (rows.length === keep && found.length + batch.length < q.limit && keep < take) {
      keep = take
      continue
    }
    found.push(...batch)
    // Fewer neighbours than asked for: the search box is exhausted.
    if (scanned < take) break
    skip += take
    take = Math.min(take * 4, 2000)
    keep = q.limit
  }
  // The index orders by Mercator distance; distance_m is on the spheroid. Re-sort on what we show.
  return found.sort((a, b) => a.distance_m - b.distance_m).slice(0, q.limit)
}

function base(row: CandidateRow) {
  const { id, name, kind, address, phone, features, lat, lon, distance_m } = row
  return { id, name, kind, address, phone, features, lat, lon, distance_m }
}

function fromPeriods(row: CandidateRow): NearestPlace {
  // A period reaching the end of the window means "open beyond what we know": say nothing.
  const openUntil = row.open_until && row.open_until < row.periods_to ? row.open_until : null
  return { ...base(row), open_now: row.open_now, open_until: row.open_now ? openUntil : null, next_open: row.open_now ? null : row.next_open }
}

function fromLibrary(row: CandidateRow, n: HoursNetwork, at: Date, cache: Map<string, opening_hours>): NearestPlace {
  let oh = cache.get(row.opening_hours)
  if (!oh) {
    oh = parseHours(row.opening_hours, { countryCode: n.country_code, regionCode: n.region_code, lat: row.lat, lon: row.lon }).oh
    if (!/sunrise|sunset|dawn|dusk/i.test(row.opening_hours)) cache.set(row.opening_hours, oh)
  }
  const to = new Date(at.getTime() + EXACT_HORIZON_DAYS * 86_400_000)
  const closures = (row.closures ?? []).map((c) => [new Date(c.from), new Date(c.to)] as [Date, Date])
  const periods = subtract(safeIntervals(oh, n.timezone, at, to), closures)
  const first = periods[0]
  const openNow = first !== undefined && first[0].getTime() <= at.getTime()
  return {
    ...base(row),
    open_now: openNow,
    open_until: openNow && first[1] < to ? first[1] : null,
    next_open: openNow ? null : (first?.[0] ?? null),
  }
}

// Intervals minus closures; both sorted or not, the result is sorted.
export function subtract(intervals: Array<[Date, Date]>, closures: Array<[Date, Date]>): Array<[Date, Date]> {
  let out = intervals.map(([a, b]) => [a.getTime(), b.getTime()] as [number, number])
  for (const [start, end] of closures) {
    const cs = start.getTime()
    const ce = end.getTime()
    out = out.flatMap(([a, b]): [number, number][] => {
      if (ce <= a || cs >= b) return [[a, b]]
      const parts: [number, number][] = []
      if (cs > a) parts.push([a, cs])
      if (ce < b) parts.push([ce, b])
      return parts
    })
  }
  return out.sort((x, y) => x[0] - y[0]).map(([a, b]) => [new Date(a), new Date(b)])
}
