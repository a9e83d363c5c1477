import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace, readSse, subscription } from '../alerts/fixtures.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// Finding 5 (what a partner sees, and who is audited) and finding 13 (streams).
const here = { lat: 47.2388, lon: 6.0243 }
let t: TestApp
let operator: string
let partner: { id: string; token: string }

beforeAll(async () => {
  t = await testApp()
  await createNetwork(t, { slug: 'besancon', alert_radius_m: 500 })
  operator = await createToken(t, 'besancon', { role: 'operator', label: 'CSU' })
  partner = await activePlace(t, 'besancon', operator, { lat: here.lat + 0.001, lon: here.lon, name: 'Bar de nuit' })
  const sub = await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: partner.token, json: subscription() })
  expect(sub.status).toBe(201)
})
afterAll(() => t?.close())

const raise = async (message: string) => {
  const res = await t.request('/v1/networks/besancon/alerts', { method: 'POST', json: { location: { ...here, accuracy_m: 5 }, message } })
  expect(res.status).toBe(201)
  return ((await res.json()) as { id: string }).id
}

describe('a notified partner', () => {
  it('acknowledges and resolves, and gets roughly where and when, never the message or the exact point', async () => {
    const id = await raise('il me suit, manteau rouge')
    for (const action of ['acknowledge', 'resolve']) {
      const res = await t.request(`/v1/alerts/${id}/${action}`, { method: 'POST', token: partner.token })
      expect(res.status).toBe(200)
      const text = await res.text()
      expect(text).not.toContain('manteau')
      const body = JSON.parse(text) as Record<string, unknown> & { approximate_location: { lat: number; lon: number }; distance_m: number }
      expect(body).not.toHaveProperty('message')
      expect(body).not.toHaveProperty('location')
      expect(body.approximate_location).toEqual({ lat: 47.239, lon: 6.024 })
      expect(body.distance_m % 50).toBe(0)
      expect(body.distance_m).toBeGreaterThan(50)
      expect(body.distance_m).toBeLessThan(200)
      for (const e of body.events as Record<string, unknown>[]) expect(Object.keys(e).sort()).toEqual(['at', 'kind', 'to'])
    }
  })

  it('is told of the alert by a push without the message and with a coarse point', async () => {
    const id = await raise('appelez ma soeur')
    const rows = await t.db.sql<{ payload: Record<string, unknown> }[]>`
      select payload from outbox where alert_id = ${id} and channel = 'push' and payload->>'audience' = 'partner'`
    expect(rows.length).toBe(1)
    expect(JSON.stringify(rows[0]!.payload)).not.toContain('soeur')
    expect(rows[0]!.payload.location).toEqual({ lat: 47.239, lon: 6.024, accuracy_m: null })
  })

  it('every action by someone other than the requester is audited, with who did it', async () => {
    const id = await raise('aide')
    expect((await t.request(`/v1/alerts/${id}/acknowledge`, { method: 'POST', token: partner.token })).status).toBe(200)
    expect((await t.request(`/v1/alerts/${id}/resolve`, { method: 'POST', token: operator })).status).toBe(200)
    const audit = await t.db.sql<{ actor_role: string; what: string; actor_token_id: string | null }[]>`
      select actor_role, what, actor_token_id from alert_reads where alert_id = ${id} order by at, id`
    expect(audit.map((a) => `${a.actor_role}:${a.what}`)).toEqual(['partner:acknowledge', 'operator:resolve'])
    expect(audit.every((a) => a.actor_token_id !== null)).toBe(true)
  })
})

describe('operator streams', () => {
  it('refuse a bad Last-Event-ID with a 400, not an empty stream', async () => {
    const res = await t.request('/v1/networks/besancon/alerts/stream', { token: operator, headers: { 'Last-Event-ID': 'abc' } })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { code: string }).code).toBe('validation_failed')
  })

  it('are capped per token, and a closed stream frees its place', async () => {
    const open: Response[] = []
    for (let i = 0; i < 5; i++) {
      const res = await t.request('/v1/networks/besancon/alerts/stream', { token: operator })
      expect(res.status).toBe(200)
      open.push(res)
    }
    const sixth = await t.request('/v1/networks/besancon/alerts/stream', { token: operator })
    expect(sixth.status).toBe(429)
    expect(((await sixth.json()) as { code: string }).code).toBe('too_many_streams')
    // Another operator of the network is not held back by the first one's streams.
    const other = await createToken(t, 'besancon', { role: 'operator', label: 'CSU 2' })
    const theirs = await t.request('/v1/networks/besancon/alerts/stream', { token: other })
    expect(theirs.status).toBe(200)
    await theirs.body!.cancel()
    await open[0]!.body!.cancel()
    let again: Response | undefined
    for (let i = 0; i < 50 && again?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20))
      again = await t.request('/v1/networks/besancon/alerts/stream', { token: operator })
    }
    expect(again!.status).toBe(200)
    await Promise.all([again!, ...open.slice(1)].map((r) => r.body!.cancel()))
  })

  it('replay a bounded page at a time, and a new stream only the last day', async () => {
    const [{ n }] = (await t.db.sql`select count(*)::int as n from alert_events`) as unknown as [{ n: number }]
    // Old events (two days ago) are not replayed to a new stream.
    await t.db.sql`update alert_events set at = now() - interval '2 days'`
    const id = await raise('récent')
    const fresh = await readSse<{ alert: { id: string } }>(await t.request('/v1/networks/besancon/alerts/stream', { token: operator }), n + 1, 1500)
    expect(fresh.map((e) => e.data.alert.id)).toEqual([id])
    // Resuming from the start still delivers everything, page after page.
    const all = await readSse(await t.request('/v1/networks/besancon/alerts/stream', { token: operator, headers: { 'Last-Event-ID': '0' } }), n + 1, 3000)
    expect(all.length).toBe(n + 1)
  })
})

describe('driver streams', () => {
  it('refuse a malformed cursor with a 400, and are capped per token', async () => {
    const driver = await createToken(t, 'besancon', { role: 'driver', label: 'Bus 12', vehicle: '12' })
    for (const bad of ['abc', 'TR1:x', 'TR1:', ':12', 'TR1:1e3']) {
      const res = await t.request('/v1/driver/feed', { token: driver, headers: { 'Last-Event-ID': bad } })
      expect(res.status, bad).toBe(400)
    }
    const open: Response[] = []
    for (let i = 0; i < 3; i++) {
      const res = await t.request('/v1/driver/feed', { token: driver, headers: { 'Last-Event-ID': 'TR1:7' } })
      expect(res.status).toBe(200)
      open.push(res)
    }
    const fourth = await t.request('/v1/driver/feed', { token: driver })
    expect(fourth.status).toBe(429)
    expect(((await fourth.json()) as { code: string }).code).toBe('too_many_streams')
    await Promise.all(open.map((r) => r.body!.cancel()))
  })
})
