import type { Db } from '../db/types.ts'
import { HalteError } from '../errors.ts'
import { findNetworkBySlug } from './queries.ts'
import type { Network } from './schemas.ts'

// A network named in a path, or the 404 every route answers alike.
export async function loadNetwork(sql: Db, slug: string): Promise<Network> {
  const network = await findNetworkBySlug(sql, slug)
  if (!network) throw networkNotFound(slug)
  return network
}

export const networkNotFound = (slug: string) =>
  new HalteError(404, 'network_not_found', {
    fr: `Aucun réseau « ${slug} ».`,
    en: `No network "${slug}".`,
  })
