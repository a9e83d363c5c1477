import OpeningHours, { type opening_hours } from 'opening_hours'
import { HalteError, type Lang } from '../errors.ts'
import { openIntervals, stateAt, wallClock } from './evaluate.ts'
import { type HoursContext, LIBRARY_CONF, libraryLocation, parseHours, warningsIn } from './parse.ts'

const DAY_MS = 86_400_000
const HORIZON_DAYS = 14
const MAX_CHANGES = 6

export interface HoursCheck {
  valid: boolean
  error: string | null
  warnings: string[]
  open_now: boolean | null
  unknown: boolean
  changes_at: Date | null
  next_changes: { at: Date; open: boolean }[]
  public_holidays: 'closed' | 'open' | 'unspecified'
}

// A live reading of a value being typed (the partner's form): what the service will
// understand once it is stored, read by the same parser, in the network's zone and
// with its country's holidays. An unreadable value is an answer, not an error.
export function checkHours(value: string, ctx: HoursContext, timeZone: string, at: Date, lang: Lang): HoursCheck {
  const invalid = (error: string): HoursCheck => ({
    valid: false,
    error,
    warnings: [],
    open_now: null,
    unknown: false,
    changes_at: null,
    next_changes: [],
    public_holidays: 'unspecified',
  })
  // parseHours words these two in English only; the form reads them in its language.
  if (value.trim() === '') return invalid(lang === 'fr' ? 'Valeur vide.' : 'Empty value.')
  if (value.length > 255) {
    return invalid(
      lang === 'fr'
        ? `${value.length} caractères, plus que les 255 qu’OpenStreetMap accepte.`
        : `${value.length} characters, more than the 255 OpenStreetMap allows.`,
    )
  }
  let parsed: ReturnType<typeof parseHours>
  try {
    parsed = parseHours(value, ctx)
  } catch (e) {
    if (!(e instanceof HalteError)) throw e
    return invalid(lang === 'en' ? String(e.extra.parser_message) : (parserMessageIn(value, ctx, lang) ?? String(e.extra.parser_message)))
  }
  const { oh } = parsed
  const unknown = oh.getUnknown(libraryDate(at, timeZone))
  const limit = new Date(at.getTime() + HORIZON_DAYS * DAY_MS)
  const next_changes: HoursCheck['next_changes'] = []
  for (const [from, to] of openIntervals(oh, timeZone, at, limit)) {
    if (from > at) next_changes.push({ at: from, open: true })
    if (to < limit) next_changes.push({ at: to, open: false })
    if (next_changes.length >= MAX_CHANGES) break
  }
  return {
    valid: true,
    error: null,
    warnings: warningsIn(value, ctx, parsed.warnings, lang),
    open_now: unknown ? null : stateAt(oh, timeZone, at, HORIZON_DAYS).open,
    unknown,
    changes_at: next_changes[0]?.at ?? null,
    next_changes: next_changes.slice(0, MAX_CHANGES),
    public_holidays: onPublicHolidays(oh, ctx, at),
  }
}

// The library speaks the language it is built with: read once more in the reader's.
function parserMessageIn(value: string, ctx: HoursContext, lang: Lang): string | null {
  const original = console.error
  console.error = () => {}
  try {
    const oh = new (OpeningHours as unknown as typeof opening_hours)(value, libraryLocation(ctx), { ...LIBRARY_CONF, locale: lang })
    const now = new Date()
    oh.getOpenIntervals(now, new Date(now.getTime() + 8 * DAY_MS))
    return null
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).trim()
  } finally {
    console.error = original
  }
}

// The library has no zone: it reads a network wall clock as a process-local Date (see evaluate.ts).
function libraryDate(at: Date, timeZone: string): Date {
  const w = wallClock(at, timeZone)
  return new Date(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
}

// What the value says of public holidays, read on the next one of the network's country
// (and region): whether a rule naming PH decides that day, and if so whether it opens.
// A value silent on PH opens on a holiday as on any such weekday, which a partner who
// closes on 25 December needs to see.
function onPublicHolidays(oh: opening_hours, ctx: HoursContext, at: Date): HoursCheck['public_holidays'] {
  const holiday = nextHoliday(ctx, at)
  if (!holiday) return 'unspecified'
  const it = oh.getIterator(holiday[0])
  let namesPh = false
  let open = false
  do {
    const rule = oh.getMatchingRule(it.getDate())
    if (rule !== undefined && namesHolidays(oh.prettifyValue({ rule_index: rule }))) namesPh = true
    if (it.getState()) open = true
  } while (it.advance(holiday[1]) && it.getDate() < holiday[1])
  if (!namesPh) return 'unspecified'
  return open ? 'open' : 'closed'
}

// A whole holiday day: the one `at` falls on, or the next one (null: none known for the
// country). Finding it walks up to a year of the library's calendar, which costs more
// than the rest of a check: the answer is kept per country, region, rough position and hour.
const holidays = new Map<string, [Date, Date] | null>()
function nextHoliday(ctx: HoursContext, at: Date): [Date, Date] | null {
  const hour = Math.floor((at.getTime() - DAY_MS) / 3_600_000)
  const from = new Date(hour * 3_600_000)
  const key = `${ctx.countryCode}|${ctx.regionCode ?? ''}|${Math.round(ctx.lat)}|${Math.round(ctx.lon)}|${hour}`
  if (holidays.has(key)) return holidays.get(key)!
  let holiday: [Date, Date] | null = null
  try {
    const ph = new (OpeningHours as unknown as typeof opening_hours)('PH', libraryLocation(ctx), LIBRARY_CONF)
    const first = ph.getOpenIntervals(from, new Date(from.getTime() + 400 * DAY_MS)).find(([start]) => start > from)
    if (first) holiday = [first[0], first[1]]
  } catch {
    holiday = null
  }
  if (holidays.size >= 1000) holidays.clear()
  holidays.set(key, holiday)
  return holiday
}

const namesHolidays = (rule: string) => /(^|[^A-Za-z])PH([^A-Za-z]|$)/.test(rule.replace(/"[^"]*"/g, ''))
