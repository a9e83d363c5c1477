import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { activePlace, readSse, subscription } from './fixtures.ts'

// 2026-11-24 is a Tuesday; 23:00 in Besançon, when day shops are closed.
const NOW = new Date('2026-11-24T23:00:00+01:00')
let t: TestApp
let operator: string
let otherOperator: string
const here = { lat: 47.2388, lon: 6.0243 }
let near: { id: string; token: string }
let nearClosed: { id: string; token: string }
let far: { id: string; token: string }

beforeAll(async () => {
  t = await testApp({ clock: { now: () => NOW } })
  await createNetwork(t, { slug: 'besancon', alert_radius_m: 500 })
  await createNetwork(t, { slug: 'dole' })
  operator = await createToken(t, 'besancon', { role: 'operator', label: 'CSU' })
  otherOperator = await createToken(t, 'dole', { role: 'operator', label: 'CSU Dole' })
  near = await activePlace(t, 'besancon', operator, { ...here, lat: here.lat + 0.001, name: 'Bar de nuit' })
  nearClosed = await activePlace(t, 'besancon', operator, { ...here, lon: here.lon + 0.001, name: 'Librairie', hours: 'Mo-Sa 09:00-19:00' })
  far = await activePlace(t, 'besancon', operator, { lat: here.lat + 0.02, lon: here.lon, name: 'Hôtel loin' })
  for (const p of [near, nearClosed, far]) {
    const r = await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: p.token, json: subscription() })
    expect(r.status).toBe(201)
  }
  const r = await t.request('/v1/networks/besancon/push-subscriptions', { method: 'POST', token: operator, json: subscription() })
  expect(r.status).toBe(201)
})
afterAll(() => t?.close())

type Created = { id: string; status: string; access_token: string; nearest: { properties: Record<string, unknown> }[]; emergency: Record<string, string>; code?: string }

const raise = async (body: Record<string, unknown> = { location: here }, headers: Record<string, string> = {}, peer?: string) => {
  // Each call from its own address unless told: the per-address limit is tested on its own.
  const from = peer ?? `198.51.100.${Math.floor(Math.random() * 250)}`
  const res = await t.request('/v1/networks/besancon/alerts', { method: 'POST', json: body, headers, peer: from })
  return { res, body: (await res.json()) as Created }
}

describe('raising an alert', () => {
  it('is stored before the answer, which carries the nearest open refuges and 17/112/114', async () => {
    const { res, body } = await raise({ location: { ...here, accuracy_m: 20 }, message: 'suivie' })
    expect(res.status).toBe(201)
    expect(body.status).toBe('open')
    expect(body.access_token).toMatch(/^alert_/)
    expect(body.emergency).toEqual({ police: '17', eu: '112', sms: '114' })
    expect(body.nearest.length).toBeLessThanOrEqual(3)
    const ids = body.nearest.map((f) => f.properties.id)
    expect(ids[0]).toBe(near.id)
    expect(ids).not.toContain(nearClosed.id)
    expect(body.nearest.every((f) => f.properties.open_now === true)).toBe(true)
    const [row] = await t.db.sql`select status, access_token_hash, message from alerts where id = ${body.id}`
    expect(row!.status).toBe('open')
    expect(row!.access_token_hash).not.toContain(body.access_token)
    expect(row!.access_token_hash).toHaveLength(64)
  })

  it('fans out in the same transaction: open partners within the radius and operators, nobody else', async () => {
    const { body } = await raise()
    const rows = await t.db.sql<{ owner: string; place_id: string | null; audience: string }[]>`
      select s.owner, s.place_id, o.payload->>'audience' as audience
      from outbox o join push_subscriptions s on s.id = o.subscription_id where o.alert_id = ${body.id}`
    expect(rows.filter((r) => r.owner === 'place').map((r) => r.place_id)).toEqual([near.id])
    expect(rows.filter((r) => r.owner === 'operator')).toHaveLength(1)
    const [recipients] = await t.db.sql`select count(*)::int as n from alert_recipients where alert_id = ${body.id}`
    expect(recipients!.n).toBe(1)
    const [partnerMsg] = await t.db.sql`select payload from outbox o join push_subscriptions s on s.id = o.subscription_id
      where o.alert_id = ${body.id} and s.owner = 'place'`
    expect(partnerMsg!.payload.message).toBeUndefined()
  })

  it('Idempotency-Key: same body → same alert and token; another body → 409', async () => {
    const headers = { 'Idempotency-Key': 'key-0123456789' }
    const a = await raise({ location: here, message: 'x' }, headers)
    const b = await raise({ message: 'x', location: here }, headers)
    expect(a.res.status).toBe(201)
    expect(b.res.status).toBe(201)
    expect(b.res.headers.get('idempotent-replayed')).toBe('true')
    expect(b.body.id).toBe(a.body.id)
    expect(b.body.access_token).toBe(a.body.access_token)
    const [n] = await t.db.sql`select count(*)::int as n from outbox where alert_id = ${a.body.id}`
    expect(n!.n).toBe(2)
    const c = await raise({ location: here, message: 'autre' }, headers)
    expect(c.res.status).toBe(409)
    expect(c.body.code).toBe('idempotency_key_reused')
  })

  // The embedded database's socket server interleaves concurrent clients' extended-protocol
  // messages ("portal does not exist"); concurrency is asserted on PostgreSQL only.
  it.skipIf(!process.env.DATABASE_URL)('concurrent requests with one key create one alert', async () => {
    const headers = { 'Idempotency-Key': 'key-concurrent-1' }
    const answers = await Promise.all([1, 2, 3].map(() => raise({ location: here }, headers)))
    expect(answers.map((a) => a.res.status)).toEqual([201, 201, 201])
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1)
  })

  it('refuses bad input with 400 and never stores it', async () => {
    const before = await t.db.sql`select count(*)::int as n from alerts`
    for (const bad of [
      {},
      { location: { lat: 95, lon: 6 } },
      { location: here, message: 'x'.repeat(501) },
      { location: here, push_subscription: { ...subscription(), endpoint: 'not a url' } },
      { location: here, push_subscription: { ...subscription(), keys: { p256dh: 'AAAA', auth: 'AAAA' } } },
      { location: here, extra: 1 },
    ]) {
      const { res, body } = await raise(bad as Record<string, unknown>)
      expect(res.status).toBe(400)
      expect(body.code).toBe('validation_failed')
    }
    expect((await raise({ location: here }, { 'Idempotency-Key': 'short' })).res.status).toBe(400)
    const after = await t.db.sql`select count(*)::int as n from alerts`
    expect(after[0]!.n).toBe(before[0]!.n)
    expect((await t.request('/v1/networks/nowhere/alerts', { method: 'POST', json: { location: here } })).status).toBe(404)
  })

  it('rate-limits one address with 429, Retry-After and the emergency numbers', async () => {
    let last: Awaited<ReturnType<typeof raise>> | undefined
    for (let i = 0; i < 21; i++) last = await raise({ location: here }, {}, '203.0.113.9')
    expect(last!.res.status).toBe(429)
    expect(Number(last!.res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((last!.body as unknown as { emergency: unknown }).emergency).toEqual({ police: '17', eu: '112', sms: '114' })
    expect(last!.body.code).toBe('rate_limited')
    expect((await raise({ location: here }, {}, '203.0.113.10')).res.status).toBe(201)
  })
})

describe('lifecycle', () => {
  it('requester reads with its token; others cannot', async () => {
    const { body } = await raise()
    const mine = await t.request(`/v1/alerts/${body.id}`, { headers: { 'X-Access-Token': body.access_token } })
    expect(mine.status).toBe(200)
    expect(((await mine.json()) as { events: unknown[] }).events).toHaveLength(1)
    expect((await t.request(`/v1/alerts/${body.id}`, { headers: { 'X-Access-Token': 'alert_wrong' } })).status).toBe(403)
    expect((await t.request(`/v1/alerts/${body.id}`)).status).toBe(401)
    expect((await t.request(`/v1/alerts/${body.id}`, { token: otherOperator })).status).toBe(403)
    expect((await t.request(`/v1/alerts/${crypto.randomUUID()}`, { token: operator })).status).toBe(404)
  })

  it('operator reads are audit-logged', async () => {
    const { body } = await raise()
    expect((await t.request(`/v1/alerts/${body.id}`, { token: operator })).status).toBe(200)
    const rows = await t.db.sql`select actor_role, what from alert_reads where alert_id = ${body.id}`
    expect(rows).toEqual([{ actor_role: 'operator', what: 'alert' }])
  })

  it('a notified partner acknowledges, the operator resolves; each step recorded with who and when', async () => {
    const sub = subscription()
    const { body } = await raise({ location: here, push_subscription: sub })
    const ack = await t.request(`/v1/alerts/${body.id}/acknowledge`, { method: 'POST', token: near.token })
    expect(ack.status).toBe(200)
    expect(((await ack.json()) as { status: string }).status).toBe('acknowledged')
    const res = await t.request(`/v1/alerts/${body.id}/resolve`, { method: 'POST', token: operator, json: { note: 'pris en charge' } })
    expect(res.status).toBe(200)
    const alert = (await res.json()) as { status: string; events: { kind: string; by: string; place_id: string | null; at: string }[] }
    expect(alert.status).toBe('resolved')
    expect(alert.events.map((e) => [e.kind, e.by])).toEqual([
      ['created', 'public'],
      ['acknowledged', 'partner'],
      ['resolved', 'operator'],
    ])
    expect(alert.events[1]!.place_id).toBe(near.id)
    expect(alert.events[2]!.at).toBe('2026-11-24T23:00:00+01:00')
    // The requester's own subscription hears of each change.
    const [n] = await t.db.sql`select count(*)::int as n from outbox o join push_subscriptions s on s.id = o.subscription_id
      where o.alert_id = ${body.id} and s.owner = 'alert'`
    expect(n!.n).toBe(2)
    const again = await t.request(`/v1/alerts/${body.id}/resolve`, { method: 'POST', token: operator })
    expect(again.status).toBe(409)
    expect(((await again.json()) as { code: string }).code).toBe('invalid_transition')
  })

  it('a partner that was not notified cannot acknowledge', async () => {
    const { body } = await raise()
    const res = await t.request(`/v1/alerts/${body.id}/acknowledge`, { method: 'POST', token: far.token })
    expect(res.status).toBe(403)
    expect((await t.request(`/v1/alerts/${body.id}/acknowledge`, { method: 'POST', token: otherOperator })).status).toBe(403)
  })

  it('resolve can mark a false alarm', async () => {
    const { body } = await raise()
    const res = await t.request(`/v1/alerts/${body.id}/resolve`, { method: 'POST', token: operator, json: { false_alarm: true } })
    expect(((await res.json()) as { status: string }).status).toBe('false_alarm')
  })

  it('the requester cancels with its token; operators and partners cannot cancel', async () => {
    const { body } = await raise()
    expect((await t.request(`/v1/alerts/${body.id}/cancel`, { method: 'POST', token: operator })).status).toBe(403)
    const res = await t.request(`/v1/alerts/${body.id}/cancel`, { method: 'POST', headers: { 'X-Access-Token': body.access_token } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { status: string }).status).toBe('cancelled')
    const again = await t.request(`/v1/alerts/${body.id}/cancel`, { method: 'POST', headers: { 'X-Access-Token': body.access_token } })
    expect(again.status).toBe(409)
  })
})

describe('operators', () => {
  it('list by status, own network only', async () => {
    const { body } = await raise()
    const res = await t.request('/v1/networks/besancon/alerts?status=open', { token: operator })
    expect(res.status).toBe(200)
    const list = (await res.json()) as { alerts: { id: string; status: string }[] }
    expect(list.alerts.map((a) => a.id)).toContain(body.id)
    expect(list.alerts.every((a) => a.status === 'open')).toBe(true)
    expect((await t.request('/v1/networks/besancon/alerts', { token: otherOperator })).status).toBe(403)
    expect((await t.request('/v1/networks/besancon/alerts')).status).toBe(401)
    expect((await t.request('/v1/networks/besancon/alerts', { token: near.token })).status).toBe(403)
    expect((await t.request('/v1/networks/besancon/alerts?status=lost', { token: operator })).status).toBe(400)
  })

  type AlertEvent = { event: string; alert: { id: string } }
  it('stream live alerts and resume from Last-Event-ID', async () => {
    const res = await t.request('/v1/networks/besancon/alerts/stream', { token: operator })
    expect(res.status).toBe(200)
    const reading = readSse<AlertEvent>(res, 1000, 1500)
    await new Promise((r) => setTimeout(r, 200))
    const { body } = await raise()
    await t.request(`/v1/alerts/${body.id}/acknowledge`, { method: 'POST', token: operator })
    const events = await reading
    const mine = events.filter((e) => e.data.alert.id === body.id)
    expect(mine.map((e) => e.data.event)).toEqual(['created', 'acknowledged'])
    expect(mine.every((e) => e.event === 'alert')).toBe(true)
    const resumed = await t.request('/v1/networks/besancon/alerts/stream', { token: operator, headers: { 'Last-Event-ID': mine[0]!.id } })
    const after = await readSse<AlertEvent>(resumed, 1, 2000)
    expect(after[0]!.data.alert.id).toBe(body.id)
    expect(after[0]!.data.event).toBe('acknowledged')
    expect((await t.request('/v1/networks/besancon/alerts/stream', { token: otherOperator })).status).toBe(403)
  })
})
