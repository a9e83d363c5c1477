import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alertEvents, insertEvent } from '../../src/alerts/queries.ts'
import { insertDropoff, type NewDropoff } from '../../src/transit/dropoff-queries.ts'
import { createNetwork, type TestApp, testApp } from '../helpers/app.ts'

// Streams move their cursor to the last event id they read. If a later id could commit
// before an earlier one, a stream reading in between would skip the earlier event for
// good. Event ids of one network are drawn in commit order.
let t: TestApp
const actor = { role: 'operator' as const, tokenId: null, placeId: null }

beforeAll(async () => {
  t = await testApp()
  await createNetwork(t, { slug: 'mulhouse' })
  await createNetwork(t, { slug: 'colmar' })
})
afterAll(() => t?.close())

async function alertIn(slug: string) {
  const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: { lat: 47.75, lon: 7.34 } } })
  expect(res.status).toBe(201)
  const { id } = (await res.json()) as { id: string }
  const [row] = await t.db.sql<{ network_id: string }[]>`select network_id from alerts where id = ${id}`
  return { alertId: id, networkId: row!.network_id }
}

const ev = (a: { alertId: string; networkId: string }) => ({ ...a, kind: 'note', from: 'open' as const, to: 'open' as const, actor })

// Resolves to true if `p` settles within `ms`: a writer that waits on another's lock does not.
const within = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))])

describe('event ids of a network', () => {
  it('a writer does not wait for an open transaction, and a reader in between skips nothing', async () => {
    // One connection holds the transaction on the embedded database: there, nothing runs beside it.
    if (t.db.embedded) return
    const first = await alertIn('mulhouse')
    const second = await alertIn('mulhouse')
    const seen = () => t.db.sql<{ id: string; alert_id: string }[]>`
      select id::text, alert_id from alert_events where kind = 'note' and alert_id in (${first.alertId}, ${second.alertId}) order by id`
    let cursor = ''
    await t.db.sql.begin(async (tx) => {
      await insertEvent(tx, ev(first), new Date())
      // The first holds no lock until its commit: the second commits at once.
      expect(await within(insertEvent(t.db.sql, ev(second), new Date()), 2000)).toBe(true)
      const now = await seen()
      expect(now.map((r) => r.alert_id)).toEqual([second.alertId])
      cursor = now[0]!.id
    })
    // A stream whose cursor is the second's id still reads the first, committed later.
    const after = (await seen()).filter((r) => BigInt(r.id) > BigInt(cursor))
    expect(after.map((r) => r.alert_id)).toEqual([first.alertId])
  })

  it('an alert’s history is in event order across a power of ten', async () => {
    const a = await alertIn('mulhouse')
    await t.db.sql`alter table alert_events alter column id restart with 95`
    const kinds = Array.from({ length: 8 }, (_, i) => `step-${i}`)
    for (const kind of kinds) await insertEvent(t.db.sql, { ...ev(a), kind }, new Date())
    const history = (await alertEvents(t.db.sql, a.alertId)).map((e) => e.kind).filter((k) => k.startsWith('step-'))
    expect(history).toEqual(kinds)
  })

  it('writers of different networks do not wait for each other', async () => {
    const here = await alertIn('mulhouse')
    const there = await alertIn('colmar')
    // One connection holds the transaction on the embedded database: there, nothing runs beside it.
    if (t.db.embedded) return
    await t.db.sql.begin(async (tx) => {
      await insertEvent(tx, ev(here), new Date())
      await insertEvent(t.db.sql, ev(there), new Date())
    })
  })
})

// A cab's feed reads its trip's events: ids are in commit order within a trip, and
// requests on other trips (another cab) do not wait.
async function dropoffOn(tripId: string): Promise<NewDropoff> {
  const [n] = await t.db.sql<{ id: string }[]>`select id from networks where slug = 'mulhouse'`
  return {
    networkId: n!.id,
    tripId,
    routeId: 'L1',
    tokenHash: `hash-${crypto.randomUUID()}`,
    snapped: { lat: 47.75, lon: 7.34 },
    offsetM: 3,
    alongM: 1200,
    after: { id: 'S1', name: 'Gare', alongM: 900 },
    before: { id: 'S2', name: 'Porte Jeune' },
    at: new Date(),
    tripEndsAt: new Date(Date.now() + 3_600_000),
  }
}

describe('drop-off event ids of a trip', () => {
  it('a second request on the same trip does not wait, and a reader in between skips nothing', async () => {
    if (t.db.embedded) return
    const [one, two] = [await dropoffOn('trip-a'), await dropoffOn('trip-a')]
    const seen = () => t.db.sql<{ id: string; dropoff_id: string }[]>`
      select id::text, dropoff_id::text from dropoff_events where trip_id = 'trip-a' order by id`
    let firstId = ''
    let secondId = ''
    let cursor = ''
    await t.db.sql.begin(async (tx) => {
      firstId = (await insertDropoff(tx, one)).id
      const second = insertDropoff(t.db.sql, two)
      expect(await within(second, 2000)).toBe(true)
      secondId = (await second).id
      const now = await seen()
      expect(now.map((r) => r.dropoff_id)).toEqual([secondId])
      cursor = now[0]!.id
    })
    const after = (await seen()).filter((r) => BigInt(r.id) > BigInt(cursor))
    expect(after.map((r) => r.dropoff_id)).toEqual([firstId])
  })

  it('requests on another trip of the same network do not wait', async () => {
    if (t.db.embedded) return
    const [b, c] = [await dropoffOn('trip-b'), await dropoffOn('trip-c')]
    await t.db.sql.begin(async (tx) => {
      await insertDropoff(tx, b)
      await insertDropoff(t.db.sql, c)
    })
    const [n] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from dropoff_events where trip_id in ('trip-b', 'trip-c')`
    expect(n!.n).toBe(2)
  })
})
