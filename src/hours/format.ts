import { wallClock } from './evaluate.ts'

// An instant written in the network's local time with its offset, e.g.
// "2026-11-22T02:00:00+01:00": the same instant as UTC, but what a person reads.
export function isoInZone(instant: Date, timeZone: string): string {
  // Intl costs a few µs a call, and answers write the same few instants again and again
  // (closing times on the hour): 3 % of a busy server's CPU per nearest search, unkept.
  const key = `${timeZone} ${instant.getTime()}`
  let written = recent.get(key)
  if (written === undefined) {
    if (recent.size >= 4096) recent.clear()
    written = write(instant, timeZone)
    recent.set(key, written)
  }
  return written
}

const recent = new Map<string, string>()

function write(instant: Date, timeZone: string): string {
  const w = wallClock(instant, timeZone)
  const localMs = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  const offsetMin = Math.round((localMs - Math.floor(instant.getTime() / 1000) * 1000) / 60_000)
  const sign = offsetMin < 0 ? '-' : '+'
  const abs = Math.abs(offsetMin)
  const p = (n: number, l = 2) => String(n).padStart(l, '0')
  return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}:${p(w.second)}${sign}${p(Math.floor(abs / 60))}:${p(abs % 60)}`
}
