import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import webpush from 'web-push'
import { createLogger } from '../../src/logger.ts'
import { drainOutbox } from '../../src/notify/dispatcher.ts'
import { webPushSender } from '../../src/notify/web-push.ts'
import { withPorts } from '../../src/services.ts'
import { expireEndedDropoffs } from '../../src/transit/jobs.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { type PushPeer, startPushPeer } from '../helpers/push-peer.ts'
import { LAT, uploadFeed } from './feed.ts'

// The rider hears the driver's decision: the real web-push library sends through the
// outbox to a real local push service, which checks VAPID and decrypts the payload.
const vapid = webpush.generateVAPIDKeys()
// Friday 22:00 in Paris; TR1 and TR1b run 22:10-22:14 every day.
let now = new Date('2026-11-20T21:00:00Z')
const clock = { now: () => now }
const log = createLogger('silent', () => {})
let t: TestApp
let peer: PushPeer
const nets: Record<'fr' | 'en', { slug: string; bus: string }> = {} as never

const at = (lon: number) => ({ lat: LAT, lon })
const drain = () =>
  drainOutbox({
    sql: t.db.sql,
    clock,
    log,
    push: webPushSender({ publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: 'mailto:reseau@example.org', ca: peer.ca, allowedHosts: [peer.host] }),
  })

async function network(locale: 'fr' | 'en') {
  const { slug } = await createNetwork(t, { locale, dropoff: { hours: 'Mo-Su 21:00-06:00' } })
  await uploadFeed(t, slug)
  const bus = await createToken(t, slug, { role: 'driver', label: 'bus', vehicle: 'bus-1' })
  expect((await report(bus, { ...at(7.3), trip_id: 'TR1' })).status).toBe(204)
  return { slug, bus }
}

const report = (token: string, body: Record<string, unknown>) => t.request('/v1/driver/position', { method: 'POST', token, json: body })

// A rider on TR1 subscribed with the push service; returns the request and where to read.
async function riderAsks(lang: 'fr' | 'en' = 'fr', lon = 7.32, trip = 'TR1') {
  const sub = await peer.subscribe(vapid.publicKey)
  const res = await t.request(`/v1/networks/${nets[lang].slug}/dropoffs`, {
    method: 'POST',
    json: { trip_id: trip, location: at(lon), push_subscription: { endpoint: sub.endpoint, keys: sub.keys } },
  })
  const body = (await res.json()) as { id: string; access_token: string }
  expect(res.status, JSON.stringify(body)).toBe(201)
  return { ...body, hash: sub.clientHash }
}

const messages = async (hash: string) => (await peer.messages(hash)).map((m) => JSON.parse(m) as Record<string, unknown>)
const decide = (id: string, what: string, json?: unknown, lang: 'fr' | 'en' = 'fr') =>
  t.request(`/v1/driver/dropoffs/${id}/${what}`, { method: 'POST', token: nets[lang].bus, ...(json ? { json } : {}) })

beforeAll(async () => {
  // The local push service is not a public host: it must be allowed by name and port.
  peer = await startPushPeer()
  t = await testApp({
    clock,
    env: { VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:reseau@example.org', HALTE_PUSH_ALLOWED_HOSTS: peer.host },
  })
  nets.fr = await network('fr')
  nets.en = await network('en')
})
afterEach(() => {
  now = new Date('2026-11-20T21:00:00Z')
})
afterAll(async () => {
  await peer?.close()
  await t?.close()
})

describe('rider push on the driver decision', () => {
  it('accepted: the decision is in the outbox as soon as it is committed, and the rider receives it once', async () => {
    const r = await riderAsks()
    expect(await drain()).toBe(0)
    expect((await decide(r.id, 'accept')).status).toBe(200)
    const [row] = await t.db.sql`select status, subscription_id from outbox where dropoff_id = ${r.id}`
    expect(row).toMatchObject({ status: 'pending' })
    expect(await drain()).toBe(1)
    const got = await messages(r.hash)
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ type: 'dropoff', dropoff_id: r.id, status: 'accepted', network: nets.fr.slug, reason: null })
    expect(got[0]!.text).toMatch(/^Le conducteur a accepté : il vous déposera entre Arrêt 2, rue Test et Arrêt 3, rue Test/)
    expect(got[0]!.message_id).toMatch(/^halte-outbox-\d+$/)
    expect(await drain()).toBe(0)
    expect(await messages(r.hash)).toHaveLength(1)
  })

  it('declined: the reason is said, then done on another request', async () => {
    const r = await riderAsks()
    expect((await decide(r.id, 'decline', { reason: 'unsafe_spot' })).status).toBe(200)
    await drain()
    const [msg] = await messages(r.hash)
    expect(msg).toMatchObject({ status: 'declined', reason: 'unsafe_spot' })
    expect(msg!.text).toMatch(/\(endroit dangereux\)\. Descendez à l'arrêt Arrêt 3, rue Test\.$/)

    const d = await riderAsks('fr', 7.325)
    expect((await decide(d.id, 'done')).status).toBe(200)
    await drain()
    expect(await messages(d.hash)).toEqual([expect.objectContaining({ status: 'done', text: expect.stringMatching(/^Vous êtes descendu·e entre/) })])
  })

  it("speaks English on an English-speaking network", async () => {
    const r = await riderAsks('en')
    expect((await decide(r.id, 'decline', { reason: 'traffic' }, 'en')).status).toBe(200)
    await drain()
    const [msg] = await messages(r.hash)
    expect(msg!.text).toMatch(/^The driver cannot drop you between .* \(traffic\)\. Get off at Arrêt 3, rue Test\.$/)
  })

  it('a refused transition pushes nothing', async () => {
    const r = await riderAsks('fr', 7.33)
    expect((await decide(r.id, 'decline', { reason: 'other' })).status).toBe(200)
    expect((await decide(r.id, 'accept')).status).toBe(409)
    await drain()
    expect((await messages(r.hash)).map((m) => m.status)).toEqual(['declined'])
  })

  it('expired because the bus passed the point', async () => {
    const r = await riderAsks('fr', 7.31)
    expect((await report(nets.fr.bus, at(7.312))).status).toBe(204)
    await drain()
    expect(await messages(r.hash)).toEqual([expect.objectContaining({ status: 'expired', text: expect.stringMatching(/a expiré/) })])
  })

  it('expired because the trip is over: by the background job', async () => {
    // On TR1b, which no bus reports from.
    const r = await riderAsks('fr', 7.335, 'TR1b')
    // TR1b's last arrival is 22:14 in Paris; 30 min slack: still open at 22:43.
    now = new Date('2026-11-20T21:43:00Z')
    expect(await expireEndedDropoffs(withPorts({ sql: t.db.sql }), now)).toBe(0)
    now = new Date('2026-11-20T21:45:00Z')
    expect(await expireEndedDropoffs(withPorts({ sql: t.db.sql }), now)).toBeGreaterThanOrEqual(1)
    await drain()
    expect(await messages(r.hash)).toEqual([expect.objectContaining({ status: 'expired', dropoff_id: r.id })])
  })

  // Endpoints that are URLs but not public https push services: test/notify/endpoints.test.ts.
  it('refuses a malformed push_subscription with 400 validation_failed, and stores nothing', async () => {
    const sub = await peer.subscribe(vapid.publicKey)
    const ask = (push_subscription: unknown) =>
      t.request(`/v1/networks/${nets.fr.slug}/dropoffs`, { method: 'POST', json: { trip_id: 'TR1', location: at(7.32), push_subscription } })
    const cases: [unknown, string][] = [
      [{ endpoint: 'not a url', keys: sub.keys }, 'push_subscription.endpoint'],
      [{ endpoint: sub.endpoint, keys: { ...sub.keys, p256dh: sub.keys.p256dh.slice(0, 40) } }, 'push_subscription.keys.p256dh'],
      [{ endpoint: sub.endpoint, keys: { ...sub.keys, auth: 'AAAA' } }, 'push_subscription.keys.auth'],
      [{ endpoint: sub.endpoint }, 'push_subscription.keys'],
    ]
    const before = await t.db.sql`select count(*)::int as n from dropoffs`
    for (const [bad, path] of cases) {
      const res = await ask(bad)
      const p = (await res.json()) as { code: string; errors: { path: string }[] }
      expect(res.status, JSON.stringify(p)).toBe(400)
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/)
      expect(p.code).toBe('validation_failed')
      expect(p.errors.map((e) => e.path)).toContain(path)
    }
    const after = await t.db.sql`select count(*)::int as n from dropoffs`
    expect(after[0]!.n).toBe(before[0]!.n)
    const [subs] = await t.db.sql`select count(*)::int as n from push_subscriptions where endpoint = ${sub.endpoint}`
    expect(subs!.n).toBe(0)
  })
})
