import twilio from 'twilio'
import webpush from 'web-push'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import { drainOutbox } from '../../src/notify/dispatcher.ts'
import { webPushSender } from '../../src/notify/web-push.ts'
import { readSse } from '../alerts/fixtures.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { type PushPeer, startPushPeer } from '../helpers/push-peer.ts'
import { IN_A, IN_B, importSectors, OUTSIDE } from './fixtures.ts'

// An alert raised in a sector reaches, by push through the real web-push library and on
// their live stream, the mediators and police on duty in that sector, and no one else
// in the field; they act on that sector's alerts and on no other.

const vapid = webpush.generateVAPIDKeys()
let now = new Date('2026-12-01T22:00:00+01:00')
const clock = { now: () => now }
let t: TestApp
let peer: PushPeer
let operator: string
const log = createLogger('silent', () => {})
const TWILIO_TOKEN = 'twilio-auth-token-for-tests'

const drain = () =>
  drainOutbox({
    sql: t.db.sql,
    clock,
    log,
    push: webPushSender({ publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: 'mailto:veille@example.org', ca: peer.ca, allowedHosts: [peer.host] }),
    baseDelayMs: 1000,
    maxDelayMs: 8000,
    maxAttempts: 4,
  })

// A field person with a subscribed browser, on duty or not.
async function fieldPerson(role: 'mediator' | 'police', label: string, sectors: string[], onDuty: boolean) {
  const token = await createToken(t, 'larochelle', { role, label, sectors }, operator)
  const sub = await peer.subscribe(vapid.publicKey)
  expect((await t.request('/v1/networks/larochelle/push-subscriptions', { method: 'POST', token, json: sub })).status).toBe(201)
  if (onDuty) expect((await t.request('/v1/field/duty', { method: 'POST', token, json: { on: true } })).status).toBe(200)
  return { token, sub }
}

const raise = async (location: { lat: number; lon: number }) => {
  const res = await t.request('/v1/networks/larochelle/alerts', { method: 'POST', json: { location, message: 'on me suit' } })
  expect(res.status).toBe(201)
  return ((await res.json()) as { id: string }).id
}

const pushed = async (who: { sub: { clientHash: string } }) => (await peer.messages(who.sub.clientHash)).map((m) => JSON.parse(m))

beforeAll(async () => {
  peer = await startPushPeer()
  t = await testApp({
    clock,
    env: {
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: 'mailto:veille@example.org',
      HALTE_PUSH_ALLOWED_HOSTS: peer.host,
      TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      PUBLIC_BASE_URL: 'https://halte.example.org',
    },
  })
  await createNetwork(t, { slug: 'larochelle', sms_number: '+33700000013' })
  operator = await createToken(t, 'larochelle', { role: 'operator', label: 'Cellule de veille' })
  expect((await importSectors(t, 'larochelle', operator)).status).toBe(200)
})
afterEach(async () => {
  await t.db.sql`delete from push_subscriptions`
  await t.db.sql`delete from field_duty`
  await t.db.sql`update outbox set status = 'dropped' where status = 'pending'`
})
afterAll(async () => {
  await peer?.close()
  await t?.close()
})

describe('routing alerts to the field', () => {
  it("a web alert in sector A reaches A's on-duty mediator and police, not B's, not an off-duty one; operators as before", async () => {
    const mediatorA = await fieldPerson('mediator', 'Médiatrice Centre', ['Centre'], true)
    const policeA = await fieldPerson('police', 'PM Centre', ['Centre'], true)
    const mediatorB = await fieldPerson('mediator', 'Médiateur Port', ['Port'], true)
    const restingA = await fieldPerson('mediator', 'Médiateur de repos', ['Centre'], false)
    const op = await peer.subscribe(vapid.publicKey)
    expect((await t.request('/v1/networks/larochelle/push-subscriptions', { method: 'POST', token: operator, json: op })).status).toBe(201)

    const id = await raise(IN_A)
    expect(await drain()).toBe(3)
    for (const who of [mediatorA, policeA]) {
      expect(await pushed(who)).toEqual([expect.objectContaining({ type: 'alert', alert_id: id, audience: 'field', location: expect.objectContaining(IN_A) })])
      // Where to go, not what the person wrote: that is read from the alert, audited.
      expect((await pushed(who))[0].message).toBeUndefined()
    }
    expect(await pushed(mediatorB)).toEqual([])
    expect(await pushed(restingA)).toEqual([])
    // The operator hears it once, as an operator, whatever the field subscriptions.
    expect(await pushed({ sub: op })).toEqual([expect.objectContaining({ alert_id: id, audience: 'operator', message: 'on me suit' })])
  })

  it('duty ends after 12 hours unless renewed, and off duty stops the pushes', async () => {
    const mediatorA = await fieldPerson('mediator', 'Médiatrice du soir', ['Centre'], true)
    const first = (await (await t.request('/v1/field/duty', { token: mediatorA.token })).json()) as { on: boolean; since: string; until: string }
    expect(first.on).toBe(true)
    expect(new Date(first.until).getTime() - new Date(first.since).getTime()).toBe(12 * 3600_000)
    now = new Date(now.getTime() + 11 * 3600_000)
    // Renewed: the shift keeps its start, ends 12 h from now.
    const renewed = (await (await t.request('/v1/field/duty', { method: 'POST', token: mediatorA.token, json: { on: true } })).json()) as { since: string; until: string }
    expect(renewed.since).toBe(first.since)
    expect(new Date(renewed.until).getTime()).toBe(now.getTime() + 12 * 3600_000)
    now = new Date(now.getTime() + 12 * 3600_000 + 1000)
    expect(((await (await t.request('/v1/field/duty', { token: mediatorA.token })).json()) as { on: boolean }).on).toBe(false)
    await raise(IN_A)
    await drain()
    expect(await pushed(mediatorA)).toEqual([])

    expect((await t.request('/v1/field/duty', { method: 'POST', token: mediatorA.token, json: { on: true } })).status).toBe(200)
    expect((await t.request('/v1/field/duty', { method: 'POST', token: mediatorA.token, json: { on: false } })).status).toBe(200)
    await raise(IN_A)
    await drain()
    expect(await pushed(mediatorA)).toEqual([])
    expect((await t.request('/v1/field/duty', { method: 'POST', token: mediatorA.token, json: { on: 'yes' } })).status).toBe(400)
    expect((await t.request('/v1/field/duty', { method: 'POST', token: operator, json: { on: true } })).status).toBe(403)
    expect((await t.request('/v1/field/duty', { method: 'POST', json: { on: true } })).status).toBe(401)
  })

  it('a revoked field token stops hearing at once: its subscriptions go with it', async () => {
    const mediatorA = await fieldPerson('mediator', 'Téléphone perdu', ['Centre'], true)
    const listed = (await (await t.request('/v1/networks/larochelle/tokens', { token: operator })).json()) as { tokens: { id: string; label: string }[] }
    const id = listed.tokens.find((x) => x.label === 'Téléphone perdu')!.id
    expect((await t.request(`/v1/networks/larochelle/tokens/${id}`, { method: 'DELETE', token: operator })).status).toBe(204)
    const [left] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from push_subscriptions where token_id = ${id}`
    expect(left!.n).toBe(0)
    await raise(IN_A)
    await drain()
    expect(await pushed(mediatorA)).toEqual([])
  })

  it('a whole-network police token hears alerts of every sector and outside them', async () => {
    const everywhere = await fieldPerson('police', 'PM de nuit', [], true)
    const a = await raise(IN_A)
    const b = await raise(IN_B)
    const out = await raise(OUTSIDE)
    await drain()
    expect((await pushed(everywhere)).map((m) => m.alert_id).sort()).toEqual([a, b, out].sort())
  })

  it("an SMS alert, located by a second message in sector B, reaches B's mediator then, not A's", async () => {
    const mediatorA = await fieldPerson('mediator', 'Médiatrice Centre SMS', ['Centre'], true)
    const mediatorB = await fieldPerson('mediator', 'Médiateur Port SMS', ['Port'], true)
    const url = 'https://halte.example.org/webhooks/twilio/sms'
    const sms = async (Body: string, n: number) => {
      const params = { From: '+33611223344', To: '+33700000013', Body, MessageSid: `SM${String(n).padStart(32, '0')}` }
      const res = await t.request('/webhooks/twilio/sms', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, url, params) },
        body: new URLSearchParams(params).toString(),
      })
      expect(res.status).toBe(200)
    }
    await sms('aidez-moi', 1)
    const [alert] = await t.db.sql<{ id: string }[]>`select id from alerts where source = 'sms' order by created_at desc limit 1`
    await drain()
    // Nowhere yet: no sector's people are told.
    expect(await pushed(mediatorB)).toEqual([])
    await sms(`je suis ici ${IN_B.lat.toFixed(4)}, ${IN_B.lon.toFixed(4)}`, 2)
    await drain()
    expect(await pushed(mediatorB)).toEqual([expect.objectContaining({ alert_id: alert!.id, audience: 'field', source: 'sms' })])
    expect(await pushed(mediatorA)).toEqual([])
  })
})

describe('field principals and the alerts of their sectors', () => {
  it('read, acknowledge, resolve and hand off an alert of their sector; 403 on another sector’s', async () => {
    const mediatorA = await createToken(t, 'larochelle', { role: 'mediator', label: 'Médiatrice', sectors: ['Centre'] }, operator)
    const inA = await raise(IN_A)
    const inB = await raise(IN_B)
    const read = await t.request(`/v1/alerts/${inA}`, { token: mediatorA })
    expect(read.status).toBe(200)
    expect((await read.json()).location).toMatchObject(IN_A)
    for (const path of [`/v1/alerts/${inB}`]) {
      const res = await t.request(path, { token: mediatorA })
      expect(res.status).toBe(403)
      expect((await res.json()).code).toBe('out_of_sector')
    }
    for (const action of ['acknowledge', 'resolve']) {
      const res = await t.request(`/v1/alerts/${inB}/${action}`, { method: 'POST', token: mediatorA, json: {} })
      expect(res.status).toBe(403)
    }
    const refused = await t.request(`/v1/alerts/${inB}/handoff`, { method: 'POST', token: mediatorA, json: { to: 'samu' } })
    expect(refused.status).toBe(403)
    expect((await refused.json()).code).toBe('out_of_sector')
    const [b] = await t.db.sql<{ status: string; n: number }[]>`
      select status, (select count(*)::int from alert_handoffs where alert_id = ${inB}) as n from alerts where id = ${inB}`
    expect(b).toEqual({ status: 'open', n: 0 })

    const ack = await t.request(`/v1/alerts/${inA}/acknowledge`, { method: 'POST', token: mediatorA, json: {} })
    expect(ack.status).toBe(200)
    expect((await ack.json()).status).toBe('acknowledged')
    // A cancel is the requester's alone.
    expect((await t.request(`/v1/alerts/${inA}/cancel`, { method: 'POST', token: mediatorA, json: {} })).status).toBe(403)
    const [reads] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from alert_reads where alert_id = ${inA} and actor_role = 'mediator'`
    expect(reads!.n).toBeGreaterThanOrEqual(2)
    const resolved = await t.request(`/v1/alerts/${inA}/resolve`, { method: 'POST', token: mediatorA, json: {} })
    expect((await resolved.json()).status).toBe('resolved')
  })

  it('a mediator of another network gets 403', async () => {
    await createNetwork(t, { slug: 'nantes' })
    const stranger = await createToken(t, 'nantes', { role: 'mediator', label: 'Nantes' })
    const id = await raise(IN_A)
    const res = await t.request(`/v1/alerts/${id}`, { token: stranger })
    expect(res.status).toBe(403)
    expect((await res.json()).code).toBe('wrong_network')
  })

  it('the field stream carries the alerts of my sectors only', async () => {
    const mediatorA = await createToken(t, 'larochelle', { role: 'mediator', label: 'Médiatrice flux', sectors: ['Centre'] }, operator)
    now = new Date(now.getTime() + 24 * 3600_000)
    const inB = await raise(IN_B)
    const inA = await raise(IN_A)
    const res = await t.request('/v1/field/alerts/stream', { token: mediatorA })
    expect(res.status).toBe(200)
    const events = await readSse<{ event: string; alert: { id: string } }>(res, 2, 1500)
    expect(events.map((e) => e.data.alert.id)).toEqual([inA])
    expect(events[0]!.data.event).toBe('created')
    expect(inB).not.toBe(inA)
    // Resumed after the last one: B's next event is not there either, A's is.
    await t.request(`/v1/alerts/${inB}/acknowledge`, { method: 'POST', token: operator, json: {} })
    await t.request(`/v1/alerts/${inA}/acknowledge`, { method: 'POST', token: operator, json: {} })
    const resumed = await t.request('/v1/field/alerts/stream', { token: mediatorA, headers: { 'Last-Event-ID': events[0]!.id } })
    const more = await readSse<{ event: string; alert: { id: string } }>(resumed, 2, 1500)
    expect(more.map((e) => [e.data.alert.id, e.data.event])).toEqual([[inA, 'acknowledged']])
    expect((await t.request('/v1/field/alerts/stream', { token: operator })).status).toBe(403)
    expect((await t.request('/v1/field/alerts/stream')).status).toBe(401)
  })
})

describe('hand-off', () => {
  it('records to whom, when and by whom, answers the number to call and what to read out, and changes nothing else', async () => {
    const policeA = await createToken(t, 'larochelle', { role: 'police', label: 'PM Centre', sectors: ['Centre'] }, operator)
    const id = await raise(IN_A)
    const res = await t.request(`/v1/alerts/${id}/handoff`, { method: 'POST', token: policeA, json: { to: 'samu', note: 'personne blessée' } })
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body.call).toEqual({ number: '15', service: 'SAMU' })
    expect(body.emergency).toEqual({ police: '17', eu: '112', sms: '114' })
    expect(body.handoff).toMatchObject({ to: 'samu', by: 'police' })
    expect(body.read_out).toContain('46.16000, -1.16000')
    expect(body.read_out).toContain('on me suit')
    expect(body.alert.status).toBe('open')
    expect(body.alert.events.map((e: { kind: string }) => e.kind)).toEqual(['created', 'handoff_samu'])

    const byOperator = await t.request(`/v1/alerts/${id}/handoff`, { method: 'POST', token: operator, json: { to: 'police_nationale' } })
    expect((await byOperator.json()).call.number).toBe('17')
    for (const [to, number] of [['pompiers', '18'], ['other', '112'], ['police_municipale', '17']]) {
      expect((await (await t.request(`/v1/alerts/${id}/handoff`, { method: 'POST', token: operator, json: { to } })).json()).call.number).toBe(number)
    }
    const rows = await t.db.sql<{ to_service: string; actor_role: string; at: Date }[]>`
      select to_service, actor_role, at from alert_handoffs where alert_id = ${id} order by id`
    expect(rows.map((r) => [r.to_service, r.actor_role])).toEqual([
      ['samu', 'police'],
      ['police_nationale', 'operator'],
      ['pompiers', 'operator'],
      ['other', 'operator'],
      ['police_municipale', 'operator'],
    ])
    expect(rows[0]!.at.getTime()).toBe(now.getTime())
    const seen = await (await t.request(`/v1/alerts/${id}`, { token: operator })).json()
    expect(seen.status).toBe('open')
    expect(seen.events.filter((e: { kind: string }) => e.kind.startsWith('handoff_'))).toHaveLength(5)

    const bad = await t.request(`/v1/alerts/${id}/handoff`, { method: 'POST', token: operator, json: { to: 'gendarmerie' } })
    expect(bad.status).toBe(400)
    expect((await t.request(`/v1/alerts/${crypto.randomUUID()}/handoff`, { method: 'POST', token: operator, json: { to: 'samu' } })).status).toBe(404)
    expect((await t.request(`/v1/alerts/${id}/handoff`, { method: 'POST', json: { to: 'samu' } })).status).toBe(401)
  })
})
