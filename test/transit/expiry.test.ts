import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { localSignal } from '../../src/realtime/signal.ts'
import { withPorts } from '../../src/services.ts'
import { expireEndedDropoffs } from '../../src/transit/jobs.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp } from '../helpers/app.ts'
import { testDatabase } from '../helpers/db.ts'
import { readSse } from '../helpers/sse.ts'
import { calendarFeed, LAT, uploadFeed } from './feed.ts'

// Requests whose trip is over expire by the background job, without any bus reporting.
let now = new Date('2026-11-20T21:00:00Z') // Friday 22:00 in Paris
const clock = { now: () => now }
let t: TestApp
// The job wakes driver streams through the signal the app's streams listen on.
const signal = localSignal()
let slug: string
let bus: string

const at = (lon: number) => ({ lat: LAT, lon })
const job = (o?: { batch?: number }) => expireEndedDropoffs(withPorts({ sql: t.db.sql, signal }), now, o)
const ask = async (trip: string, when: string, lon = 7.32) => {
  const res = await t.request(`/v1/networks/${slug}/dropoffs`, { method: 'POST', json: { trip_id: trip, location: at(lon), at: when } })
  const body = (await res.json()) as { id: string; access_token: string }
  expect(res.status, JSON.stringify(body)).toBe(201)
  return body
}
const stateOf = async (id: string) => {
  const [row] = await t.db.sql<{ status: string; expired_at: Date | null; trip_ends_at: Date; events: number }[]>`
    select status, expired_at, trip_ends_at, (select count(*)::int from dropoff_events e where e.dropoff_id = d.id) as events
    from dropoffs d where id = ${id}`
  return row!
}

// As the shared test app, with a signal of this file's own.
async function appWithSignal(): Promise<TestApp> {
  const db = await testDatabase()
  const config = loadConfig({ HALTE_ADMIN_TOKEN: ADMIN_TOKEN })
  const app = createApp({ sql: db.sql, clock, logger: createLogger('silent', () => {}), config, signal })
  return {
    db,
    sql: db.sql,
    config,
    logs: [],
    request(path, init = {}) {
      const { token, json, ...rest } = init
      const headers = new Headers(rest.headers)
      if (token) headers.set('authorization', `Bearer ${token}`)
      if (json !== undefined) headers.set('content-type', 'application/json')
      return Promise.resolve(app.request(path, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) }))
    },
    close: () => db.close(),
  } as TestApp
}

beforeAll(async () => {
  t = await appWithSignal()
  slug = (await createNetwork(t, { dropoff: { hours: 'Mo-Su 21:00-06:00' } })).slug
  await uploadFeed(t, slug, calendarFeed())
  bus = await createToken(t, slug, { role: 'driver', label: 'bus', vehicle: 'bus-e' })
  expect((await t.request('/v1/driver/position', { method: 'POST', token: bus, json: { ...at(7.3), trip_id: 'TR1' } })).status).toBe(204)
})
afterAll(() => t?.close())

describe('expiry when the trip is over', () => {
  it("records the end of the request's own run, past midnight included", async () => {
    const day = await ask('TR1', '2026-11-20T22:05:00+01:00')
    expect((await stateOf(day.id)).trip_ends_at.toISOString()).toBe('2026-11-20T21:14:00.000Z')
    // TRN's 25:14:00 of Friday's service is Saturday 01:14 in Paris.
    const night = await ask('TRN', '2026-11-21T01:05:00+01:00')
    expect((await stateOf(night.id)).trip_ends_at.toISOString()).toBe('2026-11-21T00:14:00.000Z')
  })

  it('expires pending and accepted requests 30 min after the last arrival, wakes the driver stream, once', async () => {
    const pending = await ask('TR1', '2026-11-20T22:06:00+01:00', 7.325)
    const accepted = await ask('TR1', '2026-11-20T22:06:00+01:00', 7.33)
    expect((await t.request(`/v1/driver/dropoffs/${accepted.id}/accept`, { method: 'POST', token: bus })).status).toBe(200)
    const declined = await ask('TR1', '2026-11-20T22:06:00+01:00', 7.335)
    expect((await t.request(`/v1/driver/dropoffs/${declined.id}/decline`, { method: 'POST', token: bus, json: { reason: 'traffic' } })).status).toBe(200)
    const feed = await t.request('/v1/driver/feed', { token: bus })
    const firstEvents = await readSse<{ id: string; status: string }>(feed, 1, 1000)
    const cursor = firstEvents.at(-1)!.id

    now = new Date('2026-11-20T21:43:59Z') // 22:43:59: within the slack
    expect(await job()).toBe(0)
    expect((await stateOf(pending.id)).status).toBe('pending')

    now = new Date('2026-11-20T21:44:01Z')
    const stream = await t.request('/v1/driver/feed', { token: bus, headers: { 'last-event-id': cursor } })
    const woken = readSse<{ id: string; status: string }>(stream, 3, 2000)
    await new Promise((r) => setTimeout(r, 100))
    const started = Date.now()
    // The two above and the first test's TR1 request; the declined one is settled already.
    // In batches of two: the second batch is expired in the same run.
    expect(await job({ batch: 2 })).toBe(3)
    const events = await woken
    expect(Date.now() - started).toBeLessThan(1000)
    expect(events).toHaveLength(3)
    expect(events.every((e) => e.data.status === 'expired')).toBe(true)
    expect(events.map((e) => e.data.id)).toEqual(expect.arrayContaining([pending.id, accepted.id]))
    const p = await stateOf(pending.id)
    expect(p).toMatchObject({ status: 'expired', events: 2 })
    expect(p.expired_at!.toISOString()).toBe('2026-11-20T21:44:01.000Z')
    expect((await stateOf(accepted.id)).status).toBe('expired')
    expect((await stateOf(declined.id)).status).toBe('declined')
    const seen = await t.request(`/v1/dropoffs/${pending.id}`, { headers: { 'x-access-token': pending.access_token } })
    expect(await seen.json()).toMatchObject({ status: 'expired', expired_at: '2026-11-20T22:44:01+01:00', decision: null })
    // Already expired: a second run does nothing.
    expect(await job()).toBe(0)
    // The night trip's request is still open at 22:44 on Friday: its run ends at 01:14.
    now = new Date('2026-11-21T00:43:00Z')
    expect(await job()).toBe(0)
    now = new Date('2026-11-21T00:45:00Z')
    expect(await job()).toBe(1)
  })

  it('a request from before the end was recorded expires three hours and the slack after it was made', async () => {
    now = new Date('2026-11-20T21:00:00Z')
    const r = await ask('TR1', '2026-11-20T22:07:00+01:00')
    await t.db.sql`update dropoffs set trip_ends_at = null where id = ${r.id}`
    now = new Date('2026-11-21T00:36:00Z')
    expect(await job()).toBe(0)
    now = new Date('2026-11-21T00:38:00Z')
    expect(await job()).toBe(1)
    expect((await stateOf(r.id)).status).toBe('expired')
  })
})
