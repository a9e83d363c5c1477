import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace, readSse, subscription } from '../alerts/fixtures.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// The partner's screen: the alerts its place was told of, listed and live, in the partner
// view (roughly where and how far, never what the person wrote nor their exact point).
const NOW = new Date('2026-11-24T23:00:00+01:00') // a Tuesday night in Besançon
const here = { lat: 47.2388, lon: 6.0243 }
const farAway = { lat: 47.2588, lon: 6.0243 }
// Each alert a minute after the previous one, so that "newest first" means something.
let now = NOW
let t: TestApp
let operator: string
let near: { id: string; token: string }
let far: { id: string; token: string }

type PartnerAlert = {
  id: string
  status: string
  approximate_location: { lat: number; lon: number } | null
  distance_m: number | null
  events: { kind: string; to: string; at: string }[]
}
type StreamData = { event: string; to: string; at: string; alert: PartnerAlert }

const raise = async (where: { lat: number; lon: number }, message = 'il me suit, manteau rouge') => {
  const res = await t.request('/v1/networks/besancon/alerts', {
    method: 'POST',
    json: { location: { ...where, accuracy_m: 5 }, message },
    peer: `198.51.100.${Math.floor(Math.random() * 250)}`,
  })
  expect(res.status).toBe(201)
  now = new Date(now.getTime() + 60_000)
  return ((await res.json()) as { id: string }).id
}
const list = async (token?: string) => {
  const res = await t.request('/v1/partner/alerts', { token })
  return { res, body: (await res.json()) as { alerts: PartnerAlert[]; code?: string } }
}

beforeAll(async () => {
  t = await testApp({ clock: { now: () => now } })
  await createNetwork(t, { slug: 'besancon', alert_radius_m: 500 })
  operator = await createToken(t, 'besancon', { role: 'operator', label: 'CSU' })
  near = await activePlace(t, 'besancon', operator, { lat: here.lat + 0.001, lon: here.lon, name: 'Bar de nuit' })
  far = await activePlace(t, 'besancon', operator, { lat: farAway.lat + 0.001, lon: farAway.lon, name: 'Hôtel loin' })
  // Places are told of alerts by push: only a place with a subscription is a recipient.
  for (const p of [near, far]) {
    const r = await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: p.token, json: subscription() })
    expect(r.status).toBe(201)
  }
})
afterAll(() => t?.close())

describe('GET /v1/partner/alerts', () => {
  it('lists the alerts sent to my place, newest first, in the partner view only', async () => {
    const first = await raise(here)
    const second = await raise(here, 'appelez ma soeur')
    const elsewhere = await raise(farAway)
    const { res, body } = await list(near.token)
    expect(res.status).toBe(200)
    const text = JSON.stringify(body)
    expect(text).not.toContain('manteau')
    expect(text).not.toContain('soeur')
    const ids = body.alerts.map((a) => a.id)
    expect(ids).not.toContain(elsewhere)
    expect(ids.indexOf(second)).toBeLessThan(ids.indexOf(first))
    const a = body.alerts.find((x) => x.id === first)!
    expect(Object.keys(a).sort()).toEqual(['approximate_location', 'created_at', 'distance_m', 'events', 'id', 'status', 'updated_at'])
    expect(a.status).toBe('open')
    expect(a.approximate_location).toEqual({ lat: 47.239, lon: 6.024 })
    expect(a.distance_m! % 50).toBe(0)
    expect(a.distance_m).toBeGreaterThan(50)
    expect(a.distance_m).toBeLessThan(200)
    expect(a.events).toEqual([{ kind: 'created', to: 'open', at: '2026-11-24T23:00:00+01:00' }])
    // The other place was told only of the alert near it.
    expect((await list(far.token)).body.alerts.map((x) => x.id)).toEqual([elsewhere])
  })

  it('keeps to the last 7 days', async () => {
    const old = await raise(here)
    await t.db.sql`update alerts set created_at = created_at - interval '8 days' where id = ${old}`
    expect((await list(near.token)).body.alerts.map((x) => x.id)).not.toContain(old)
  })

  it('shows the acknowledgement my place made, which only a notified place may make', async () => {
    const id = await raise(here)
    const notNotified = await t.request(`/v1/alerts/${id}/acknowledge`, { method: 'POST', token: far.token })
    expect(notNotified.status).toBe(403)
    expect(((await notNotified.json()) as { code: string }).code).toBe('forbidden')
    const ack = await t.request(`/v1/alerts/${id}/acknowledge`, { method: 'POST', token: near.token })
    expect(ack.status).toBe(200)
    const view = (await ack.json()) as PartnerAlert & Record<string, unknown>
    expect(view.status).toBe('acknowledged')
    expect(view).not.toHaveProperty('message')
    expect(view).not.toHaveProperty('location')
    const listed = (await list(near.token)).body.alerts.find((x) => x.id === id)!
    expect(listed.status).toBe('acknowledged')
    expect(listed.events.map((e) => `${e.kind}:${e.to}`)).toEqual(['created:open', 'acknowledged:acknowledged'])
  })

  it('is for partners only: 401 without a token, 403 for every other role', async () => {
    const none = await list()
    expect(none.res.status).toBe(401)
    expect(none.body.code).toBe('unauthorized')
    const driver = await createToken(t, 'besancon', { role: 'driver', label: 'Bus 12', vehicle: '12' })
    for (const token of [operator, driver, ADMIN_TOKEN]) {
      const { res, body } = await list(token)
      expect(res.status).toBe(403)
      expect(body.code).toBe('forbidden')
    }
    expect((await list('not-a-token-at-all-0123456789')).res.status).toBe(401)
    expect((await t.request('/v1/partner/alerts?limit=0', { token: near.token })).status).toBe(400)
  })
})

describe('GET /v1/partner/alerts/stream', () => {
  it('streams the events of alerts sent to my place, resumes from Last-Event-ID, and skips escalations', async () => {
    const id = await raise(here, 'suivie rue des Granges')
    const other = await raise(farAway)
    await t.db.sql`insert into alert_events (alert_id, network_id, kind, from_status, to_status, actor_role, at)
                   select id, network_id, 'escalated', 'open', 'open', 'system', ${now} from alerts where id = ${id}`
    const res = await t.request('/v1/partner/alerts/stream', { token: near.token })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const events = await readSse<StreamData>(res, 100, 1500)
    const text = JSON.stringify(events)
    expect(text).not.toContain('Granges')
    expect(text).not.toContain('manteau')
    expect(events.some((e) => e.data.alert.id === other)).toBe(false)
    const mine = events.filter((e) => e.data.alert.id === id)
    expect(mine.map((e) => e.data.event)).toEqual(['created'])
    expect(mine[0]!.event).toBe('alert')
    expect(mine[0]!.data.alert.approximate_location).toEqual({ lat: 47.239, lon: 6.024 })
    expect(Object.keys(mine[0]!.data.alert)).not.toContain('location')
    const last = events.at(-1)!.id

    // Resumed from the last event: only what came after, live.
    const resumed = await t.request('/v1/partner/alerts/stream', { token: near.token, headers: { 'Last-Event-ID': last } })
    const ack = await t.request(`/v1/alerts/${id}/acknowledge`, { method: 'POST', token: operator })
    expect(ack.status).toBe(200)
    const after = await readSse<StreamData>(resumed, 1, 3000)
    expect(after.map((e) => [e.data.alert.id, e.data.event, e.data.to, e.data.alert.status])).toEqual([[id, 'acknowledged', 'acknowledged', 'acknowledged']])
    expect(Number(after[0]!.id)).toBeGreaterThan(Number(last))
  })

  it('tells a live stream of a new alert near my place', async () => {
    const res = await t.request('/v1/partner/alerts/stream', { token: far.token })
    const backlog = await readSse<StreamData>(res, 100, 800)
    const from = backlog.at(-1)?.id ?? '0'
    const live = await t.request('/v1/partner/alerts/stream', { token: far.token, headers: { 'Last-Event-ID': from } })
    const reading = readSse<StreamData>(live, 1, 3000)
    const id = await raise(farAway)
    const events = await reading
    expect(events.map((e) => [e.data.event, e.data.alert.id])).toEqual([['created', id]])
  })

  it('refuses other roles, a bad cursor, and more than 3 streams per token', async () => {
    const none = await t.request('/v1/partner/alerts/stream')
    expect(none.status).toBe(401)
    expect(((await none.json()) as { code: string }).code).toBe('unauthorized')
    const driver = await createToken(t, 'besancon', { role: 'driver', label: 'Bus 14', vehicle: '14' })
    for (const token of [operator, driver, ADMIN_TOKEN]) {
      const res = await t.request('/v1/partner/alerts/stream', { token })
      expect(res.status).toBe(403)
      expect(((await res.json()) as { code: string }).code).toBe('forbidden')
    }
    const bad = await t.request('/v1/partner/alerts/stream', { token: near.token, headers: { 'Last-Event-ID': 'abc' } })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { code: string }).code).toBe('validation_failed')
    const open: Response[] = []
    for (let i = 0; i < 3; i++) {
      const res = await t.request('/v1/partner/alerts/stream', { token: near.token })
      expect(res.status).toBe(200)
      open.push(res)
    }
    const fourth = await t.request('/v1/partner/alerts/stream', { token: near.token })
    expect(fourth.status).toBe(429)
    expect(((await fourth.json()) as { code: string }).code).toBe('too_many_streams')
    await Promise.all(open.map((r) => r.body!.cancel()))
  })

  it('both routes are in the OpenAPI document', async () => {
    const doc = (await (await t.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> }
    expect(doc.paths['/v1/partner/alerts']).toHaveProperty('get')
    expect(doc.paths['/v1/partner/alerts/stream']).toHaveProperty('get')
  })
})
