import { HalteError } from '../errors.ts'
import { EMERGENCY } from '../places/schemas.ts'
import type { Services } from '../services.ts'
import { hitRateLimit } from './queries.ts'
import { sha256Hex } from './secrets.ts'

// A refusal that still tells a person in danger whom to call.
export async function checkRate(s: Pick<Services, 'sql'>, bucket: string, max: number, windowS: number, now: Date) {
  const { hits, resetAt } = await hitRateLimit(s.sql, await sha256Hex(bucket), windowS, now)
  if (hits <= max) return
  const retryAfter = Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000))
  throw new HalteError(
    429,
    'rate_limited',
    {
      fr: `Trop d’alertes en peu de temps : réessayez dans ${retryAfter} s. En danger : appelez le 17 ou le 112, ou envoyez un SMS au 114.`,
      en: `Too many alerts in a short time: retry in ${retryAfter} s. In danger: call 17 or 112, or text 114.`,
    },
    { headers: { 'Retry-After': String(retryAfter) }, extra: { emergency: EMERGENCY } },
  )
}
