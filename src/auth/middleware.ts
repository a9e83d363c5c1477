import type { MiddlewareHandler } from 'hono'
import { HalteError } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import type { Services } from '../services.ts'
import type { Principal } from './principal.ts'
import { findPrincipalByToken, secretsEqual } from './tokens.ts'

// Resolves the bearer token, if any, into c.var.principal. Routes then demand a role
// with requirePrincipal; a request without a token is simply anonymous here.
export function authenticate(s: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'))
    if (token !== undefined) c.set('principal', await principalOf(s, token))
    await next()
  }
}

// undefined without an Authorization header; a header that is not a bearer token is refused.
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match) throw invalidToken()
  return match[1]!
}

export async function principalOf(s: Services, token: string): Promise<Principal> {
  const admin = s.config.HALTE_ADMIN_TOKEN
  if (admin && (await secretsEqual(token, admin))) {
    return { role: 'admin', tokenId: null, networkId: null, placeId: null, vehicle: null, expiresAt: null }
  }
  const found = token.startsWith('halte_') ? await findPrincipalByToken(s.sql, token, s.clock.now()) : null
  if (found === 'expired') throw expiredToken()
  if (!found) throw invalidToken()
  return found
}

function invalidToken() {
  return new HalteError(
    401,
    'invalid_token',
    { fr: 'Ce jeton est inconnu ou révoqué.', en: 'This token is unknown or revoked.' },
    { headers: { 'WWW-Authenticate': 'Bearer realm="halte", error="invalid_token"' } },
  )
}

function expiredToken() {
  return new HalteError(
    401,
    'token_expired',
    {
      fr: 'Ce jeton a expiré ; demandez-en un nouveau à la personne qui vous l’a remis.',
      en: 'This token has expired; ask whoever gave it to you for a new one.',
    },
    {
      headers: {
        'WWW-Authenticate': 'Bearer realm="halte", error="invalid_token", error_description="The access token expired"',
      },
    },
  )
}
