import { findNetworkById } from '../networks/queries.ts'
import type { Network } from '../networks/schemas.ts'
import type { Services } from '../services.ts'
import { TRIP_SLACK_S } from './calendar.ts'
import { expireEnded } from './dropoff-queries.ts'
import { afterCommit } from '../realtime/after-commit.ts'
import { wakeDrivers } from './wake.ts'
import { pushToRider } from './rider-push.ts'

// Scheduled: a request whose trip is over can no longer be served. It expires with its
// rider's push in one transaction; drivers' streams and the dispatcher are woken after
// the commit. Safe on several instances at once (SKIP LOCKED).
export async function expireEndedDropoffs(s: Pick<Services, 'sql' | 'signal' | 'wakeOutbox'> & Partial<Pick<Services, 'logger'>>, now: Date): Promise<number> {
  const expired = await s.sql.begin(async (tx) => {
    const rows = await expireEnded(tx, now, TRIP_SLACK_S)
    const networks = new Map<string, Network | null>()
    for (const r of rows) {
      if (!networks.has(r.network_id)) networks.set(r.network_id, await findNetworkById(tx, r.network_id))
      const network = networks.get(r.network_id)
      if (network) await pushToRider(tx, network, r, now)
    }
    return rows
  })
  if (expired.length) s.wakeOutbox()
  const trips = new Set(expired.map((r) => `${r.network_id}\u0000${r.trip_id}`))
  for (const key of trips) {
    const [networkId, tripId] = key.split('\u0000') as [string, string]
    await afterCommit(s.logger, 'dropoffs expired', () => wakeDrivers(s, networkId, tripId, 'expired'))
  }
  return expired.length
}
