import webpush from 'web-push'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import { drainOutbox } from '../../src/notify/dispatcher.ts'
import { claimDue } from '../../src/notify/outbox.ts'
import { webPushSender } from '../../src/notify/web-push.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { type PushPeer, startPushPeer } from '../helpers/push-peer.ts'
import { activePlace } from './fixtures.ts'

// The real web-push library sending to a real local push service over TLS.
const vapid = webpush.generateVAPIDKeys()
let now = new Date('2026-11-24T23:00:00+01:00')
const clock = { now: () => now }
let t: TestApp
let peer: PushPeer
let operator: string
const here = { lat: 47.2388, lon: 6.0243 }
const log = createLogger('silent', () => {})

const drain = () =>
  drainOutbox({
    sql: t.db.sql,
    clock,
    log,
    push: webPushSender({ publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: 'mailto:csu@example.org', ca: peer.ca, allowedHosts: [peer.host] }),
    baseDelayMs: 1000,
    maxDelayMs: 8000,
    maxAttempts: 4,
  })

async function subscribedPartner(lat = here.lat + 0.001) {
  const place = await activePlace(t, 'besancon', operator, { lat, lon: here.lon })
  const sub = await peer.subscribe(vapid.publicKey)
  const res = await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: place.token, json: sub })
  expect(res.status).toBe(201)
  return { place, sub }
}

const raise = async () => {
  const res = await t.request('/v1/networks/besancon/alerts', { method: 'POST', json: { location: here, message: 'aidez-moi' } })
  expect(res.status).toBe(201)
  return (await res.json()) as { id: string }
}

const outboxOf = (alertId: string) =>
  t.db.sql<{ id: string; status: string; attempts: number; next_attempt_at: Date; subscription_id: string | null }[]>`
    select id::text, status, attempts, next_attempt_at, subscription_id from outbox where alert_id = ${alertId} order by id`

beforeAll(async () => {
  // The local push service is not a public host: it must be allowed by name and port.
  peer = await startPushPeer()
  t = await testApp({
    clock,
    env: { VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:csu@example.org', HALTE_PUSH_ALLOWED_HOSTS: peer.host },
  })
  await createNetwork(t, { slug: 'besancon' })
  operator = await createToken(t, 'besancon', { role: 'operator', label: 'CSU' })
})
// Each test starts with no subscription and nothing pending, whatever the last one left.
afterEach(async () => {
  await t.db.sql`delete from push_subscriptions`
  await t.db.sql`update outbox set status = 'dropped' where status = 'pending'`
  peer.failNext(0, 0)
  peer.setFault(null)
})
afterAll(async () => {
  await peer?.close()
  await t?.close()
})

describe('web push through the outbox', () => {
  it('publishes the VAPID public key', async () => {
    const res = await t.request('/v1/push/vapid-public-key')
    expect(await res.json()).toEqual({ key: vapid.publicKey })
  })

  it('a nearby partner and an operator receive the alert, decrypted by the push service, once', async () => {
    const { sub } = await subscribedPartner()
    const op = await peer.subscribe(vapid.publicKey)
    expect((await t.request('/v1/networks/besancon/push-subscriptions', { method: 'POST', token: operator, json: op })).status).toBe(201)
    const alert = await raise()
    expect(await drain()).toBe(2)
    const [partnerMsg] = (await peer.messages(sub.clientHash)).map((m) => JSON.parse(m))
    expect(partnerMsg).toMatchObject({ type: 'alert', alert_id: alert.id, audience: 'partner', location: { lat: Math.round(here.lat * 1000) / 1000, lon: Math.round(here.lon * 1000) / 1000 } })
    expect(partnerMsg.message).toBeUndefined()
    expect(partnerMsg.message_id).toMatch(/^halte-outbox-\d+$/)
    const [opMsg] = (await peer.messages(op.clientHash)).map((m) => JSON.parse(m))
    expect(opMsg).toMatchObject({ alert_id: alert.id, audience: 'operator', message: 'aidez-moi' })
    expect((await outboxOf(alert.id)).map((r) => r.status)).toEqual(['sent', 'sent'])
    // Nothing left: a second dispatcher pass sends nothing again.
    expect(await drain()).toBe(0)
    expect(await peer.messages(sub.clientHash)).toHaveLength(1)
  })

  it('410 from the push service removes the subscription and drops the message', async () => {
    const { sub } = await subscribedPartner()
    await peer.expire(sub.clientHash)
    const alert = await raise()
    await drain()
    const rows = await outboxOf(alert.id)
    const mine = rows.find((r) => r.status === 'dropped')
    expect(mine).toBeDefined()
    const [left] = await t.db.sql`select count(*)::int as n from push_subscriptions where endpoint = ${sub.endpoint}`
    expect(left!.n).toBe(0)
  })

  for (const status of [429, 500]) {
    it(`${status} is retried with backoff and delivered later`, async () => {
      const { sub } = await subscribedPartner()
      const alert = await raise()
      peer.failNext(status, 2)
      await drain()
      let [row] = await outboxOf(alert.id)
      expect(row!.status).toBe('pending')
      expect(row!.attempts).toBe(1)
      const firstDelay = row!.next_attempt_at.getTime() - now.getTime()
      expect(firstDelay).toBeGreaterThanOrEqual(750)
      expect(firstDelay).toBeLessThanOrEqual(1250)
      // Not due yet: nothing is sent.
      expect(await drain()).toBe(0)
      now = new Date(now.getTime() + 2000)
      await drain()
      ;[row] = await outboxOf(alert.id)
      expect(row!.attempts).toBe(2)
      const secondDelay = row!.next_attempt_at.getTime() - now.getTime()
      expect(secondDelay).toBeGreaterThanOrEqual(1500)
      now = new Date(now.getTime() + 10_000)
      await drain()
      ;[row] = await outboxOf(alert.id)
      expect(row!.status).toBe('sent')
      expect(await peer.messages(sub.clientHash)).toHaveLength(1)
    })
  }

  it('429 with Retry-After: the message waits at least as long as the push service asked', async () => {
    await subscribedPartner()
    const alert = await raise()
    peer.setFault({ status: 429, retryAfterS: 30 })
    await drain()
    peer.setFault(null)
    const [row] = await outboxOf(alert.id)
    expect(row!.status).toBe('pending')
    // The backoff alone would be about 1 s.
    expect(row!.next_attempt_at.getTime() - now.getTime()).toBeGreaterThanOrEqual(30_000)
    now = new Date(now.getTime() + 5000)
    expect(await drain()).toBe(0)
  })

  it('once the push service answers again, the messages waiting out its outage go at once', async () => {
    const { sub } = await subscribedPartner()
    peer.setFault({ status: 500 })
    const first = await raise()
    await drain()
    now = new Date(now.getTime() + 1500)
    await drain()
    const waiting = await outboxOf(first.id)
    expect(waiting.map((r) => [r.status, r.attempts])).toEqual([['pending', 2]])
    expect(waiting[0]!.next_attempt_at.getTime()).toBeGreaterThan(now.getTime() + 1000)
    // The service is back; a new alert's push gets through, and with it the waiting one,
    // long before its own backoff would have let it go.
    peer.setFault(null)
    const second = await raise()
    await drain()
    expect((await outboxOf(second.id)).map((r) => r.status)).toEqual(['sent'])
    expect((await outboxOf(first.id)).map((r) => r.status)).toEqual(['sent'])
    expect(await peer.messages(sub.clientHash)).toHaveLength(2)
  })

  it('gives up after the attempt cap and keeps the row as failed', async () => {
    await subscribedPartner()
    const alert = await raise()
    peer.failNext(503, 10)
    for (let i = 0; i < 6; i++) {
      await drain()
      now = new Date(now.getTime() + 60_000)
    }
    const [row] = await outboxOf(alert.id)
    expect(row!.status).toBe('failed')
    expect(row!.attempts).toBe(4)
  })

  it('a dispatcher killed between claim and send: the row waits for its lease, then goes exactly once', async () => {
    const { sub } = await subscribedPartner()
    const alert = await raise()
    // The "killed" dispatcher claimed the row and never came back.
    const claimed = await claimDue(t.db.sql, now, 50, 30_000)
    expect(claimed.map((r) => r.alert_id)).toContain(alert.id)
    expect(await drain()).toBe(0)
    expect(await peer.messages(sub.clientHash).catch(() => [])).toHaveLength(0)
    now = new Date(now.getTime() + 31_000)
    expect(await drain()).toBe(1)
    expect(await peer.messages(sub.clientHash)).toHaveLength(1)
    const [row] = await outboxOf(alert.id)
    expect(row).toMatchObject({ status: 'sent', attempts: 2 })
  })

  it('several dispatchers at once never send a row twice', async () => {
    const subs = []
    for (const i of [1, 2, 3, 4]) subs.push(await subscribedPartner(here.lat + 0.0005 * i))
    for (let i = 0; i < 5; i++) await raise()
    const counts = await Promise.all([drain(), drain(), drain()])
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20)
    for (const { sub } of subs) expect(await peer.messages(sub.clientHash)).toHaveLength(5)
  })
})
