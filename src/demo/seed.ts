import type { Sql } from 'postgres'
import { insertToken } from '../auth/tokens.ts'
import { HalteError } from '../errors.ts'
import { insertNetwork } from '../networks/queries.ts'
import type { Network } from '../networks/schemas.ts'
import { importPlaces } from '../places/import.ts'
import { importGtfs } from '../transit/gtfs/import.ts'
import { demoFeedZip } from './feed.ts'
import { DEMO_CENTRE, DEMO_PLACES } from './places.ts'
import { dropDemoNetwork, markDemoNetwork } from './queries.ts'

export const DEMO_NAME = 'DÉMO — réseau fictif halte (ne pas utiliser en cas de danger réel)'

export interface DemoNetwork {
  network: Network
  recreated: boolean
  places: number
  stops: number
  operatorToken: string
  driverToken: string
  partnerToken: string
}

// Creates, or recreates from scratch, the demo network: fictional refuges, a night bus
// line, and tokens to try the operator's, driver's and partner's screens. A real network
// that holds the slug is never touched.
export async function seedDemo(sql: Sql, slug: string, now: Date): Promise<DemoNetwork> {
  const before = await dropDemoNetwork(sql, slug)
  if (before === 'real') {
    throw new HalteError(409, 'slug_taken', {
      fr: `Un vrai réseau utilise déjà « ${slug} » : la démo ne le remplacera pas. Choisissez un autre nom (--slug).`,
      en: `A real network already uses "${slug}": the demo will not replace it. Choose another slug (--slug).`,
    })
  }
  const network = await insertNetwork(sql, {
    slug,
    name: DEMO_NAME,
    timezone: 'Europe/Paris',
    locale: 'fr',
    country_code: 'FR',
    area: {
      type: 'MultiPolygon',
      coordinates: [
        [
          [
          [DEMO_CENTRE.lon - 0.03, DEMO_CENTRE.lat - 0.02],
          [DEMO_CENTRE.lon + 0.03, DEMO_CENTRE.lat - 0.02],
          [DEMO_CENTRE.lon + 0.03, DEMO_CENTRE.lat + 0.02],
          [DEMO_CENTRE.lon - 0.03, DEMO_CENTRE.lat + 0.02],
          [DEMO_CENTRE.lon - 0.03, DEMO_CENTRE.lat - 0.02],
          ],
        ],
      ],
    },
  })
  await markDemoNetwork(sql, network.id)
  const report = await importPlaces(sql, network, DEMO_PLACES, { approve: true, now })
  if (report.rejected.length) throw new Error(`demo places refused: ${report.rejected.map((r) => r.reason).join('; ')}`)
  const feed = await importGtfs(sql, network.id, demoFeedZip(), now)
  const token = (role: 'operator' | 'driver', label: string, vehicle: string | null = null) =>
    insertToken(sql, { role, label, networkId: network.id, vehicle, expiresAt: null }).then((t) => t.token)
  return {
    network,
    recreated: before === 'dropped',
    places: report.imported.length,
    stops: feed.stops,
    operatorToken: await token('operator', 'démo : salle de supervision'),
    driverToken: await token('driver', 'démo : bus D', 'DEMO-1'),
    partnerToken: report.imported[0]!.partner_token,
  }
}
