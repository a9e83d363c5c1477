import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Signal } from '../../src/realtime/signal.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { calendarFeed, LAT, uploadFeed } from '../transit/feed.ts'

// Once a request is stored, its answer is owed: a wake-up that fails after the commit
// (NOTIFY on a dropped connection, say) must not turn it into an error, or the rider
// loses the access token of a request that exists.
const clock = { now: () => new Date('2026-11-20T21:00:00Z') }
let published = 0
const failing: Signal = {
  live: true,
  publish: async () => {
    published++
    throw new Error('connection lost')
  },
  subscribe: async () => async () => {},
}
let t: TestApp
let slug: string

beforeAll(async () => {
  t = await testApp({ clock, signal: failing })
  slug = (await createNetwork(t, { region_code: 'FR-68', dropoff: { hours: 'Mo-Su 21:00-06:00' } })).slug
  await uploadFeed(t, slug, calendarFeed())
})
afterAll(() => t?.close())

describe('after the commit', () => {
  it('a drop-off request is answered 201 with its token though waking the drivers fails', async () => {
    const driver = await createToken(t, slug, { role: 'driver', label: 'bus', vehicle: 'B1' })
    expect((await t.request('/v1/driver/position', { method: 'POST', token: driver, json: { lat: LAT, lon: 7.3, trip_id: 'TR1' } })).status).toBe(204)
    const before = published
    const res = await t.request(`/v1/networks/${slug}/dropoffs`, { method: 'POST', json: { trip_id: 'TR1', location: { lat: LAT + 0.0001, lon: 7.315 } } })
    expect(res.status, await res.clone().text()).toBe(201)
    expect(((await res.json()) as { access_token: string }).access_token).toBeTruthy()
    expect(published).toBeGreaterThan(before)
    expect(t.logs.some((l) => l.msg === 'after-commit wake-up failed; polling will deliver it' && l.what === 'dropoff requested')).toBe(true)
  })

  it('an alert is answered 201 though waking the operators fails', async () => {
    const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: { lat: LAT, lon: 7.3 } } })
    expect(res.status).toBe(201)
    expect(t.logs.some((l) => l.what === 'alert raised')).toBe(true)
  })
})
