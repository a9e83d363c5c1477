import { HalteError } from '../errors.ts'

export type Role = 'admin' | 'operator' | 'partner' | 'driver' | 'mediator' | 'police'

// The city's field teams: street mediators and municipal police, scoped to sectors.
export const FIELD_ROLES = ['mediator', 'police'] as const satisfies readonly Role[]

export interface Principal {
  role: Role
  tokenId: string | null // null for the configured HALTE_ADMIN_TOKEN
  networkId: string | null
  placeId: string | null
  vehicle: string | null
  // When the token stops working; null or absent: never (it can still be revoked).
  expiresAt?: Date | null
}

export function requirePrincipal(p: Principal | undefined, roles: readonly Role[]): Principal {
  if (!p) {
    throw new HalteError(
      401,
      'unauthorized',
      {
        fr: 'Un jeton est requis : en-tête « Authorization: Bearer <jeton> ».',
        en: 'A token is required: header "Authorization: Bearer <token>".',
      },
      { headers: { 'WWW-Authenticate': 'Bearer realm="halte"' } },
    )
  }
  if (!roles.includes(p.role)) {
    throw new HalteError(403, 'forbidden', {
      fr: `Ce jeton (${p.role}) ne permet pas cette action ; rôle requis : ${roles.join(' ou ')}.`,
      en: `This token (${p.role}) cannot do this; required role: ${roles.join(' or ')}.`,
    })
  }
  return p
}

// Admins act on every network; everybody else only on their own.
export function requireNetwork(p: Principal, networkId: string): void {
  if (p.role === 'admin') return
  if (p.networkId !== networkId) {
    throw new HalteError(403, 'wrong_network', {
      fr: "Ce jeton appartient à un autre réseau.",
      en: 'This token belongs to another network.',
    })
  }
}
