import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Sql } from 'postgres'
import { insertToken } from '../../../src/auth/tokens.ts'
import type { PushPeer } from '../../helpers/push-peer.ts'
import { runCli } from '../../helpers/process.ts'
import { driverTargets, type Target } from '../driver-targets.ts'

// What the soak's city holds: one network on the real SOLEA feed (when the data is
// there), its refuges, partners and operators with push subscriptions on the local
// push service, and the cabs with their tokens.

export const SOLEA = resolve('../shared/data/gtfs/solea-mulhouse.zip')
export const SMS_NUMBER = '+33644648719'
// Around Mulhouse, where the SOLEA lines run: about 11 km × 11 km.
export const BOX = { west: 7.27, south: 47.7, east: 7.42, north: 47.8 }

export interface Partner {
  placeId: string
  token: string
}

export interface World {
  networkId: string
  slug: string
  operators: string[]
  operatorSubscriptions: number
  partners: Partner[]
  drivers: Target[]
  // Why there are no drivers, when there are none.
  noDrivers?: string
}

export interface WorldSize {
  places: number
  partners: number
  operators: number
  operatorSubscriptions: number
  drivers: number
}

export async function buildWorld(sql: Sql, env: Record<string, string>, size: WorldSize, peer: PushPeer, vapidPublicKey: string): Promise<World> {
  const slug = 'solea'
  let noDrivers: string | undefined
  const created = runCli(['network', 'create', '--slug', slug, '--name', 'SOLEA', '--region', 'FR-68'], env)
  if ((await created.exited) !== 0) throw new Error(created.output())
  if (existsSync(SOLEA)) {
    const imported = runCli(['gtfs', 'import', SOLEA, '--network', slug], env)
    if ((await imported.exited) !== 0) throw new Error(imported.output())
  } else noDrivers = `${SOLEA} is absent: no drop-off load`
  const [net] = await sql<{ id: string }[]>`update networks set sms_number = ${SMS_NUMBER} where slug = ${slug} returning id`
  const networkId = net!.id
  // The timetable's calendar ran out months ago: stretched over this fortnight, riders ask
  // for trips of today, as real ones do. Requests for trips months past would be
  // coarsened by the retention job as soon as an instance starts, before their cab reads them.
  await sql`
    update transit_calendar c set start_date = least(c.start_date, current_date - 1), end_date = greatest(c.end_date, current_date + 14)
    from gtfs_feeds f where f.id = c.feed_id and f.network_id = ${networkId}`

  // Refuges open around the clock for the run, spread over the box; their periods are
  // materialised as the places' own upkeep would.
  await sql`
    insert into places (network_id, status, name, kind, address, location, opening_hours, charter_accepted_at,
                        open_periods, periods_from, periods_to)
    select ${networkId}, 'active', 'Refuge ' || g, 'bar', g || ' rue du Soak',
      st_setsrid(st_makepoint(${BOX.west} + random() * ${BOX.east - BOX.west}, ${BOX.south} + random() * ${BOX.north - BOX.south}), 4326)::geography,
      '24/7', now(), tstzmultirange(tstzrange(now() - interval '2 days', now() + interval '21 days')),
      now() - interval '2 days', now() + interval '21 days'
    from generate_series(1, ${size.places}) g`
  await sql`analyze places`

  // Partners: a place, a partner token and one push subscription each, made by the real
  // push service (its keys decrypt what halte sends).
  const partnerPlaces = await sql<{ id: string }[]>`
    select id from places where network_id = ${networkId} order by random() limit ${size.partners}`
  const partners: Partner[] = []
  for (const p of partnerPlaces) {
    const { token } = await insertToken(sql, { role: 'partner', label: 'soak', networkId, placeId: p.id })
    const sub = await peer.subscribe(vapidPublicKey)
    await sql`insert into push_subscriptions (network_id, owner, place_id, endpoint, p256dh, auth, created_at)
              values (${networkId}, 'place', ${p.id}, ${sub.endpoint}, ${sub.keys.p256dh}, ${sub.keys.auth}, now())`
    partners.push({ placeId: p.id, token })
  }

  const operators: string[] = []
  for (let i = 0; i < size.operators; i++) {
    const { id, token } = await insertToken(sql, { role: 'operator', label: `opérateur ${i}`, networkId })
    operators.push(token)
    if (i < size.operatorSubscriptions) {
      const sub = await peer.subscribe(vapidPublicKey)
      await sql`insert into push_subscriptions (network_id, owner, token_id, endpoint, p256dh, auth, created_at)
                values (${networkId}, 'operator', ${id}, ${sub.endpoint}, ${sub.keys.p256dh}, ${sub.keys.auth}, now())`
    }
  }
  const drivers = noDrivers ? [] : await driverTargets(sql, networkId, size.drivers)
  return { networkId, slug, operators, operatorSubscriptions: size.operatorSubscriptions, partners, drivers, noDrivers }
}
