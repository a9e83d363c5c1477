import { HalteError } from '../errors.ts'
import { instantFromWallClock, wallClock } from '../hours/evaluate.ts'
import { parseHours } from '../hours/parse.ts'
import { safeIntervals } from '../places/periods.ts'

// The hours a week of coverage is read at: each hour's first instant on the network's
// wall clock ("mardi 03:00" is Tuesday 03:00:00 there), so that an hour of the week and
// `coverage?at=` at that instant give the same answer.

export interface WeekHour {
  // 0 = Monday 00:00 … 167 = Sunday 23:00.
  hour_of_week: number
  // ISO weekday, 1 = Monday … 7 = Sunday.
  weekday: number
  hour: number
  // The local date this hour was read on.
  date: string
  at: Date
}

const DAY = 86_400_000
// A week read from `from` must end inside what `at` accepts (14 days ahead): it starts
// at most 7 days ahead, and at most a day back.
export const FROM_BACK_DAYS = 1
export const FROM_AHEAD_DAYS = 7
// A typical week takes each weekday's next ordinary occurrence within this many days.
const LOOK_AHEAD_DAYS = 14

type Day = { year: number; month: number; day: number }

const dayAfter = (d: Day, n: number): Day => {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n))
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() }
}
const isoWeekday = (d: Day) => ((new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() + 6) % 7) + 1
const dayText = (d: Day) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`

function hoursOf(day: Day, timeZone: string): WeekHour[] {
  const weekday = isoWeekday(day)
  return Array.from({ length: 24 }, (_, hour) => ({
    hour_of_week: (weekday - 1) * 24 + hour,
    weekday,
    hour,
    date: dayText(day),
    at: instantFromWallClock({ ...day, hour, minute: 0, second: 0 }, timeZone),
  }))
}

export interface WeekNetwork {
  timezone: string
  country_code: string
  region_code: string | null
}

// The public holidays (local dates) of the network's country and region over the next
// days, as the library reads them (Alsace-Moselle's two more included). Reading them
// costs tens of milliseconds: the answer is kept per country, region, rough position
// and day.
const holidayCache = new Map<string, Set<string>>()
export function holidaysAhead(n: WeekNetwork, lat: number, lon: number, now: Date, days: number): Set<string> {
  const key = `${n.country_code}|${n.region_code ?? ''}|${Math.round(lat)}|${Math.round(lon)}|${n.timezone}|${dayText(wallClock(now, n.timezone))}|${days}`
  const known = holidayCache.get(key)
  if (known) return known
  const { oh } = parseHours('PH', { countryCode: n.country_code, regionCode: n.region_code, lat, lon })
  const out = new Set<string>()
  for (const [from, to] of safeIntervals(oh, n.timezone, new Date(now.getTime() - DAY), new Date(now.getTime() + (days + 1) * DAY))) {
    // An interval covers whole local days (several when holidays follow each other).
    for (let t = from.getTime(); t < to.getTime(); t += DAY / 2) out.add(dayText(wallClock(new Date(t), n.timezone)))
  }
  if (holidayCache.size >= 1000) holidayCache.clear()
  holidayCache.set(key, out)
  return out
}

// A typical week: each weekday read on its next occurrence from today that is not a
// public holiday (a holiday is not typical; `from` reads a given week, holidays and all).
// Closures already announced for those days count: they are what the week will be.
export function typicalWeek(n: WeekNetwork, lat: number, lon: number, now: Date): WeekHour[] {
  const today = wallClock(now, n.timezone)
  const holidays = holidaysAhead(n, lat, lon, now, LOOK_AHEAD_DAYS)
  const chosen = new Map<number, Day>()
  for (let k = 0; k < LOOK_AHEAD_DAYS; k++) {
    const d = dayAfter(today, k)
    const w = isoWeekday(d)
    if (!chosen.has(w) && !holidays.has(dayText(d))) chosen.set(w, d)
  }
  // Two weeks of holidays on one weekday cannot happen; if it did, read the holiday.
  for (let k = 0; k < 7; k++) {
    const d = dayAfter(today, k)
    if (!chosen.has(isoWeekday(d))) chosen.set(isoWeekday(d), d)
  }
  return [1, 2, 3, 4, 5, 6, 7].flatMap((w) => hoursOf(chosen.get(w)!, n.timezone))
}

// A given week: 168 hours from `from` 00:00 on the network's wall clock.
export function givenWeek(from: string, n: WeekNetwork, now: Date): WeekHour[] {
  const [year, month, day] = from.split('-').map(Number) as [number, number, number]
  const start: Day = { year, month, day }
  const today = wallClock(now, n.timezone)
  const offset = Math.round((Date.UTC(year, month - 1, day) - Date.UTC(today.year, today.month - 1, today.day)) / DAY)
  if (!(offset >= -FROM_BACK_DAYS && offset <= FROM_AHEAD_DAYS)) {
    const lo = dayText(dayAfter(today, -FROM_BACK_DAYS))
    const hi = dayText(dayAfter(today, FROM_AHEAD_DAYS))
    throw new HalteError(
      400,
      'instant_out_of_range',
      {
        fr: `from doit être une date entre le ${lo} et le ${hi} : la semaine lue doit tenir dans les 14 jours à venir.`,
        en: `from must be a date between ${lo} and ${hi}: the week read must fit within the next 14 days.`,
      },
      { errors: [{ path: 'from', message: `between ${lo} and ${hi}` }] },
    )
  }
  return Array.from({ length: 7 }, (_, k) => hoursOf(dayAfter(start, k), n.timezone)).flat()
}
