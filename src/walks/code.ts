import { instantFromWallClock } from '../hours/evaluate.ts'

// The participants' code: typed from a sheet of paper on a phone, so short, in capitals
// without look-alikes (no 0/O, 1/I/L), grouped by four. 12 of 31 symbols is ~59 bits:
// far beyond guessing in the two days it lives. Only its hash is stored.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'

export function newParticipantCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('')
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`
}

// What a participant typed, as it was issued: case, spaces and dashes do not matter.
export const normaliseCode = (typed: string) => typed.toUpperCase().replace(/[\s-]/g, '')

// Valid through the walk's day and the next (a walk in the evening ends after
// midnight; findings are often typed up the morning after), in the network's zone.
export function codeExpiry(date: string, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const d = new Date(Date.UTC(year, month - 1, day + 2))
  return instantFromWallClock({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: 0, minute: 0, second: 0 }, timeZone)
}
