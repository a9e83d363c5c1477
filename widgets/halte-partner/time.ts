import type { Lang } from '../lib/i18n.ts'

// A closure is typed as a wall time at the venue (an <input type=datetime-local>); halte
// wants an instant with its offset. The offset is the network's at that wall time, so
// "24 December 18:00" means 18:00 in the city whatever zone the phone is set to.
export function zonedIso(local: string, timeZone?: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local)
  if (!m) return local
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number]
  const wall = Date.UTC(y, mo - 1, d, h, mi)
  const offsetAt = (at: number) => {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    }).formatToParts(new Date(at))
    const f = (type: string) => Number(parts.find((p) => p.type === type)?.value)
    return Math.round((Date.UTC(f('year'), f('month') - 1, f('day'), f('hour'), f('minute')) - at) / 60_000)
  }
  // Twice: the offset at the guessed instant, then at the instant it gives (DST edges).
  let offset = offsetAt(wall)
  offset = offsetAt(wall - offset * 60_000)
  const sign = offset < 0 ? '-' : '+'
  const abs = Math.abs(offset)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

export function dayTime(lang: Lang, iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
  }).format(new Date(iso))
}
