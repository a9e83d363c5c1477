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
// the commit. Safe on several instances at once (SKIP LOCKED). In batches, each its own
// transaction: a batch's rows stay locked until it commits, and a driver deciding on one
// of them waits that long (the soak: 500 rows at once held decisions for seconds).
export async function expireEndedDropoffs(
  s: Pick<Services, 'sql' | 'signal' | 'wakeOutbox'> & Partial<Pick<Services, 'logger'>>,
  now: Date,
  o: { batch?: number; maxBatches?: number } = {},
): Promise<number> {
  const batch = o.batch ?? 50
  let total = 0
  for (let n = 0; n < (o.maxBatches ?? 40); n++) {
    const expired = await s.sql.begin(async (tx) => {
      const rows = await expireEnded(tx, now, TRIP_SLACK_S, batch)
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
    total += expired.length
    if (expired.length < batch) break
  }
  return total
}
