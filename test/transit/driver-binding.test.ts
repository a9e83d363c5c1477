import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { LAT, uploadFeed } from './feed.ts'

// A driver's token is bound to a vehicle; the vehicle holds one trip, claimed with its
// position, and only its own trip's requests are its to decide or to expire.

const START = new Date('2026-11-20T21:00:00Z') // 22:00 in Paris, TR1 runs 22:10–22:14
let now = START
const clock = { now: () => now }
const later = (s: number) => {
  now = new Date(now.getTime() + s * 1000)
}
let t: TestApp

beforeAll(async () => {
  t = await testApp({ clock })
})
afterAll(() => t?.close())

const at = (lon: number, lat = LAT) => ({ lat, lon })

async function network() {
  now = START
  const slug = (await createNetwork(t, { dropoff: { hours: 'Mo-Su 21:00-06:00' } })).slug
  await uploadFeed(t, slug)
  const driver = (vehicle: string) => createToken(t, slug, { role: 'driver', label: vehicle, vehicle })
  const ask = async (trip: string, lon: number, extra: Record<string, unknown> = {}) => {
    const res = await t.request(`/v1/networks/${slug}/dropoffs`, { method: 'POST', json: { trip_id: trip, location: at(lon), ...extra } })
    const body = (await res.json()) as { id: string; access_token: string }
    expect(res.status, JSON.stringify(body)).toBe(201)
    return body
  }
  return { slug, driver, ask }
}

const report = (token: string, body: Record<string, unknown>) => t.request('/v1/driver/position', { method: 'POST', token, json: body })
const decide = (token: string, id: string, decision: 'accept' | 'decline' | 'done') =>
  t.request(`/v1/driver/dropoffs/${id}/${decision}`, {
    method: 'POST',
    token,
    ...(decision === 'decline' ? { json: { reason: 'other' } } : {}),
  })
const statusOf = async (id: string) => (await t.db.sql<{ status: string }[]>`select status from dropoffs where id = ${id}`)[0]!.status
const feed = async (token: string) =>
  (await (await t.request('/v1/driver/feed', { token, headers: { accept: 'application/json' } })).json()) as { id: string }[]

async function expectNotYourTrip(res: Response) {
  const p = (await res.json()) as { code: string; detail: string }
  expect(res.status, JSON.stringify(p)).toBe(403)
  expect(p.code).toBe('not_your_trip')
}

describe('a trip belongs to the vehicle that runs it', () => {
  it("refuses a claim on another bus's active trip, and decisions on a trip the vehicle does not hold", async () => {
    const n = await network()
    const a = await n.driver('bus-a')
    const b = await n.driver('bus-b')
    expect((await report(a, { ...at(7.3), trip_id: 'TR1' })).status).toBe(204)
    const r = await n.ask('TR1', 7.32)

    // B holds no trip yet, then another one: neither lets it touch TR1.
    for (const d of ['accept', 'decline', 'done'] as const) await expectNotYourTrip(await decide(b, r.id, d))
    await expectNotYourTrip(await report(b, { ...at(7.3), trip_id: 'TR1' }))
    expect((await report(b, { ...at(7.3), trip_id: 'TR1b' })).status).toBe(204)
    await expectNotYourTrip(await report(b, { ...at(7.34), trip_id: 'TR1' }))
    for (const d of ['accept', 'decline', 'done'] as const) await expectNotYourTrip(await decide(b, r.id, d))
    expect(await statusOf(r.id)).toBe('pending')
    expect((await feed(b)).map((x) => x.id)).not.toContain(r.id)

    // The refused claim changed nothing: A still holds TR1, with its position.
    const rows = await t.db.sql`select vehicle, trip_id from vehicle_positions v join networks n on n.id = v.network_id
                                where n.slug = ${n.slug} order by vehicle`
    expect(rows.map((x) => [x.vehicle, x.trip_id])).toEqual([
      ['bus-a', 'TR1'],
      ['bus-b', 'TR1b'],
    ])

    // The legitimate flow still works.
    expect((await feed(a)).map((x) => x.id)).toEqual([r.id])
    expect((await decide(a, r.id, 'accept')).status).toBe(200)
    expect((await decide(a, r.id, 'done')).status).toBe(200)
    expect(await statusOf(r.id)).toBe('done')
  })

  it('lets another vehicle take over a trip whose holder has been silent for more than 10 minutes', async () => {
    const n = await network()
    const a = await n.driver('bus-a')
    const b = await n.driver('bus-b')
    expect((await report(a, { ...at(7.3), trip_id: 'TR1' })).status).toBe(204)
    const r = await n.ask('TR1', 7.32)
    later(9 * 60)
    await expectNotYourTrip(await report(b, { ...at(7.3), trip_id: 'TR1' }))
    later(2 * 60)
    expect((await report(b, { ...at(7.3), trip_id: 'TR1' })).status).toBe(204)
    expect((await feed(b)).map((x) => x.id)).toEqual([r.id])
    expect(await feed(a)).toEqual([])
    await expectNotYourTrip(await decide(a, r.id, 'decline'))
    // A, back, cannot take it back while B reports.
    await expectNotYourTrip(await report(a, { ...at(7.3), trip_id: 'TR1' }))
    expect((await decide(b, r.id, 'accept')).status).toBe(200)
  })

  it('gives a trip to one of two vehicles claiming it at once', async () => {
    const n = await network()
    const [c, d] = await Promise.all([n.driver('bus-c'), n.driver('bus-d')])
    const answers = await Promise.all([c, d].map((tok) => report(tok, { ...at(7.3), trip_id: 'TR1' })))
    expect(answers.map((r) => r.status).sort()).toEqual([204, 403])
  })
})

describe('a position expires only what it proves passed', () => {
  it('a first position at the end of the line expires nothing', async () => {
    const n = await network()
    const r = await n.ask('TR1', 7.32, { rider_position: at(7.3) })
    const bus = await n.driver('bus-end')
    expect((await report(bus, { ...at(7.34), trip_id: 'TR1' })).status).toBe(204)
    expect(await statusOf(r.id)).toBe('pending')
  })

  it('a jump to the end of the line expires nothing; the bus then reported where it is is believed', async () => {
    const n = await network()
    const bus = await n.driver('bus-jump')
    expect((await report(bus, { ...at(7.3), trip_id: 'TR1' })).status).toBe(204)
    const r = await n.ask('TR1', 7.32)
    later(5)
    expect((await report(bus, at(7.34))).status).toBe(204)
    expect(await statusOf(r.id)).toBe('pending')
    // The glitch did not move the bus: its next true position is still behind the request.
    later(5)
    expect((await report(bus, at(7.301))).status).toBe(204)
    expect(await statusOf(r.id)).toBe('pending')
    const [v] = await t.db.sql`select along_m from vehicle_positions where vehicle = 'bus-jump'`
    expect(v!.along_m).toBeLessThan(200)
  })

  it('a position far off the route expires nothing', async () => {
    const n = await network()
    const bus = await n.driver('bus-off')
    expect((await report(bus, { ...at(7.3), trip_id: 'TR1' })).status).toBe(204)
    const r = await n.ask('TR1', 7.315)
    later(60)
    // About 1.1 km north of the street, level with a point past the request.
    expect((await report(bus, at(7.33, LAT + 0.01))).status).toBe(204)
    expect(await statusOf(r.id)).toBe('pending')
  })

  it('a bus that truly goes past a request expires it, and only it', async () => {
    const n = await network()
    const bus = await n.driver('bus-true')
    expect((await report(bus, { ...at(7.3), trip_id: 'TR1' })).status).toBe(204)
    const passed = await n.ask('TR1', 7.31)
    const ahead = await n.ask('TR1', 7.325)
    for (const lon of [7.304, 7.308, 7.312]) {
      later(30)
      expect((await report(bus, at(lon))).status).toBe(204)
    }
    expect(await statusOf(passed.id)).toBe('expired')
    expect(await statusOf(ahead.id)).toBe('pending')
    // After long enough, a longer stretch without reports is believable too.
    later(3 * 60)
    expect((await report(bus, at(7.33))).status).toBe(204)
    expect(await statusOf(ahead.id)).toBe('expired')
  })
})
