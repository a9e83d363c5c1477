import { createServer, type IncomingMessage, type Server } from 'node:http'
import webpush from 'web-push'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import { drainOutbox } from '../../src/notify/dispatcher.ts'
import { twilioSender } from '../../src/notify/twilio.ts'
import { webPushSender } from '../../src/notify/web-push.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { type PushPeer, startPushPeer } from '../helpers/push-peer.ts'

// Rapid mobilisation end to end: the real web-push library to a local push service that
// decrypts, the real twilio client to a local REST peer, through the outbox dispatcher.
const vapid = webpush.generateVAPIDKeys()
const SID = 'AC22222222222222222222222222222222'
const TWILIO_TOKEN = 'twilio-secret-token'
const FROM = '+33546000000'
let now = new Date('2026-12-05T22:00:00+01:00')
const clock = { now: () => now }
const log = createLogger('silent', () => {})
// La Rochelle, Vieux-Port.
const port = { lat: 46.1561, lon: -1.1517 }
const north = (m: number) => ({ lat: port.lat + m / 111_320, lon: port.lon })
let t: TestApp
let peer: PushPeer
let twilioPeer: Server
let apiUrl: string
let operator: string
const texts: URLSearchParams[] = []

async function read(req: IncomingMessage) {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString()
}

const drain = () =>
  drainOutbox({
    sql: t.db.sql,
    clock,
    log,
    push: webPushSender({ publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: 'mailto:veille@example.org', ca: peer.ca, allowedHosts: [peer.host] }),
    sms: twilioSender({ accountSid: SID, authToken: TWILIO_TOKEN, apiUrl }),
  })

// An approved refuge at a point, with a phone and a push subscription if asked.
async function partner(slug: string, at: { lat: number; lon: number }, o: { phone?: string; push?: boolean; approve?: boolean } = {}) {
  const res = await t.request(`/v1/networks/${slug}/applications`, {
    method: 'POST',
    json: {
      name: `Refuge ${crypto.randomUUID().slice(0, 6)}`,
      kind: 'bar',
      address: '1 quai Duperré',
      location: at,
      opening_hours: 'Mo-Fr 09:00-18:00',
      contact_name: 'Camille',
      charter_accepted: true,
      ...(o.phone ? { phone: o.phone } : {}),
    },
  })
  expect(res.status).toBe(201)
  const { id, partner_token } = (await res.json()) as { id: string; partner_token: string }
  if (o.approve !== false) expect((await t.request(`/v1/networks/${slug}/places/${id}/approve`, { method: 'POST', token: operator })).status).toBe(200)
  let sub: { clientHash: string } | null = null
  if (o.push) {
    const s = await peer.subscribe(vapid.publicKey)
    expect((await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: partner_token, json: s })).status).toBe(201)
    sub = s
  }
  return { id, token: partner_token, sub }
}

const broadcast = (body: unknown, token = operator, slug = 'larochelle') => t.request(`/v1/networks/${slug}/broadcasts`, { method: 'POST', token, json: body })
const countBroadcasts = async () => ((await t.db.sql`select count(*)::int as n from broadcasts`)[0] as { n: number }).n

beforeAll(async () => {
  peer = await startPushPeer()
  twilioPeer = createServer(async (req, res) => {
    const form = new URLSearchParams(await read(req))
    if (req.headers.authorization !== `Basic ${Buffer.from(`${SID}:${TWILIO_TOKEN}`).toString('base64')}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }))
      return
    }
    texts.push(form)
    res.writeHead(201, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ sid: `SM${String(texts.length).padStart(32, '0')}`, status: 'queued', to: form.get('To'), from: form.get('From'), body: form.get('Body') }))
  })
  await new Promise<void>((r) => twilioPeer.listen(0, '127.0.0.1', r))
  apiUrl = `http://127.0.0.1:${(twilioPeer.address() as { port: number }).port}`
  t = await testApp({
    clock,
    env: {
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: 'mailto:veille@example.org',
      HALTE_PUSH_ALLOWED_HOSTS: peer.host,
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    },
  })
  await createNetwork(t, { slug: 'larochelle', sms_number: FROM })
  operator = await createToken(t, 'larochelle', { role: 'operator', label: 'Cellule de veille' })
})
afterAll(async () => {
  await new Promise((r) => twilioPeer?.close(r))
  await peer?.close()
  await t?.close()
})

describe('a broadcast around a point', () => {
  let a: Awaited<ReturnType<typeof partner>>
  let b: Awaited<ReturnType<typeof partner>>
  let c: Awaited<ReturnType<typeof partner>>
  let d: Awaited<ReturnType<typeof partner>>
  let outside: Awaited<ReturnType<typeof partner>>
  let id: string
  const message = 'Incident grave rue du Palais : restez vigilants, accueillez.'

  beforeAll(async () => {
    a = await partner('larochelle', north(100), { phone: '06 12 34 56 78', push: true })
    b = await partner('larochelle', north(300), { push: true })
    c = await partner('larochelle', north(450), { phone: '05 46 00 00 01' }) // a landline: no SMS
    d = await partner('larochelle', north(200))
    outside = await partner('larochelle', north(700), { phone: '+33 7 00 00 00 09', push: true })
    await partner('larochelle', north(50), { push: true, approve: false }) // pending: not a partner yet
  })

  it('reaches every active partner inside by push and SMS, and none outside', async () => {
    const res = await broadcast({ message: `  ${message} `, target: { ...port, radius_m: 500 } })
    expect(res.status).toBe(201)
    const sent = (await res.json()) as { id: string; recipients: number; places: number; field: number; by_channel: Record<string, { recipients: number; unavailable: boolean }>; unreachable: number }
    id = sent.id
    expect(sent).toMatchObject({
      recipients: 4,
      places: 4,
      field: 0,
      by_channel: { push: { recipients: 2, unavailable: false }, sms: { recipients: 1, unavailable: false } },
      unreachable: 2,
    })
    expect(await drain()).toBe(3)
    for (const p of [a, b]) {
      const got = (await peer.messages(p.sub!.clientHash)).map((m) => JSON.parse(m))
      expect(got).toHaveLength(1)
      expect(got[0]).toMatchObject({ type: 'broadcast', broadcast_id: id, network: 'larochelle', message, lang: 'fr' })
      expect(got[0].message_id).toMatch(/^halte-outbox-\d+$/)
    }
    expect(await peer.messages(outside.sub!.clientHash)).toEqual([])
    expect(texts).toHaveLength(1)
    expect(texts[0]!.get('To')).toBe('+33612345678')
    expect(texts[0]!.get('From')).toBe(FROM)
    expect(texts[0]!.get('Body')).toContain(message)
    expect(texts[0]!.get('Body')).toContain('Ne répondez pas')
  })

  it('the operator sees each partner’s delivery per channel', async () => {
    const res = await t.request(`/v1/broadcasts/${id}`, { token: operator })
    expect(res.status).toBe(200)
    const detail = (await res.json()) as { recipients: { place_id: string; push: string; sms: string; acknowledged_at: string | null }[]; target: unknown; by: unknown }
    const of = (p: { id: string }) => detail.recipients.find((r) => r.place_id === p.id)
    expect(detail.recipients).toHaveLength(4)
    expect(of(a)).toMatchObject({ push: 'sent', sms: 'sent', acknowledged_at: null })
    expect(of(b)).toMatchObject({ push: 'sent', sms: 'none' })
    expect(of(c)).toMatchObject({ push: 'none', sms: 'none' })
    expect(of(d)).toMatchObject({ push: 'none', sms: 'none' })
    expect(of(outside)).toBeUndefined()
    expect(detail.target).toEqual({ ...port, radius_m: 500 })
    expect(detail.by).toEqual({ role: 'operator', label: 'Cellule de veille' })
  })

  it('a partner sees the message and acknowledges it once; the operator sees who did', async () => {
    const list = await t.request('/v1/partner/broadcasts', { token: b.token })
    expect(list.status).toBe(200)
    expect(((await list.json()) as { broadcasts: unknown[] }).broadcasts).toEqual([
      expect.objectContaining({ id, message, sector: null, acknowledged_at: null }),
    ])
    now = new Date(now.getTime() + 60_000)
    const ack = await t.request(`/v1/partner/broadcasts/${id}/acknowledge`, { method: 'POST', token: b.token })
    expect(ack.status).toBe(200)
    const first = ((await ack.json()) as { acknowledged_at: string }).acknowledged_at
    expect(first).toBe('2026-12-05T22:01:00+01:00')
    now = new Date(now.getTime() + 60_000)
    const again = await t.request(`/v1/partner/broadcasts/${id}/acknowledge`, { method: 'POST', token: b.token })
    expect(((await again.json()) as { acknowledged_at: string }).acknowledged_at).toBe(first)
    // A partner outside was never told: it cannot acknowledge, nor see it.
    expect((await t.request(`/v1/partner/broadcasts/${id}/acknowledge`, { method: 'POST', token: outside.token })).status).toBe(404)
    expect(((await (await t.request('/v1/partner/broadcasts', { token: outside.token })).json()) as { broadcasts: unknown[] }).broadcasts).toEqual([])
    const detail = (await (await t.request(`/v1/broadcasts/${id}`, { token: operator })).json()) as { acknowledged: number; recipients: { place_id: string; acknowledged_at: string | null }[] }
    expect(detail.acknowledged).toBe(1)
    expect(detail.recipients.find((r) => r.place_id === b.id)!.acknowledged_at).toBe(first)
    const listed = (await (await t.request('/v1/networks/larochelle/broadcasts', { token: operator })).json()) as { broadcasts: { id: string; acknowledged: number; places: number }[] }
    expect(listed.broadcasts[0]).toMatchObject({ id, acknowledged: 1, places: 4 })
  })

  it('is audited: who, when, what target, how many', async () => {
    const [row] = await t.db.sql`
      select b.actor_role, t.label, b.created_at, b.radius_m, b.sector_name, b.places_count, b.message
      from broadcasts b left join tokens t on t.id = b.actor_token_id where b.id = ${id}`
    expect(row).toMatchObject({ actor_role: 'operator', label: 'Cellule de veille', radius_m: 500, sector_name: null, places_count: 4, message })
    expect((row!.created_at as Date).toISOString()).toBe('2026-12-05T21:00:00.000Z')
  })

  it('a partner who sent STOP to the network’s number gets no SMS', async () => {
    const res = await t.request('/v1/networks/larochelle/broadcasts', { method: 'POST', token: operator, json: { message: 'Test', target: { ...port, radius_m: 150 }, channels: ['sms'] } })
    expect(((await res.json()) as { by_channel: { sms: { recipients: number } } }).by_channel.sms.recipients).toBe(1)
    const { phoneHash } = await import('../../src/alerts/secrets.ts')
    const [net] = await t.db.sql`select id from networks where slug = 'larochelle'`
    await t.db.sql`insert into sms_optouts (network_id, phone_hash, at) values (${net!.id}, ${await phoneHash(t.config.HALTE_HASH_SECRET!, net!.id as string, '+33612345678')}, ${now})`
    const again = await t.request('/v1/networks/larochelle/broadcasts', { method: 'POST', token: operator, json: { message: 'Test', target: { ...port, radius_m: 150 }, channels: ['sms'] } })
    const body = (await again.json()) as { places: number; by_channel: { sms: { recipients: number } }; unreachable: number }
    expect(body).toMatchObject({ places: 1, by_channel: { sms: { recipients: 0 } }, unreachable: 1 })
    await t.db.sql`delete from sms_optouts`
    await t.db.sql`update outbox set status = 'dropped' where status = 'pending'`
  })
})

describe('SMS', () => {
  it('two places that gave the same mobile get one text, and both show it sent', async () => {
    const far = { lat: port.lat + 0.05, lon: port.lon }
    const x = await partner('larochelle', far, { phone: '07 00 11 22 33' })
    const y = await partner('larochelle', { lat: far.lat + 0.0005, lon: far.lon }, { phone: '+33 7 00 11 22 33' })
    const before = texts.length
    const res = await broadcast({ message: 'Même numéro', target: { ...far, radius_m: 200 }, channels: ['sms'] })
    const sent = (await res.json()) as { id: string; places: number; by_channel: { sms: { recipients: number } } }
    expect(sent).toMatchObject({ places: 2, by_channel: { sms: { recipients: 2 } } })
    await drain()
    expect(texts.length - before).toBe(1)
    expect(texts.at(-1)!.get('To')).toBe('+33700112233')
    const detail = (await (await t.request(`/v1/broadcasts/${sent.id}`, { token: operator })).json()) as { recipients: { place_id: string; sms: string; push: string }[] }
    expect(detail.recipients.map((r) => [r.place_id, r.sms, r.push]).sort()).toEqual([[x.id, 'sent', 'none'], [y.id, 'sent', 'none']].sort())
  })
})

describe('refusals', () => {
  const ok = { message: 'Vigilance', target: { ...port, radius_m: 500 } }
  const cases: [string, unknown, number, string][] = [
    ['empty message', { ...ok, message: '   ' }, 400, 'validation_failed'],
    ['message too long', { ...ok, message: 'x'.repeat(281) }, 400, 'validation_failed'],
    ['radius too big', { ...ok, target: { ...port, radius_m: 5001 } }, 400, 'validation_failed'],
    ['circle without radius', { ...ok, target: port }, 400, 'validation_failed'],
    ['both a sector and a circle', { ...ok, target: { ...port, radius_m: 100, sector: 'Centre' } }, 400, 'validation_failed'],
    ['no target', { message: 'Vigilance', target: {} }, 400, 'validation_failed'],
    ['an unknown channel', { ...ok, channels: ['fax'] }, 400, 'validation_failed'],
    ['an unknown sector', { ...ok, target: { sector: 'Atlantide' } }, 422, 'unknown_sector'],
  ]
  for (const [what, body, status, code] of cases) {
    it(`${what}: ${status} ${code}, nothing written`, async () => {
      const before = await countBroadcasts()
      const res = await broadcast(body)
      expect(res.status).toBe(status)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      expect(((await res.json()) as { code: string }).code).toBe(code)
      expect(await countBroadcasts()).toBe(before)
    })
  }

  it('an exact 280-character message and a 5,000 m radius are accepted', async () => {
    const res = await broadcast({ message: 'é'.repeat(280), target: { ...port, radius_m: 5000 }, channels: ['push'] })
    expect(res.status).toBe(201)
    await t.db.sql`update outbox set status = 'dropped' where status = 'pending'`
  })

  it('a partner token, no token, another network’s operator, an unknown network', async () => {
    const p = await partner('larochelle', north(20))
    const before = await countBroadcasts()
    const asPartner = await broadcast(ok, p.token)
    expect(asPartner.status).toBe(403)
    expect(((await asPartner.json()) as { code: string }).code).toBe('forbidden')
    expect((await t.request('/v1/networks/larochelle/broadcasts', { method: 'POST', json: ok })).status).toBe(401)
    await createNetwork(t, { slug: 'rochefort' })
    const other = await createToken(t, 'rochefort', { role: 'operator', label: 'Rochefort' })
    expect((await broadcast(ok, other)).status).toBe(403)
    expect((await broadcast(ok, operator, 'nulle-part')).status).toBe(404)
    expect(await countBroadcasts()).toBe(before)
    // Nor may they read the network's broadcasts.
    const [anyId] = await t.db.sql`select id from broadcasts limit 1`
    expect((await t.request(`/v1/broadcasts/${anyId!.id}`, { token: other })).status).toBe(403)
    expect((await t.request(`/v1/broadcasts/${anyId!.id}`, { token: p.token })).status).toBe(403)
    expect((await t.request('/v1/networks/larochelle/broadcasts', { token: p.token })).status).toBe(403)
    expect((await t.request(`/v1/broadcasts/${crypto.randomUUID()}`, { token: operator })).status).toBe(404)
    expect((await t.request('/v1/partner/broadcasts', { token: operator })).status).toBe(403)
    expect((await t.request(`/v1/partner/broadcasts/${anyId!.id}/acknowledge`, { method: 'POST', token: operator })).status).toBe(403)
  })
})

describe('rate limits', () => {
  it('5 per operator in 10 minutes, then 429 with Retry-After, in both languages', async () => {
    await createNetwork(t, { slug: 'limites' })
    const op = await createToken(t, 'limites', { role: 'operator', label: 'Veille' })
    const start = now
    for (let i = 0; i < 5; i++) {
      now = new Date(start.getTime() + i * 60_000)
      expect((await broadcast({ message: `n° ${i}`, target: { ...port, radius_m: 100 } }, op, 'limites')).status).toBe(201)
    }
    now = new Date(start.getTime() + 5 * 60_000)
    const refused = await broadcast({ message: 'un de trop', target: { ...port, radius_m: 100 } }, op, 'limites')
    expect(refused.status).toBe(429)
    // The first of the five leaves the window 10 minutes after it was sent: 5 minutes from now.
    expect(refused.headers.get('retry-after')).toBe('300')
    const fr = (await refused.json()) as { code: string; detail: string }
    expect(fr.code).toBe('rate_limited')
    expect(fr.detail).toContain('5 messages de diffusion en 10 minutes')
    const en = await t.request('/v1/networks/limites/broadcasts', { method: 'POST', token: op, json: { message: 'x', target: { ...port, radius_m: 100 } }, headers: { 'accept-language': 'en' } })
    expect(((await en.json()) as { detail: string }).detail).toContain('5 broadcasts in 10 minutes')
    // Refusals are not counted: once the first leaves the window, one more goes.
    now = new Date(start.getTime() + 10 * 60_000 + 1000)
    expect((await broadcast({ message: 'de nouveau', target: { ...port, radius_m: 100 } }, op, 'limites')).status).toBe(201)
  })

  it('20 per network in an hour, whoever sends them', async () => {
    await createNetwork(t, { slug: 'limites-reseau' })
    const ops = await Promise.all([1, 2, 3, 4, 5].map((i) => createToken(t, 'limites-reseau', { role: 'operator', label: `Veille ${i}` })))
    const start = now
    for (let i = 0; i < 20; i++) {
      now = new Date(start.getTime() + i * 1000)
      expect((await broadcast({ message: `n° ${i}`, target: { ...port, radius_m: 100 } }, ops[Math.floor(i / 5)], 'limites-reseau')).status).toBe(201)
    }
    const refused = await broadcast({ message: 'un de trop', target: { ...port, radius_m: 100 } }, ops[4], 'limites-reseau')
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBe(3600 - 19)
    expect(((await refused.json()) as { detail: string }).detail).toContain('20 messages de diffusion en une heure')
  })
})
