import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import { drainOutbox } from '../../src/notify/dispatcher.ts'
import { recordingPush } from '../../src/notify/ports.ts'
import { activePlace, subscription } from '../alerts/fixtures.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { LAT, uploadFeed } from '../transit/feed.ts'

// Who may be pushed to: every surface that takes a push subscription refuses what is
// not a public https push service, and an endpoint stays with the owner who gave it.

// Friday 22:00 in Paris: TR1 runs 22:10-22:14 every day and drop-offs are open. Every
// case moves a day on, so the per-address limits of 10 minutes never add up.
let now = new Date('2026-11-20T21:00:00Z')
const clock = { now: () => now }
const nextDay = () => {
  now = new Date(now.getTime() + 86_400_000)
}
const log = createLogger('silent', () => {})
let t: TestApp
let slug: string
let operator: string
let bus: string
let partner: string
const here = { lat: LAT, lon: 7.321 }

beforeAll(async () => {
  t = await testApp({ clock, env: { HALTE_PUSH_ALLOWED_HOSTS: 'localhost:9443' } })
  ;({ slug } = await createNetwork(t, { dropoff: { hours: 'Mo-Su 21:00-06:00' } }))
  await uploadFeed(t, slug)
  operator = await createToken(t, slug, { role: 'operator', label: 'CSU' })
  bus = await createToken(t, slug, { role: 'driver', label: 'bus', vehicle: 'bus-1' })
  partner = (await activePlace(t, slug, operator, { lat: LAT, lon: 7.3215 })).token
})
afterAll(() => t?.close())

const alert = (push_subscription: unknown) =>
  t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: here, push_subscription } })
const partnerSubscribes = (sub: unknown) => t.request('/v1/partner/push-subscriptions', { method: 'POST', token: partner, json: sub })
const operatorSubscribes = (sub: unknown, token = operator) =>
  t.request(`/v1/networks/${slug}/push-subscriptions`, { method: 'POST', token, json: sub })
async function dropoff(push_subscription: unknown) {
  // The bus reports where it is first, as it does every few seconds on the road.
  const pos = await t.request('/v1/driver/position', { method: 'POST', token: bus, json: { lat: LAT, lon: 7.3, trip_id: 'TR1' } })
  expect(pos.status).toBe(204)
  return t.request(`/v1/networks/${slug}/dropoffs`, { method: 'POST', json: { trip_id: 'TR1', location: { lat: LAT, lon: 7.32 }, push_subscription } })
}

const surfaces = { alert, partner: partnerSubscribes, operator: (sub: unknown) => operatorSubscribes(sub), dropoff }

const counts = async () => {
  const [row] = await t.db.sql<{ subs: number; alerts: number; dropoffs: number }[]>`
    select (select count(*)::int from push_subscriptions) as subs, (select count(*)::int from alerts) as alerts,
      (select count(*)::int from dropoffs) as dropoffs`
  return row!
}

const REFUSED: [string, string][] = [
  ['https://127.0.0.1/x', 'loopback'],
  ['https://localhost/x', 'localhost'],
  ['https://localhost./x', 'localhost with a trailing dot'],
  ['https://a.localhost/x', 'a name under localhost'],
  ['https://[::1]/x', 'IPv6 loopback'],
  ['https://0x7f000001/x', 'loopback in hexadecimal'],
  ['https://2130706433/x', 'loopback as one number'],
  ['https://0177.0.0.1/x', 'loopback in octal'],
  ['https://%31%32%37.0.0.1/x', 'loopback percent-encoded'],
  ['https://169.254.169.254/x', 'cloud metadata (link-local)'],
  ['https://10.0.0.1/x', 'private'],
  ['https://192.168.1.1/x', 'private'],
  ['https://100.64.0.1/x', 'carrier-grade NAT'],
  ['https://[::ffff:127.0.0.1]/x', 'IPv4-mapped loopback'],
  ['https://[::ffff:a9fe:a9fe]/x', 'IPv4-mapped metadata address'],
  ['https://[fd00::1]/x', 'IPv6 unique local'],
  ['https://[fe80::1]/x', 'IPv6 link-local'],
  ['https://0.0.0.0/x', 'unspecified'],
  ['https://metadata/x', 'a single-label name'],
  ['https://metadata.google.internal/x', 'a private-use name'],
  ['https://printer.local/x', 'an mDNS name'],
  ['https://user:pass@push.example.com/x', 'credentials'],
  ['https://user@push.example.com/x', 'a user name'],
  ['http://push.example.com/x', 'plain http'],
  ['https://push.example.com:8443/x', 'a non-default port'],
  ['https://localhost:9444/x', 'a port other than the allowed one'],
  ['https://user:pass@localhost:9443/x', 'credentials to the allowed host'],
  ['http://localhost:9443/x', 'plain http to the allowed host'],
]

describe('push endpoints', () => {
  for (const [endpoint, what] of REFUSED) {
    it(`refuses ${what}: ${endpoint}, on every surface, storing nothing`, async () => {
      nextDay()
      const before = await counts()
      for (const [surface, post] of Object.entries(surfaces)) {
        const res = await post(subscription(endpoint))
        const body = (await res.json()) as { code: string; detail: string }
        expect(res.status, `${surface}: ${JSON.stringify(body)}`).toBe(400)
        expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/)
        expect(body.code, surface).toBe('invalid_push_endpoint')
        expect(body.detail).toMatch(/^Adresse de notification refusée : /)
      }
      expect(await counts()).toEqual(before)
    })
  }

  for (const endpoint of [
    'https://fcm.googleapis.com/fcm/send/abc',
    'https://updates.push.services.mozilla.com/wpush/v2/abc',
    'https://web.push.apple.com/QGx',
    'https://push.example.com:443/x',
    'https://8.8.8.8/x',
    'https://[2a00:1450:4007:80a::200a]/x',
    // Named in HALTE_PUSH_ALLOWED_HOSTS, as a staging push service would be.
    'https://localhost:9443/x',
  ]) {
    it(`accepts ${endpoint} on every surface`, async () => {
      nextDay()
      for (const [surface, post] of Object.entries(surfaces)) {
        const mine = `${endpoint}-${surface}-${randomBytes(4).toString('hex')}`
        const res = await post(subscription(mine))
        expect(res.status, `${surface}: ${await res.clone().text()}`).toBe(201)
        const [row] = await t.db.sql`select count(*)::int as n from push_subscriptions where endpoint = ${new URL(mine).href}
          or endpoint = ${mine}`
        expect(row!.n, surface).toBe(1)
      }
    })
  }

  it("an alert posted with an operator's endpoint gets its own row: the operator still hears of the next alert", async () => {
    nextDay()
    const e = subscription(`https://fcm.googleapis.com/fcm/send/op-${randomBytes(6).toString('hex')}`)
    expect((await operatorSubscribes(e)).status).toBe(201)
    const [before] = await t.db.sql`select id, owner, token_id, alert_id, p256dh, auth from push_subscriptions where endpoint = ${e.endpoint}`
    expect(before).toMatchObject({ owner: 'operator', alert_id: null })

    // Someone who learnt the endpoint posts an alert with it, with keys of their own.
    const first = await alert(subscription(e.endpoint))
    expect(first.status).toBe(201)
    const { id: firstId } = (await first.json()) as { id: string }
    const rows = await t.db.sql`select id, owner, token_id, alert_id, p256dh, auth from push_subscriptions
      where endpoint = ${e.endpoint} order by owner`
    expect(rows).toHaveLength(2)
    expect(rows.find((r) => r.owner === 'operator')).toEqual(before)
    expect(rows.find((r) => r.owner === 'alert')).toMatchObject({ alert_id: firstId, token_id: null })

    nextDay()
    const second = await alert(undefined)
    expect(second.status).toBe(201)
    const { id: secondId } = (await second.json()) as { id: string }
    const push = recordingPush()
    await drainOutbox({ sql: t.db.sql, clock, log, push: push.sender })
    const heard = push.sent.filter((s) => s.target.endpoint === e.endpoint).map((s) => JSON.parse(s.payload))
    expect(heard).toContainEqual(expect.objectContaining({ alert_id: secondId, audience: 'operator' }))
    // Sent with the operator's own keys, never the ones the alert came with.
    expect(push.sent.filter((s) => s.target.endpoint === e.endpoint && JSON.parse(s.payload).alert_id === secondId).map((s) => s.target.keys)).toEqual([
      { p256dh: before!.p256dh, auth: before!.auth },
    ])
  })

  it('the same browser subscribing again for the same owner refreshes its keys, without a second row', async () => {
    nextDay()
    const endpoint = `https://updates.push.services.mozilla.com/wpush/v2/${randomBytes(6).toString('hex')}`
    expect((await partnerSubscribes(subscription(endpoint))).status).toBe(201)
    const again = subscription(endpoint)
    expect((await partnerSubscribes(again)).status).toBe(201)
    const rows = await t.db.sql`select p256dh, auth from push_subscriptions where endpoint = ${endpoint}`
    expect(rows).toEqual([again.keys])
  })

  it('beyond 10 subscriptions of one owner, the one least recently subscribed is let go', async () => {
    nextDay()
    const place = await activePlace(t, slug, operator, { lat: LAT, lon: 7.3225 })
    const token = await createToken(t, slug, { role: 'operator', label: 'night shift' })
    const owners = {
      partner: {
        post: (sub: unknown) => t.request('/v1/partner/push-subscriptions', { method: 'POST', token: place.token, json: sub }),
        rows: () => t.db.sql`select endpoint from push_subscriptions where owner = 'place' and place_id = ${place.id}`,
      },
      operator: {
        post: (sub: unknown) => operatorSubscribes(sub, token),
        rows: () => t.db.sql`select s.endpoint from push_subscriptions s join tokens k on k.id = s.token_id
          where s.owner = 'operator' and k.label = 'night shift'`,
      },
    }
    for (const [who, o] of Object.entries(owners)) {
      const endpoints = Array.from({ length: 11 }, (_, i) => `https://fcm.googleapis.com/fcm/send/${who}-${i}-${randomBytes(4).toString('hex')}`)
      for (const endpoint of endpoints) {
        now = new Date(now.getTime() + 1000)
        const res = await o.post(subscription(endpoint))
        expect(res.status, `${who}: ${await res.clone().text()}`).toBe(201)
      }
      const kept = (await o.rows()).map((r) => r.endpoint as string).sort()
      expect(kept, who).toEqual(endpoints.slice(1).sort())
      // Subscribing an old one again makes it the newest: the next oldest goes.
      now = new Date(now.getTime() + 1000)
      expect((await o.post(subscription(endpoints[0]!))).status).toBe(201)
      const after = (await o.rows()).map((r) => r.endpoint as string).sort()
      expect(after, who).toEqual([endpoints[0]!, ...endpoints.slice(2)].sort())
    }
  })
})
