export type Lang = 'fr' | 'en'
export type Text = { fr: string; en: string }

export const langOf = (value: string | null | undefined): Lang => (value === 'en' ? 'en' : 'fr')

// A dictionary per widget: every string exists in both languages or it does not compile.
export function dictionary<K extends string>(entries: Record<K, Text>) {
  return (lang: Lang, key: K): string => entries[key][lang]
}

export function distance(lang: Lang, metres: number): string {
  if (metres < 1000) return `${Math.round(metres / 10) * 10} m`
  const km = (metres / 1000).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 1 })
  return `${km} km`
}

// Times are shown in the network's zone (the person may be a visitor with another zone on their phone).
export function clock(lang: Lang, iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { hour: '2-digit', minute: '2-digit', timeZone }).format(new Date(iso))
}

export function dayAndClock(lang: Lang, iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { weekday: 'long', hour: '2-digit', minute: '2-digit', timeZone }).format(new Date(iso))
}

// halte writes instants in the network's zone with their offset (2026-07-14T19:00:00+02:00):
// the wall-clock time is the text itself, right wherever the phone thinks it is.
export function wallTime(iso: string): string {
  const m = /T(\d{2}):(\d{2})/.exec(iso)
  return m ? `${m[1]}:${m[2]}` : iso
}

export function wallDay(lang: Lang, iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso)
  if (!m) return ''
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12))
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(d)
}
