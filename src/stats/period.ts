import { HalteError } from '../errors.ts'
import { instantFromWallClock } from '../hours/evaluate.ts'

// The period of the figures. A date is a whole day in the network's zone (`to` included:
// from=2026-01-01&to=2026-06-30 is the first half-year); an instant is taken as written
// (with its offset; without one, in the network's zone). At most two years: the council
// reviews a semester or a year, and a longer scan is no one's question.
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/
export const MAX_YEARS = 2

function badDate(name: string, value: string): HalteError {
  return new HalteError(
    400,
    'invalid_date',
    {
      fr: `${name} doit être une date (AAAA-MM-JJ) ou un instant ISO 8601 ; reçu « ${value.slice(0, 40)} ».`,
      en: `${name} must be a date (YYYY-MM-DD) or an ISO 8601 instant; got "${value.slice(0, 40)}".`,
    },
    { errors: [{ path: name, message: 'YYYY-MM-DD or an ISO 8601 instant' }] },
  )
}

function parse(name: 'from' | 'to', value: string, timezone: string): Date {
  const d = DATE.exec(value)
  const i = d ? null : INSTANT.exec(value)
  const m = d ?? i
  if (!m) throw badDate(name, value)
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((v) => Number(v ?? 0))
  // new Date() rolls 2026-02-30 over to March: a date must come back as written.
  const check = new Date(Date.UTC(year!, month! - 1, day!))
  if (check.getUTCMonth() !== month! - 1 || check.getUTCDate() !== day! || hour! > 23 || minute! > 59 || second! > 59) throw badDate(name, value)
  if (i?.[7]) return new Date(value)
  // A date as `to` ends with its day: the next day's midnight.
  const start = instantFromWallClock({ year: year!, month: month!, day: day! + (d && name === 'to' ? 1 : 0), hour: hour!, minute: minute!, second: second! }, timezone)
  if (Number.isNaN(start.getTime())) throw badDate(name, value)
  return start
}

export function parsePeriod(q: { from: string; to: string }, timezone: string): { from: Date; to: Date } {
  const from = parse('from', q.from, timezone)
  const to = parse('to', q.to, timezone)
  if (to.getTime() <= from.getTime()) {
    throw new HalteError(422, 'invalid_period', { fr: 'La fin de la période (to) doit suivre son début (from).', en: 'The end of the period (to) must come after its start (from).' })
  }
  const limit = new Date(from)
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_YEARS)
  // An hour of slack: a period of whole local days may gain one across a DST change.
  if (to.getTime() > limit.getTime() + 3_600_000) {
    throw new HalteError(422, 'period_too_long', { fr: `La période ne peut dépasser ${MAX_YEARS} ans.`, en: `The period cannot exceed ${MAX_YEARS} years.` })
  }
  return { from, to }
}
