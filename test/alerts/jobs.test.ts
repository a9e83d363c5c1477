import { createServer, type IncomingMessage, type Server } from 'node:http'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { escalateDue, eraseExpired } from '../../src/alerts/jobs.ts'
import { createLogger } from '../../src/logger.ts'
import { drainOutbox } from '../../src/notify/dispatcher.ts'
import { recordingPush } from '../../src/notify/ports.ts'
import { twilioSender } from '../../src/notify/twilio.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { activePlace, subscription } from './fixtures.ts'

// Escalation, SMS through the real twilio client to a local REST peer, retention.
const SID = 'AC11111111111111111111111111111111'
const TOKEN = 'twilio-secret-token'
const FROM = '+33644648719'
const ONCALL = '+33388000000'
let now = new Date('2026-11-24T23:00:00+01:00')
const clock = { now: () => now }
const here = { lat: 47.2388, lon: 6.0243 }
const log = createLogger('silent', () => {})
let t: TestApp
let operator: string
let twilioPeer: Server
let apiUrl: string
const received: { auth: string | undefined; path: string; form: URLSearchParams }[] = []

async function body(req: IncomingMessage) {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString()
}

beforeAll(async () => {
  // A Twilio REST peer: answers like the real API, refuses wrong credentials.
  twilioPeer = createServer(async (req, res) => {
    const form = new URLSearchParams(await body(req))
    const auth = req.headers.authorization
    if (auth !== `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }))
      return
    }
    received.push({ auth, path: req.url ?? '', form })
    res.writeHead(201, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ sid: `SM${String(received.length).padStart(32, '0')}`, status: 'queued', to: form.get('To'), from: form.get('From'), body: form.get('Body') }))
  })
  await new Promise<void>((r) => twilioPeer.listen(0, '127.0.0.1', r))
  apiUrl = `http://127.0.0.1:${(twilioPeer.address() as { port: number }).port}`
  t = await testApp({ clock, env: { TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: 'https://halte.example.org' } })
  await createNetwork(t, { slug: 'besancon', sms_number: FROM })
  operator = await createToken(t, 'besancon', { role: 'operator', label: 'CSU' })
  const set = await t.request('/v1/networks/besancon/alert-settings', { method: 'PATCH', token: operator, json: { oncall_sms_number: ONCALL } })
  expect(await set.json()).toEqual({ escalation_delay_s: 120, oncall_sms_number: ONCALL })
  await activePlace(t, 'besancon', operator, { lat: here.lat + 0.001, lon: here.lon })
  expect((await t.request('/v1/networks/besancon/push-subscriptions', { method: 'POST', token: operator, json: subscription() })).status).toBe(201)
})
afterAll(async () => {
  await new Promise((r) => twilioPeer?.close(r))
  await t?.close()
})

const sms = (token = TOKEN) => twilioSender({ accountSid: SID, authToken: token, apiUrl })
const raise = async () => {
  const res = await t.request('/v1/networks/besancon/alerts', { method: 'POST', json: { location: here } })
  return ((await res.json()) as { id: string; access_token: string })
}
const later = (ms: number) => {
  now = new Date(now.getTime() + ms)
}

describe('escalation', () => {
  it('settings are the operators\' own, validated', async () => {
    expect((await t.request('/v1/networks/besancon/alert-settings')).status).toBe(401)
    const bad = await t.request('/v1/networks/besancon/alert-settings', { method: 'PATCH', token: operator, json: { escalation_delay_s: 5 } })
    expect(bad.status).toBe(400)
    const bad2 = await t.request('/v1/networks/besancon/alert-settings', { method: 'PATCH', token: operator, json: { oncall_sms_number: '0381' } })
    expect(bad2.status).toBe(400)
    expect(await (await t.request('/v1/networks/besancon/alert-settings', { token: operator })).json()).toEqual({
      escalation_delay_s: 120,
      oncall_sms_number: ONCALL,
    })
  })

  it('an alert unacknowledged after the delay escalates once: operators pushed again, on-call SMS sent via Twilio', async () => {
    const push = recordingPush()
    const alert = await raise()
    await drainOutbox({ sql: t.db.sql, clock, log, push: push.sender, sms: sms() })
    expect(push.sent).toHaveLength(1)
    later(60_000)
    expect(await escalateDue(t.db.sql, now)).toEqual([])
    later(61_000)
    expect((await escalateDue(t.db.sql, now)).map((a) => a.id)).toEqual([alert.id])
    expect(await escalateDue(t.db.sql, now)).toEqual([])
    await drainOutbox({ sql: t.db.sql, clock, log, push: push.sender, sms: sms() })
    expect(JSON.parse(push.sent[1]!.payload)).toMatchObject({ type: 'escalation', alert_id: alert.id })
    expect(received).toHaveLength(1)
    const call = received[0]!
    expect(call.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`)
    expect(call.form.get('To')).toBe(ONCALL)
    expect(call.form.get('From')).toBe(FROM)
    expect(call.form.get('Body')).toMatch(/^halte : alerte [0-9a-f]{8} sans prise en charge depuis 2 min\. https:\/\/www\.openstreetmap\.org/)
    const events = await t.db.sql`select kind, actor_role from alert_events where alert_id = ${alert.id} order by id`
    expect(events.map((e) => e.kind)).toEqual(['created', 'escalated'])
  })

  it('an acknowledged alert does not escalate', async () => {
    const alert = await raise()
    expect((await t.request(`/v1/alerts/${alert.id}/acknowledge`, { method: 'POST', token: operator })).status).toBe(200)
    later(600_000)
    expect((await escalateDue(t.db.sql, now)).map((a) => a.id)).not.toContain(alert.id)
  })

  it('an instance without SMS configured leaves SMS rows for one that has it', async () => {
    await raise()
    later(200_000)
    await escalateDue(t.db.sql, now)
    await drainOutbox({ sql: t.db.sql, clock, log, push: recordingPush().sender })
    const [row] = await t.db.sql`select status, attempts from outbox where channel = 'sms' order by id desc limit 1`
    expect(row).toMatchObject({ status: 'pending', attempts: 0 })
    await drainOutbox({ sql: t.db.sql, clock, log, sms: sms() })
    const [after] = await t.db.sql`select status from outbox where channel = 'sms' order by id desc limit 1`
    expect(after!.status).toBe('sent')
  })

  it('Twilio refusing the credentials is a failure kept in the outbox, not a loss', async () => {
    received.length = 0
    await raise()
    later(200_000)
    await escalateDue(t.db.sql, now)
    await drainOutbox({ sql: t.db.sql, clock, log, push: recordingPush().sender, sms: sms('wrong'), maxAttempts: 1 })
    const [row] = await t.db.sql`select status, last_error from outbox where channel = 'sms' order by id desc limit 1`
    expect(row).toMatchObject({ status: 'failed', last_error: 'twilio answered 401' })
    expect(received).toHaveLength(0)
  })
})

describe('status SMS to the person who texted', () => {
  const inbound = async (from: string, body: string) => {
    const params = { MessageSid: `SM${crypto.randomUUID().replace(/-/g, '')}`, From: from, To: FROM, Body: body, AccountSid: SID }
    const signature = twilio.getExpectedTwilioSignature(TOKEN, 'https://halte.example.org/webhooks/twilio/sms', params)
    const res = await t.request('/webhooks/twilio/sms', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    })
    expect(res.status).toBe(200)
    const [row] = await t.db.sql`select alert_id from sms_inbound where message_sid = ${params.MessageSid}`
    return row!.alert_id as string
  }

  it('acknowledging an SMS alert texts the person back, unless they sent STOP', async () => {
    received.length = 0
    const a = await inbound('+33622222222', `${here.lat},${here.lon}`)
    await inbound('+33633333333', 'STOP')
    const b = await inbound('+33633333333', `${here.lat},${here.lon}`)
    for (const id of [a, b]) expect((await t.request(`/v1/alerts/${id}/acknowledge`, { method: 'POST', token: operator })).status).toBe(200)
    await drainOutbox({ sql: t.db.sql, clock, log, push: recordingPush().sender, sms: sms() })
    expect(received.map((r) => r.form.get('To'))).toEqual(['+33622222222'])
    expect(received[0]!.form.get('Body')).toBe('Votre alerte est prise en charge. En danger immédiat : 17, 112, SMS 114.')
  })
})

describe('retention', () => {
  it('erases precise location, message and phone after retention_days; the counts survive', async () => {
    const old = await raise()
    await t.db.sql`update alerts set message = 'secret', phone = '+33611111111', phone_hash = 'h' where id = ${old.id}`
    later(14 * 86_400_000)
    const recent = await raise()
    expect(await eraseExpired(t.db.sql, now)).toBe(0)
    later(2 * 86_400_000)
    const [{ n: before }] = (await t.db.sql`select count(*)::int as n from alerts`) as unknown as [{ n: number }]
    expect(await eraseExpired(t.db.sql, now)).toBeGreaterThanOrEqual(1)
    const [erased] = await t.db.sql`select message, phone, phone_hash, erased_at is not null as erased,
      st_y(location::geometry) as lat, st_x(location::geometry) as lon, status from alerts where id = ${old.id}`
    expect(erased).toMatchObject({ message: null, phone: null, phone_hash: null, erased: true })
    // Coarsened to a 0.01° grid (~1 km), no longer the person's position.
    expect(erased!.lat).toBeCloseTo(47.24, 9)
    expect(erased!.lon).toBeCloseTo(6.02, 9)
    const [kept] = await t.db.sql`select erased_at, st_y(location::geometry) as lat from alerts where id = ${recent.id}`
    expect(kept).toMatchObject({ erased_at: null, lat: here.lat })
    const [{ n: after }] = (await t.db.sql`select count(*)::int as n from alerts`) as unknown as [{ n: number }]
    expect(after).toBe(before)
    const [sms] = await t.db.sql`select count(*)::int as n from outbox o join alerts a on a.id = o.alert_id
      where a.erased_at is not null and (o.to_number is not null or o.payload ? 'location')`
    expect(sms!.n).toBe(0)
    // Idempotent: a second pass erases nothing more.
    expect(await eraseExpired(t.db.sql, now)).toBe(0)
  })

  it("honours the network's own retention period", async () => {
    await t.db.sql`update networks set retention_days = 30 where slug = 'besancon'`
    const alert = await raise()
    later(20 * 86_400_000)
    await eraseExpired(t.db.sql, now)
    const [row] = await t.db.sql`select erased_at from alerts where id = ${alert.id}`
    expect(row!.erased_at).toBeNull()
  })
})
