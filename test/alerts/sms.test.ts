import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { baseFeed, zipOf } from '../transit/feed.ts'
import { activePlace, subscription } from './fixtures.ts'

// Inbound SMS as Twilio sends them, signed with the twilio package's own helper.
const AUTH = 'test-auth-token-twilio'
const BASE = 'https://halte.example.org'
const NUMBER = '+33644648719'
const NOW = new Date('2026-11-24T23:00:00+01:00')
const here = { lat: 47.2388, lon: 6.0243 }
let t: TestApp
let sid = 0

// Stops near the refuges: one name per direction (G2 listed first, G1 first by
// stop_id), names in capitals with accents, and a stop with a refuge's name elsewhere.
const STOPS = {
  G2: { name: 'Gare Centrale', lat: here.lat - 0.001, lon: here.lon },
  G1: { name: 'Gare Centrale', lat: here.lat - 0.0012, lon: here.lon + 0.0003 },
  E1: { name: 'ÉGLISE SAINT-ÉTIENNE', lat: here.lat + 0.004, lon: here.lon - 0.002 },
  P1: { name: 'Pharmacie de la Gare', lat: here.lat - 0.03, lon: here.lon },
}

function feedWithStops() {
  const files = baseFeed()
  const extra = Object.entries(STOPS).map(([id, s]) => `${id},"${s.name}",${s.lat},${s.lon}`)
  files['stops.txt'] = `${files['stops.txt']}${extra.join('\n')}\n`
  return zipOf(files)
}

beforeAll(async () => {
  t = await testApp({ clock: { now: () => NOW }, env: { TWILIO_AUTH_TOKEN: AUTH, PUBLIC_BASE_URL: BASE } })
  await createNetwork(t, { slug: 'besancon', sms_number: NUMBER })
  await createNetwork(t, { slug: 'london', sms_number: '+447700900123', locale: 'en', timezone: 'Europe/London', country_code: 'GB' })
  const operator = await createToken(t, 'besancon', { role: 'operator', label: 'CSU' })
  const bar = await activePlace(t, 'besancon', operator, { lat: here.lat + 0.001, lon: here.lon, name: 'Bar <Le Chat & la Souris>', hours: 'Mo-Su 18:00-02:00' })
  await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: bar.token, json: subscription() })
  await activePlace(t, 'besancon', operator, { lat: here.lat + 0.02, lon: here.lon, name: 'Pharmacie de la Gare' })
  await activePlace(t, 'besancon', operator, { lat: here.lat, lon: here.lon + 0.002, name: 'Librairie', hours: 'Mo-Sa 09:00-19:00' })
  const gtfs = await t.request('/v1/networks/besancon/gtfs', {
    method: 'POST',
    token: ADMIN_TOKEN,
    body: new Blob([feedWithStops() as Uint8Array<ArrayBuffer>]),
    headers: { 'content-type': 'application/zip' },
  })
  if (gtfs.status !== 200) throw new Error(`GTFS import failed: ${gtfs.status} ${await gtfs.text()}`)
})
afterAll(() => t?.close())

function form(over: Record<string, string> = {}) {
  sid++
  return {
    ToCountry: 'FR',
    SmsMessageSid: `SM${String(sid).padStart(32, '0')}`,
    NumMedia: '0',
    SmsSid: `SM${String(sid).padStart(32, '0')}`,
    SmsStatus: 'received',
    Body: 'Hello',
    FromCountry: 'FR',
    To: NUMBER,
    NumSegments: '1',
    MessageSid: `SM${String(sid).padStart(32, '0')}`,
    AccountSid: 'AC00000000000000000000000000000000',
    From: '+33612345678',
    ApiVersion: '2010-04-01',
    ...over,
  }
}

async function post(params: Record<string, string>, opts: { signature?: string; url?: string } = {}) {
  const signature = opts.signature ?? twilio.getExpectedTwilioSignature(AUTH, opts.url ?? `${BASE}/webhooks/twilio/sms`, params)
  const res = await t.request('/webhooks/twilio/sms', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  })
  return { res, text: await res.text() }
}

const message = (xml: string) => /<Message>([\s\S]*)<\/Message>/.exec(xml)?.[1] ?? null
const fromXml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
const alertOf = async (from: string) => {
  const [row] = await t.db.sql<{ lat: number | null; lon: number | null }[]>`
    select st_y(location::geometry) as lat, st_x(location::geometry) as lon from alerts where phone = ${from}`
  return row
}

describe('Twilio inbound SMS webhook', () => {
  it('refuses a missing, wrong or foreign-URL signature with 403 and stores nothing', async () => {
    const params = form({ Body: `${here.lat}, ${here.lon}` })
    expect((await post(params, { signature: 'AAAA' })).res.status).toBe(403)
    expect((await post(params, { url: 'http://localhost/webhooks/twilio/sms' })).res.status).toBe(403)
    const res = await t.request('/webhooks/twilio/sms', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    })
    expect(res.status).toBe(403)
    expect(((await res.json()) as { code: string }).code).toBe('invalid_signature')
    const tampered = twilio.getExpectedTwilioSignature(AUTH, `${BASE}/webhooks/twilio/sms`, params)
    expect((await post({ ...params, Body: 'autre' }, { signature: tampered })).res.status).toBe(403)
    const [n] = await t.db.sql`select count(*)::int as n from alerts`
    expect(n!.n).toBe(0)
  })

  it('coordinates → an SMS alert and TwiML with open refuges (escaped) and 17/112/114', async () => {
    const { res, text } = await post(form({ Body: `Suivie, je suis ici ${here.lat}, ${here.lon}` }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/xml/)
    expect(text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>/)
    const msg = message(text)!
    expect(msg).toContain('17')
    expect(msg).toContain('112')
    expect(msg).toContain('114')
    expect(msg).toContain('Bar &lt;Le Chat &amp; la Souris&gt;')
    expect(msg).toContain("jusqu'à 02:00")
    expect(msg).not.toContain('Librairie')
    const [alert] = await t.db.sql`select source, phone, phone_hash, st_y(location::geometry) as lat from alerts`
    expect(alert).toMatchObject({ source: 'sms', phone: '+33612345678', lat: here.lat })
    expect(alert!.phone_hash).toHaveLength(64)
  })

  it("a retry of the same MessageSid gets the same answer and makes no second alert", async () => {
    const params = form({ Body: `geo:${here.lat},${here.lon}`, From: '+33600000001' })
    const first = await post(params)
    const again = await post(params)
    expect(again.text).toBe(first.text)
    const [n] = await t.db.sql`select count(*)::int as n from sms_inbound where message_sid = ${params.MessageSid}`
    expect(n!.n).toBe(1)
    const alerts = await t.db.sql`select id from alerts a join sms_inbound s on s.alert_id = a.id where s.message_sid = ${params.MessageSid}`
    expect(alerts).toHaveLength(1)
  })

  it('without a location: asks for one, still with 17/112/114; the answer locates the same alert', async () => {
    const from = '+33600000002'
    const { text } = await post(form({ Body: 'Hello', From: from }))
    const msg = message(text)!
    expect(msg).toMatch(/17.*112.*114/)
    expect(msg).toContain('Où etes-vous')
    const [before] = await t.db.sql`select count(*)::int as n from alerts where location is null and source = 'sms'`
    expect(before!.n).toBe(1)
    const located = await post(form({ Body: `https://www.openstreetmap.org/?mlat=${here.lat}&mlon=${here.lon}`, From: from }))
    expect(message(located.text)).toContain('Refuges ouverts')
    const [after] = await t.db.sql`select count(*)::int as n from alerts where location is null and source = 'sms'`
    expect(after!.n).toBe(0)
    const events = await t.db.sql`select e.kind from alert_events e join alerts a on a.id = e.alert_id
      where a.message = 'Hello' order by e.id`
    expect(events.map((e) => e.kind)).toEqual(['created', 'located'])
    const [recipients] = await t.db.sql`select count(*)::int as n from alert_recipients r join alerts a on a.id = r.alert_id where a.message = 'Hello'`
    expect(recipients!.n).toBe(1)
  })

  it('a refuge named in the message is a location, preferred to a stop of the same name', async () => {
    const { text } = await post(form({ Body: 'Je suis devant la pharmacie de la gare', From: '+33600000003' }))
    const msg = fromXml(message(text)!)
    expect(msg).toContain('Vous etes près de "Pharmacie de la Gare" ? Sinon')
    expect(msg).toContain('1) Pharmacie de la Gare')
    expect(msg).not.toContain('arret')
    expect(await alertOf('+33600000003')).toEqual({ lat: here.lat + 0.02, lon: here.lon })
  })

  it("a stop named in the message is a location: the first of the name's stops, said back in the reply", async () => {
    const from = '+33600000007'
    const { text } = await post(form({ Body: 'je suis a la gare centrale aidez moi', From: from }))
    const msg = fromXml(message(text)!)
    expect(msg).toMatch(/^Urgence : appelez le 17 ou le 112, SMS au 114\. Vous etes près de l'arret Gare Centrale \? Sinon, dites où vous etes\. Refuges ouverts : 1\) Bar <Le Chat & la Souris>/)
    expect(msg.length).toBeLessThanOrEqual(306)
    expect(await alertOf(from)).toEqual({ lat: STOPS.G1.lat, lon: STOPS.G1.lon })
  })

  it('a stop name in capitals with accents matches a message in lower case without them', async () => {
    const from = '+33600000008'
    const { text } = await post(form({ Body: "Suivie, je suis à l'eglise saint etienne", From: from }))
    expect(fromXml(message(text)!)).toContain("près de l'arret ÉGLISE SAINT-ÉTIENNE ?")
    expect(await alertOf(from)).toEqual({ lat: STOPS.E1.lat, lon: STOPS.E1.lon })
  })

  it('a message that only shares a word with stop names is no location: it asks for one', async () => {
    const from = '+33600000009'
    const { text } = await post(form({ Body: "je suis perdue près d'une gare", From: from }))
    const msg = message(text)!
    expect(msg).toMatch(/17.*112.*114/)
    expect(msg).toContain('Où etes-vous')
    expect(msg).not.toContain('Refuges ouverts')
    expect(await alertOf(from)).toEqual({ lat: null, lon: null })
  })

  it('STOP / ARRET opt out: no status SMS afterwards; START opts back in', async () => {
    const from = '+33600000004'
    await post(form({ Body: `${here.lat},${here.lon}`, From: from }))
    const stop = await post(form({ Body: 'ARRÊT', From: from }))
    expect(message(stop.text)).toContain('Vous ne recevrez plus de SMS')
    const [row] = await t.db.sql`select count(*)::int as n from sms_optouts`
    expect(row!.n).toBe(1)
    expect(message((await post(form({ Body: 'stop', From: '+33600000005' }))).text)).toContain('114')
    expect(message((await post(form({ Body: 'START', From: '+33600000005' }))).text)).toContain('réactivés')
  })

  it('answers in the network language, and any unknown number still gets the emergency numbers', async () => {
    const en = await post(form({ To: '+447700900123', Body: 'Hello' }))
    expect(message(en.text)).toMatch(/^Emergency: call 17 or 112, text 114\. Where are you\?/)
    const unknown = await post(form({ To: '+33999999999' }))
    expect(message(unknown.text)).toMatch(/17.*112.*114/)
  })

  it('rate-limits one phone: an answer with the emergency numbers, no new alert', async () => {
    const from = '+33600000006'
    for (let i = 0; i < 10; i++) await post(form({ Body: 'aide', From: from }))
    const [before] = await t.db.sql`select count(*)::int as n from sms_inbound`
    const { res, text } = await post(form({ Body: 'aide', From: from }))
    expect(res.status).toBe(200)
    expect(message(text)).toMatch(/17.*112.*114.*trop de messages/)
    const [after] = await t.db.sql`select count(*)::int as n from sms_inbound`
    expect(after!.n).toBe(before!.n + 1)
  })
})
