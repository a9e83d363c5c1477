import type { opening_hours } from 'opening_hours'

// The library has no time zone parameter: it reads and builds Dates with local-time
// accessors, i.e. in the process zone. Each network has its own zone, so we hand the
// library the network's wall clock dressed up as a local Date ("library date") and turn
// the library dates it returns back into real instants in the network zone.
//
// Conventions on the network's DST nights, shared by every function here:
// - a wall time that happens twice (fall back) means its first occurrence, so the second
//   pass of the repeated hour is open only when an opening runs past the end of that hour;
// - a wall time that does not exist (spring forward) means the instant the clocks jump,
//   so a place closing at 02:30 that night closes at 03:00 summer time.
//
// Library dates are exact when the process zone has no DST (UTC: servers, Workers). A
// process zone with DST skips an hour of its own each spring: network wall times in that
// hour cannot be local Dates, so they read as an hour later and changes inside it come out
// an hour late (with the network's own zone, that is the library's native behaviour); a
// window opened before that hour may then disagree with one opened after it.

export interface HoursState {
  open: boolean
  openUntil: Date | null
  nextOpen: Date | null
}

type WallClock = { year: number; month: number; day: number; hour: number; minute: number; second: number }

const DAY_MS = 86_400_000

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    const n = 'numeric'
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: n, month: n, day: n, hour: n, minute: n, second: n })
    formatters.set(timeZone, f)
  }
  return f
}

// format() and a fixed "M/D/YYYY, HH:MM:SS" layout: three times cheaper than formatToParts.
export function wallClock(instant: Date, timeZone: string): WallClock {
  const [month, day, year, hour, minute, second] = (formatter(timeZone).format(instant).match(/\d+/g) ?? []).map(Number)
  return { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second! }
}

const asUtc = (w: WallClock) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)

// Wall clock minus UTC at `t`, in ms (zones change offset on whole seconds).
function offsetAt(t: number, timeZone: string): number {
  const s = Math.floor(t / 1000) * 1000
  return asUtc(wallClock(new Date(s), timeZone)) - s
}

export function instantFromWallClock(w: WallClock, timeZone: string): Date {
  const local = asUtc(w)
  // No zone changes offset twice within two days, so these are the only candidates.
  const before = offsetAt(local - DAY_MS, timeZone)
  const after = offsetAt(local + DAY_MS, timeZone)
  if (before === after) return new Date(local - before)
  const valid = [local - before, local - after].filter((t) => offsetAt(t, timeZone) === local - t)
  if (valid.length > 0) return new Date(Math.min(...valid))
  // Inside the gap: find the transition, the first instant whose wall clock exists again.
  let lo = Math.min(local - before, local - after)
  let hi = Math.max(local - before, local - after)
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000
    if (offsetAt(mid, timeZone) === offsetAt(lo, timeZone)) lo = mid
    else hi = mid
  }
  return new Date(hi)
}

function toLibrary(instant: Date, timeZone: string): Date {
  const w = wallClock(instant, timeZone)
  return new Date(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
}

function fromLibrary(d: Date, timeZone: string): Date {
  const w = { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds() }
  return instantFromWallClock(w, timeZone)
}

const isOpen = (it: ReturnType<opening_hours['getIterator']>) => it.getState() && !it.getUnknown()

// Open runs as real instants, clipped to [from, limit), merged, in order. Lazy, so stateAt
// stops at the first run; sharing it keeps stateAt and openIntervals in agreement.
function* openRuns(oh: opening_hours, timeZone: string, from: Date, limit: Date): Generator<[Date, Date]> {
  const start = from.getTime()
  const end = limit.getTime()
  const it = oh.getIterator(toLibrary(from, timeZone))
  // A day of margin: on a fall-back night the wall clock runs an hour behind the instants.
  const libraryLimit = toLibrary(new Date(end + DAY_MS), timeZone)
  let run: [number, number] | null = null // closed, but yielded only once it cannot grow
  let openSince = isOpen(it) ? start : null
  while (it.advance(libraryLimit)) {
    const t = Math.max(fromLibrary(it.getDate(), timeZone).getTime(), start)
    if (t >= end) break
    if (isOpen(it) === (openSince !== null)) continue
    if (openSince !== null) {
      // Empty when the whole opening fell in a DST gap, or before `from`.
      if (t > openSince) run = [openSince, t]
      openSince = null
    } else if (run && t <= run[1]) {
      openSince = run[0] // reopens the instant it closed (a DST gap in between): one run
      run = null
    } else {
      if (run) yield [new Date(run[0]), new Date(run[1])]
      run = null
      openSince = t
    }
  }
  if (run) yield [new Date(run[0]), new Date(run[1])]
  if (openSince !== null && end > openSince) yield [new Date(openSince), new Date(end)]
}

export function openIntervals(oh: opening_hours, timeZone: string, from: Date, to: Date): Array<[Date, Date]> {
  return [...openRuns(oh, timeZone, from, to)]
}

export function stateAt(oh: opening_hours, timeZone: string, at: Date, horizonDays = 14): HoursState {
  const limit = new Date(at.getTime() + horizonDays * DAY_MS)
  const first = openRuns(oh, timeZone, at, limit).next()
  if (first.done) return { open: false, openUntil: null, nextOpen: null }
  const [start, end] = first.value
  if (start.getTime() > at.getTime()) return { open: false, openUntil: null, nextOpen: start }
  return { open: true, openUntil: end.getTime() < limit.getTime() ? end : null, nextOpen: null }
}
