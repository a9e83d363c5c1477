import OpeningHours, { type nominatim_object, type opening_hours } from 'opening_hours'
import { HalteError } from '../errors.ts'

// Where a value is evaluated: the library needs a country (and, for Alsace-Moselle's
// extra holidays, the département as `state`) to know public holidays.
export interface HoursContext {
  countryCode: string
  regionCode?: string | null
  lat: number
  lon: number
}

// The library reads department names; networks may give an ISO 3166-2 code instead.
const FR_STATES: Record<string, string> = { 'FR-67': 'Bas-Rhin', 'FR-68': 'Haut-Rhin', 'FR-57': 'Moselle' }

export function libraryLocation(ctx: HoursContext): nominatim_object {
  const country = ctx.countryCode.toLowerCase()
  const state = ctx.regionCode ? (FR_STATES[ctx.regionCode.toUpperCase()] ?? ctx.regionCode) : undefined
  return { lat: ctx.lat, lon: ctx.lon, address: { country_code: country, state: state ?? '' } } as nominatim_object
}

export interface ParsedHours {
  oh: opening_hours
  warnings: string[]
}

// mode 0: time ranges only, as OSM's opening_hours tag; comments and PH allowed.
export function parseHours(value: string, ctx: HoursContext, field = 'opening_hours'): ParsedHours {
  if (value.trim() === '') throw invalidHours(field, 'empty value / valeur vide')
  // OpenStreetMap caps tag values at 255 characters; it also bounds the parser's work.
  if (value.length > 255) throw invalidHours(field, `${value.length} characters, more than the 255 OpenStreetMap allows`)
  // Some values parse but fail when evaluated (school holidays, SH, are not defined
  // for France): evaluate a week now so that whatever is stored can be evaluated. The
  // library also prints its own errors to the console; they are returned here instead.
  const original = console.error
  console.error = () => {}
  try {
    const oh = new (OpeningHours as unknown as typeof opening_hours)(value, libraryLocation(ctx), LIBRARY_CONF)
    const now = new Date()
    oh.getOpenIntervals(now, new Date(now.getTime() + 8 * 86_400_000))
    return { oh, warnings: boundedWarnings(oh) }
  } catch (e) {
    throw invalidHours(field, e instanceof Error ? e.message : String(e))
  } finally {
    console.error = original
  }
}

export const LIBRARY_CONF = { mode: 0, tag_key: 'opening_hours', locale: 'en', map_value: false, warnings_severity: 4 } as const

// The library words its warnings in the language it was built with; what is stored is
// English. An answer speaks the reader's language: a value with warnings is read once
// more in French when French is asked (a write, never a search, pays it).
export function warningsIn(value: string, ctx: HoursContext, warnings: string[], lang: 'fr' | 'en'): string[] {
  if (lang === 'en' || warnings.length === 0) return warnings
  const original = console.error
  console.error = () => {}
  try {
    const oh = new (OpeningHours as unknown as typeof opening_hours)(value, libraryLocation(ctx), { ...LIBRARY_CONF, locale: lang })
    return boundedWarnings(oh)
  } catch {
    return warnings
  } finally {
    console.error = original
  }
}

// The library's warning pass advances an iterator up to five years ahead to spot a
// misleading "24/7"; on free text that reads as a rule changing every few minutes this
// takes over 100 ms. A week and a day answers the same question for the weekly
// schedules refuges have, so bound that walk (the iterator is an instance property).
function boundedWarnings(oh: opening_hours): string[] {
  const original = oh.getIterator.bind(oh)
  const week = 8 * 24 * 3600 * 1000
  oh.getIterator = (date?: Date) => {
    const it = original(date)
    const advance = it.advance.bind(it)
    it.advance = (limit?: Date) => advance(limit ?? new Date(it.getDate().getTime() + week))
    return it
  }
  try {
    return oh.getWarnings()
  } finally {
    oh.getIterator = original
  }
}

export function invalidHours(field: string, parserMessage: string): HalteError {
  const message = parserMessage.trim()
  return new HalteError(
    400,
    'invalid_opening_hours',
    {
      fr: `Horaires illisibles (${field}) : ${message}`,
      en: `Unreadable opening hours (${field}): ${message}`,
    },
    { errors: [{ path: field, message }], extra: { parser_message: message } },
  )
}
