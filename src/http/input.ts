import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HalteError } from '../errors.ts'
import type { AppEnv } from './env.ts'
import { payloadTooLarge } from './problem.ts'

// What every request body and URL must be before any handler sees it. One place, so a
// route added tomorrow is covered without knowing about it.

const MB = 1024 * 1024
const limits = {
  // GTFS zips of a whole network are megabytes.
  gtfs: bodyLimit({ maxSize: 100 * MB, onError: () => { throw payloadTooLarge() } }),
  // Twilio posts one SMS (1,600 characters at most) and a few fields: a few KB.
  webhook: bodyLimit({ maxSize: 64 * 1024, onError: () => { throw payloadTooLarge() } }),
  // A GeoReport request with its photo (5 MB, see src/reports/media.ts) and the form around it.
  report: bodyLimit({ maxSize: 6 * MB, onError: () => { throw payloadTooLarge() } }),
  other: bodyLimit({ maxSize: MB, onError: () => { throw payloadTooLarge() } }),
}

export const limitBodies: MiddlewareHandler<AppEnv> = (c, next) => {
  // GET and HEAD carry no body, and asking the Node adapter for one builds a whole
  // fetch Request (abort controller, stream) per request: 7 % of a nearest search.
  const method = c.req.method
  if (method === 'GET' || method === 'HEAD') return next()
  const path = c.req.path
  const limit = path.endsWith('/gtfs') ? limits.gtfs : path.startsWith('/webhooks/') ? limits.webhook : path.startsWith('/open311/') ? limits.report : limits.other
  return limit(c, next)
}

// PostgreSQL cannot store U+0000 in text, and a lone surrogate is not text at all: both
// would fail deep in a query (a 500, a half-done request). No field of ours has a use
// for either, so they are refused at the door with the path of the field that held one.
export const refuseBadCharacters: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (/%00/i.test(c.req.url)) throw badCharacter('(url)')
  const method = c.req.method
  if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && /^application\/(.+\+)?json\b/i.test(c.req.header('content-type') ?? '')) {
    let body: unknown
    try {
      // Read once here; Hono keeps it for the route's validator.
      body = await c.req.json()
    } catch (err) {
      if (err instanceof HalteError) throw err
      throw new HalteError(400, 'malformed_json', {
        fr: "Le corps de la requête n'est pas du JSON valide.",
        en: 'The request body is not valid JSON.',
      })
    }
    const where = findBadString(body, '')
    if (where !== null) throw badCharacter(where || '(body)')
  }
  await next()
}

// U+0000, spelt out: a regular expression holding a control character reads as a typo.
const NUL = String.fromCharCode(0)
const hasNul = (v: string) => v.includes(NUL)

function findBadString(v: unknown, path: string): string | null {
  if (typeof v === 'string') return hasNul(v) || !v.isWellFormed() ? path : null
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = findBadString(v[i], path ? `${path}.${i}` : String(i))
      if (found !== null) return found
    }
    return null
  }
  if (v && typeof v === 'object') {
    for (const [k, inner] of Object.entries(v)) {
      const here = path ? `${path}.${k}` : k
      if (hasNul(k) || !k.isWellFormed()) return here
      const found = findBadString(inner, here)
      if (found !== null) return found
    }
  }
  return null
}

function badCharacter(path: string) {
  return new HalteError(
    400,
    'invalid_character',
    {
      fr: `${path} contient un caractère interdit (caractère nul ou Unicode invalide) ; retirez-le.`,
      en: `${path} contains a forbidden character (NUL or invalid Unicode); remove it.`,
    },
    { errors: [{ path, message: 'NUL or invalid Unicode / caractère nul ou Unicode invalide' }] },
  )
}

// For bodies that must be answered whatever they hold (Twilio's form: the person gets
// TwiML back), the same characters are dropped instead of refused.
export function cleanText(v: string): string {
  return v.replaceAll(NUL, '').toWellFormed()
}
