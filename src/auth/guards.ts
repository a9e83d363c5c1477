import type { Db } from '../db/types.ts'
import { loadNetwork } from '../networks/load.ts'
import type { Network } from '../networks/schemas.ts'
import { type Principal, type Role, requireNetwork, requirePrincipal } from './principal.ts'

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
