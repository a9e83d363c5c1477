import type { Db } from '../db/types.ts'
import { HalteError } from '../errors.ts'

// The codes of the rules a rider's request can be refused by (rules.ts, request.ts,
// feed-age.ts): what the council reads as "why are drop-offs refused?". Malformed input
// (400) and rate limits (429) are not refusals by a rule and are not counted.
export const RULE_CODES = [
  'unknown_trip',
  'route_not_eligible',
  'outside_hours',
  'timetable_expired',
  'behind_vehicle',
  'off_route',
  'too_close',
  'excluded_zone',
] as const

export const isRuleRefusal = (e: unknown): e is HalteError =>
  e instanceof HalteError && e.status === 422 && (RULE_CODES as readonly string[]).includes(e.code)

// One more refusal of this code, on this line, in the hour of `at`. A counter only:
// nothing about the rider, their point or their trip is kept (the line is null when the
// trip was not found). The hour is the refusal's own, truncated in UTC.
export async function countRefusal(sql: Db, networkId: string, routeId: string | null, code: string, at: Date) {
  await sql`
    insert into dropoff_refusals (network_id, route_id, code, hour, count)
    values (${networkId}, ${routeId}, ${code}, date_trunc('hour', ${at}::timestamptz at time zone 'UTC') at time zone 'UTC', 1)
    on conflict on constraint dropoff_refusals_key do update set count = dropoff_refusals.count + 1`
}
