import type { MiddlewareHandler } from 'hono'
import { HalteError } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import type { Services } from '../services.ts'
import { findPrincipalByToken, secretsEqual } from './tokens.ts'

// Resolves the bearer token, if any, into c.var.principal. Routes then demand a role
// with requirePrincipal; a request without a token is simply anonymous here.
export function authenticate(s: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization')
    if (header) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
      if (!match) throw invalidToken()
      const token = match[1]!
      const admin = s.config.HALTE_ADMIN_TOKEN
      if (admin && (await secretsEqual(token, admin))) {
        c.set('principal', { role: 'admin', tokenId: null, networkId: null, placeId: null, vehicle: null })
      } else {
        const principal = token.startsWith('halte_') ? await findPrincipalByToken(s.sql, token) : null
        if (!principal) throw invalidToken()
        c.set('principal', principal)
      }
    }
    await next()
  }
}

function invalidToken() {
  return new HalteError(
    401,
    'invalid_token',
    { fr: 'Ce jeton est inconnu ou révoqué.', en: 'This token is unknown or revoked.' },
    { headers: { 'WWW-Authenticate': 'Bearer realm="halte", error="invalid_token"' } },
  )
}
