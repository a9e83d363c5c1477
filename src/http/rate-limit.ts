import type { Context } from 'hono'
import { hitRateLimit } from '../alerts/queries.ts'
import { sha256Hex } from '../alerts/secrets.ts'
import { EMERGENCY } from '../emergency.ts'
import { HalteError, type Text } from '../errors.ts'
import type { Services } from '../services.ts'
import { clientAddress } from './client.ts'
import type { AppEnv } from './env.ts'


export interface Limit {
  // Names the bucket family: one counter per (scope, network, client).
  scope: string
  max: number
  windowS: number
}

// Public writes are counted per client address, never across clients: a shared
// counter would let one abuser lock everyone else out. Returns the seconds to wait when
// over the limit, else null. A request with no peer address (only in-process callers:
// every runtime that serves HTTP supplies one) is not counted: there is no one to tell
// apart, and one shared counter is exactly the lockout this avoids.
export async function overLimit(
  s: Pick<Services, 'sql' | 'config' | 'peerAddress'>,
  c: Context<AppEnv>,
  limit: Limit,
  networkId: string,
  now: Date,
): Promise<number | null> {
  const who = clientAddress(c, s.peerAddress, s.config)
  if (who === 'unknown') return null
  const bucket = await sha256Hex(`${limit.scope}:${networkId}:${who}`)
  const { hits, resetAt } = await hitRateLimit(s.sql, bucket, limit.windowS, now)
  if (hits <= limit.max) return null
  return Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000))
}

export function rateLimited(retryAfter: number, what: Text, extra: Record<string, unknown> = {}): HalteError {
  return new HalteError(
    429,
    'rate_limited',
    {
      fr: `${what.fr} Réessayez dans ${retryAfter} s. En danger : appelez le 17 ou le 112, ou envoyez un SMS au 114.`,
      en: `${what.en} Retry in ${retryAfter} s. In danger: call 17 or 112, or text 114.`,
    },
    { headers: { 'Retry-After': String(retryAfter) }, extra: { emergency: EMERGENCY, ...extra } },
  )
}

// Throws the 429 when over the limit.
export async function enforceLimit(
  s: Pick<Services, 'sql' | 'config' | 'peerAddress'>,
  c: Context<AppEnv>,
  limit: Limit,
  networkId: string,
  now: Date,
  what: Text,
): Promise<void> {
  const wait = await overLimit(s, c, limit, networkId, now)
  if (wait !== null) throw rateLimited(wait, what)
}
