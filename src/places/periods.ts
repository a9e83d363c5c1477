import type { Db } from '../db/types.ts'
import type { opening_hours } from 'opening_hours'
import type { Fragment } from 'postgres'
import { openIntervals } from '../hours/evaluate.ts'
import { parseHours } from '../hours/parse.ts'

// Materialised opening periods. The library's reading of a place's opening_hours, in
// its network's zone, becomes a tstzmultirange (minus closures) covering a window
// around now; the nearest query then decides "open at T" inside the index scan.

const DAY = 86_400_000
export const HORIZON_BACK_DAYS = 2
export const HORIZON_AHEAD_DAYS = 21
// The scheduled job re-materialises a place when less than this remains ahead.
export const REFRESH_WHEN_AHEAD_DAYS = 14

// Values whose reading moves with the sun must be evaluated at each place's position.
export const isSolar = (value: string) => /sunrise|sunset|dawn|dusk/i.test(value)

export interface HoursNetwork {
  id: string
  timezone: string
  country_code: string
  region_code: string | null
}

export function horizon(now: Date) {
  return { from: new Date(now.getTime() - HORIZON_BACK_DAYS * DAY), to: new Date(now.getTime() + HORIZON_AHEAD_DAYS * DAY) }
}

export function multirangeLiteral(intervals: Array<[Date, Date]>): string {
  return `{${intervals.map(([a, b]) => `[${a.toISOString()},${b.toISOString()})`).join(',')}}`
}

// A value the library cannot evaluate over this window reads as never open: better
// "closed" than sending someone to a door that may be shut. Values are evaluated over
// a week when stored, so this only happens for rules dated further ahead.
export function periodsFor(oh: opening_hours, timeZone: string, from: Date, to: Date): string {
  return multirangeLiteral(safeIntervals(oh, timeZone, from, to))
}

export function safeIntervals(oh: opening_hours, timeZone: string, from: Date, to: Date): Array<[Date, Date]> {
  const original = console.error
  console.error = () => {}
  try {
    return openIntervals(oh, timeZone, from, to)
  } catch {
    return []
  } finally {
    console.error = original
  }
}

const libraryFor = (value: string, n: HoursNetwork, lat: number, lon: number) =>
  parseHours(value, { countryCode: n.country_code, regionCode: n.region_code, lat, lon }).oh

// Re-materialise one place (after it changed, or its closures did).
export async function refreshPlacePeriods(sql: Db, placeId: string, n: HoursNetwork, now: Date): Promise<void> {
  const [p] = await sql<{ opening_hours: string; lat: number; lon: number }[]>`
    select opening_hours, st_y(location::geometry) as lat, st_x(location::geometry) as lon
    from places where id = ${placeId}`
  if (!p) return
  const { from, to } = horizon(now)
  await setPeriods(sql, sql`id = ${placeId}`, periodsFor(libraryFor(p.opening_hours, n, p.lat, p.lon), n.timezone, from, to), from, to)
}

async function setPeriods(sql: Db, where: Fragment, ranges: string, from: Date, to: Date): Promise<number> {
  const result = await sql`
    update places p set
      -- Event mode: a temporary place is open only within its validity.
      open_periods = (${ranges}::tstzmultirange - coalesce(
        (select range_agg(tstzrange(c.starts_at, c.ends_at)) from place_closures c where c.place_id = p.id),
        '{}'::tstzmultirange))
        * tstzmultirange(tstzrange(coalesce(p.valid_from, '-infinity'), coalesce(p.valid_until, 'infinity'))),
      periods_from = ${from}, periods_to = ${to}
    where ${where}`
  return result.count
}

// The scheduled job: every active place whose window runs short. Places sharing a
// network and a (non-solar) value share one evaluation, so a national network with a
// few hundred distinct values costs a few hundred library calls, not one per place.
export async function refreshDuePeriods(sql: Db, now: Date, opts: { force?: boolean } = {}): Promise<number> {
  const due = new Date(now.getTime() + REFRESH_WHEN_AHEAD_DAYS * DAY)
  const groups = await sql<(HoursNetwork & { opening_hours: string; hours_solar: boolean; place_id: string | null; lat: number; lon: number })[]>`
    select n.id, n.timezone, n.country_code, n.region_code, p.opening_hours, p.hours_solar,
      case when p.hours_solar then p.id end as place_id,
      min(st_y(p.location::geometry)) as lat, min(st_x(p.location::geometry)) as lon
    from places p join networks n on n.id = p.network_id
    where p.status = 'active' and (${opts.force ?? false} or p.periods_to < ${due})
    group by n.id, p.opening_hours, p.hours_solar, case when p.hours_solar then p.id end`
  const { from, to } = horizon(now)
  let places = 0
  for (const g of groups) {
    const ranges = periodsFor(libraryFor(g.opening_hours, g, g.lat, g.lon), g.timezone, from, to)
    const where = g.place_id
      ? sql`id = ${g.place_id}`
      : sql`network_id = ${g.id} and opening_hours = ${g.opening_hours} and not hours_solar and status = 'active'
            and (${opts.force ?? false} or periods_to < ${due})`
    places += await setPeriods(sql, where, ranges, from, to)
  }
  return places
}
