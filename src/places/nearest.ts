import { type Db, textArray } from '../db/types.ts'
import type { opening_hours } from 'opening_hours'
import { HalteError } from '../errors.ts'
import { instantFromWallClock } from '../hours/evaluate.ts'
import { parseHours } from '../hours/parse.ts'
import { type HoursNetwork, safeIntervals } from './periods.ts'
import { mercPoint, mercRadiusSql, point } from '../geo/sql.ts'
import { servedAsRefuge } from './queries.ts'

// Nearest refuges, nearest first, with "open at T" decided in the index scan from the
// materialised periods. A place whose window does not cover T (an instant far in the
// past or future, or a window the job has not renewed yet) comes back as a candidate
// and is decided here by the library itself: exact everywhere, fast where it matters.

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

export interface CandidateRow extends Omit<NearestPlace, 'id' | 'open_now' | 'open_until' | 'next_open'> {
  covered: boolean
  open_now: boolean
  open_until: Date | null
  next_open: Date | null
  periods_to: Date
  opening_hours: string
  closures: { from: string; to: string }[] | null
  valid_from: Date | null
  valid_until: Date | null
}

// What a candidate row says about a place (alias p) being open at `at`: read from its
// materialised periods where they cover `at` (covered), and what the library needs to
// decide it otherwise. Shared by every search that decides "open now" (refuges, help desks).
export function openStateColumns(sql: Db, at: Date) {
  const covered = sql`(p.periods_from <= ${at} and ${at} < p.periods_to)`
  return sql`${covered} as covered,
        p.open_periods @> ${at}::timestamptz as open_now,
        (select upper(r) from unnest(p.open_periods) r where r @> ${at}::timestamptz) as open_until,
        (select min(lower(r)) from unnest(p.open_periods) r where lower(r) > ${at}) as next_open,
        p.periods_to, p.opening_hours, p.valid_from, p.valid_until,
        case when not ${covered} then
          (select json_agg(json_build_object('from', c.starts_at, 'to', c.ends_at)) from place_closures c
           where c.place_id = p.id and c.ends_at > ${at})
        end as closures`
}

// The network searched: by id when the caller holds it, by slug for a public search,
// which then needs no lookup of its own (the network comes back with the places).
export type NetworkRef = { id: string } | { slug: string }

export interface SearchNetwork extends HoursNetwork {
  search_radius_m: number
}

type Row = SearchNetwork & { radius: number } & ({ place_id: null } | ({ place_id: string } & CandidateRow))

// One ordered walk of the Mercator index: the planner takes the KNN index scan and
// applies the filters to each neighbour as it comes, stopping once `take` pass. So at
// night, when a few percent of places are open, the closed ones are skipped inside
// that one scan instead of coming back in batches. A bare box (&&) bounds the walk:
// it is estimated from statistics, whereas ST_DWithin's guessed selectivity made the
// planner sort every place in the box instead. The exact geodesic radius is checked
// on the few rows returned (they come nearest first, so one well beyond it ends the
// search). Places whose window does not cover T pass the open filter and are
// decided by the library in nearestPlaces. The network's row always comes back (with
// null places when none is found); no row means no such network.
export async function nearestCandidates(sql: Db, ref: NetworkRef, q: NearestQuery, take: number, skip: number) {
  const pt = point(sql, q.lat, q.lon)
  const merc = mercPoint(sql, q.lat, q.lon)
  const covered = sql`(p.periods_from <= ${q.at} and ${q.at} < p.periods_to)`
  const openFilter = q.openOnly ? sql`and (p.open_periods @> ${q.at}::timestamptz or not ${covered})` : sql``
  const which = 'id' in ref ? sql`id = ${ref.id}` : sql`slug = ${ref.slug}`
  return sql<Row[]>`
    with n as (
      select id, timezone, country_code, region_code, search_radius_m,
        coalesce(${q.radiusM}::float8, search_radius_m) as radius
      from networks where ${which}
    )
    select n.id, n.timezone, n.country_code, n.region_code, n.search_radius_m, n.radius, x.*
    from n left join lateral (
      select p.id as place_id, p.name, p.kind, p.address, p.phone, p.features,
        st_y(p.location::geometry) as lat, st_x(p.location::geometry) as lon,
        st_distance(p.location, ${pt}) as distance_m,
        ${openStateColumns(sql, q.at)}
      from places p
      where p.status = 'active' and p.network_id = n.id and ${servedAsRefuge(sql, q.at)}
        and p.merc && st_expand(${merc}, ${mercRadiusSql(sql, sql`n.radius`, q.lat)})
        and p.features @> ${textArray(q.features)}::text[]
        ${openFilter}
      order by p.merc <-> ${merc}
      limit ${take} offset ${skip}
    ) x on true`
}

const EXACT_HORIZON_DAYS = 14
const MAX_CANDIDATES = 5000
// Places the library may decide for one search (each ~0.5–1 ms of CPU). Within the
// accepted range of `at` the periods are materialised and the library only sees places
// whose window the hourly job has not renewed yet; this bounds what one request can
// cost if that job falls behind.
const LIBRARY_BUDGET = 300
// Hand the event loop back at least this often while deciding places, so one search
// never holds up the others (or /healthz) for more than a few ms.
const SLICE_MS = 4

// The instants a search may ask about: from a day back (what was open when something
// happened last night) to two weeks ahead (planning a night out). The open periods are
// materialised from 2 days back to 21 ahead, so every accepted instant is answered in
// the index scan; further out, hours and closures are guesses anyway.
export const AT_BACK_DAYS = 1
export const AT_AHEAD_DAYS = 14

// `at` written without an offset (2026-12-24T23:30) is a wall-clock time in the
// network's zone, as a person reads it on a timetable or a shop door.
const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/

export const isWallClock = (at: string) => WALL_CLOCK.test(at)

// The instant `at` names: with an offset as written, without one in `timeZone`.
export function instantOf(at: string, timeZone: string | undefined): Date {
  const m = WALL_CLOCK.exec(at)
  if (!m || !timeZone) return new Date(at)
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number]
  return instantFromWallClock({ year, month, day, hour, minute, second }, timeZone)
}

// timeZone: the network's, needed only for a wall-clock `at` (see isWallClock).
export function searchInstant(at: string | undefined, now: Date, timeZone?: string): Date {
  if (!at) return now
  const t = instantOf(at, timeZone)
  const from = now.getTime() - AT_BACK_DAYS * 86_400_000
  const to = now.getTime() + AT_AHEAD_DAYS * 86_400_000
  if (Number.isNaN(t.getTime()) || t.getTime() < from || t.getTime() > to) {
    throw new HalteError(
      400,
      'instant_out_of_range',
      {
        fr: `at doit être compris entre ${new Date(from).toISOString()} et ${new Date(to).toISOString()} (de 1 jour avant à 14 jours après maintenant).`,
        en: `at must be between ${new Date(from).toISOString()} and ${new Date(to).toISOString()} (1 day back to 14 days ahead of now).`,
      },
      { errors: [{ path: 'at', message: `between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}` }] },
    )
  }
  return t
}

const yieldToLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

export interface NearestQuery {
  lat: number
  lon: number
  at: Date
  limit: number
  openOnly: boolean
  features: string[]
  // Metres; null for the network's own search radius.
  radiusM: number | null
}

export async function nearestPlaces(sql: Db, network: HoursNetwork, q: NearestQuery): Promise<NearestPlace[]> {
  return (await searchNearest(sql, { id: network.id }, q)).places
}

// Nearest open places of a network, and the network itself (null when there is none).
export async function searchNearest(sql: Db, ref: NetworkRef, q: NearestQuery) {
  const found: NearestPlace[] = []
  const libraries = new Map<string, opening_hours>()
  let network: SearchNetwork | null = null
  // Inside the materialised window every row the scan returns is an answer: one batch
  // of `limit`. More batches are needed only for rows the library decides (an instant
  // outside the window), which it may find closed.
  let take = q.limit
  let skip = 0
  let budget = LIBRARY_BUDGET
  let sliceStart = Date.now()
  while (found.length < q.limit && skip < MAX_CANDIDATES && budget > 0) {
    const rows = await nearestCandidates(sql, network ? { id: network.id } : ref, q, take, skip)
    const head = rows[0]
    if (!head) return { network: null, places: [] }
    const { id, timezone, country_code, region_code, search_radius_m, radius } = head
    network ??= { id, timezone, country_code, region_code, search_radius_m }
    let beyond = false
    let count = 0
    for (const row of rows) {
      if (row.place_id === null) continue
      count++
      if (row.distance_m > radius) {
        // Mercator order is distance order up to the change of scale across the
        // radius (well under 1 %); past that margin nothing further can be inside.
        beyond ||= row.distance_m > radius * 1.02
        continue
      }
      let place: NearestPlace
      if (row.covered) place = fromPeriods(row)
      else {
        // Out of budget: leave the rest undecided rather than guess "open".
        if (budget-- <= 0) break
        if (Date.now() - sliceStart >= SLICE_MS) {
          await yieldToLoop()
          sliceStart = Date.now()
        }
        place = fromLibrary(row, network, q.at, libraries)
      }
      if (!q.openOnly || place.open_now) found.push(place)
    }
    // Fewer rows than asked for: the search box is exhausted.
    if (beyond || count < take) break
    skip += take
    take = Math.min(Math.max(take * 4, 50), 2000)
  }
  // The index orders by Mercator distance; distance_m is on the spheroid. Re-sort on what we show.
  return { network, places: found.sort((a, b) => a.distance_m - b.distance_m).slice(0, q.limit) }
}

function base(row: CandidateRow & { place_id: string }) {
  const { place_id: id, name, kind, address, phone, features, lat, lon, distance_m } = row
  return { id, name, kind, address, phone, features, lat, lon, distance_m }
}

export function fromPeriods(row: CandidateRow & { place_id: string }): NearestPlace {
  // A period reaching the end of the window means "open beyond what we know": say nothing.
  const openUntil = row.open_until && row.open_until < row.periods_to ? row.open_until : null
  return { ...base(row), open_now: row.open_now, open_until: row.open_now ? openUntil : null, next_open: row.open_now ? null : row.next_open }
}

export function fromLibrary(row: CandidateRow & { place_id: string }, n: HoursNetwork, at: Date, cache: Map<string, opening_hours>): NearestPlace {
  let oh = cache.get(row.opening_hours)
  if (!oh) {
    oh = parseHours(row.opening_hours, { countryCode: n.country_code, regionCode: n.region_code, lat: row.lat, lon: row.lon }).oh
    if (!/sunrise|sunset|dawn|dusk/i.test(row.opening_hours)) cache.set(row.opening_hours, oh)
  }
  const to = new Date(at.getTime() + EXACT_HORIZON_DAYS * 86_400_000)
  const closures = (row.closures ?? []).map((c) => [new Date(c.from), new Date(c.to)] as [Date, Date])
  const periods = within(subtract(safeIntervals(oh, n.timezone, at, to), closures), row.valid_from, row.valid_until)
  const first = periods[0]
  const openNow = first !== undefined && first[0].getTime() <= at.getTime()
  return {
    ...base(row),
    open_now: openNow,
    open_until: openNow && first[1] < to ? first[1] : null,
    next_open: openNow ? null : (first?.[0] ?? null),
  }
}

// Event mode: intervals cut to a temporary place's validity.
export function within(intervals: Array<[Date, Date]>, from: Date | null, until: Date | null): Array<[Date, Date]> {
  const lo = from?.getTime() ?? -Infinity
  const hi = until?.getTime() ?? Infinity
  return intervals
    .map(([a, b]) => [new Date(Math.max(a.getTime(), lo)), new Date(Math.min(b.getTime(), hi))] as [Date, Date])
    .filter(([a, b]) => a < b)
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
