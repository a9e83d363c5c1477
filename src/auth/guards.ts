import type { Db } from '../db/types.ts'
import { loadNetwork } from '../networks/load.ts'
import type { Network } from '../networks/schemas.ts'
import { findNetworkById } from '../networks/queries.ts'
import { type SectorRef, tokenSectors } from '../sectors/queries.ts'
import { FIELD_ROLES, type Principal, type Role, requireNetwork, requirePrincipal } from './principal.ts'

// "An operator of this network (or an admin)": who, and the network, checked in the
// order every route answers them (401 no token, 404 no network, 403 another network).
export async function operatorOf(
  s: { sql: Db },
  principal: Principal | undefined,
  slug: string,
  roles: readonly Role[] = ['admin', 'operator'],
): Promise<{ who: Principal; network: Network; actor: { role: Role; tokenId: string | null; placeId: null } }> {
  const who = requirePrincipal(principal, roles)
  const network = await loadNetwork(s.sql, slug)
  requireNetwork(who, network.id)
  return { who, network, actor: { role: who.role, tokenId: who.tokenId, placeId: null } }
}

// "A field principal (mediator, municipal police) of this network": who, the network
// (from the path, or the token's own when the route names none) and its sectors (empty:
// the whole network). Same order of answers as operatorOf.
export async function fieldOf(
  s: { sql: Db },
  principal: Principal | undefined,
  slug: string | null,
): Promise<{ who: Principal; network: Network; sectors: SectorRef[]; actor: { role: Role; tokenId: string | null; placeId: null } }> {
  const who = requirePrincipal(principal, FIELD_ROLES)
  const network = slug === null ? (await findNetworkById(s.sql, who.networkId!))! : await loadNetwork(s.sql, slug)
  requireNetwork(who, network.id)
  const sectors = who.tokenId ? await tokenSectors(s.sql, who.tokenId) : []
  return { who, network, sectors, actor: { role: who.role, tokenId: who.tokenId, placeId: null } }
}
