import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { phoneHash, sha256Hex } from '../../src/alerts/secrets.ts'
import { activePlace, subscription } from '../alerts/fixtures.ts'
import { createNetwork, createToken, TEST_HASH_SECRET, type TestApp, testApp } from '../helpers/app.ts'
import { LAT, uploadFeed } from '../transit/feed.ts'
import { scanForTraces } from './scan.ts'

// A person's rights: the requester of an alert or a drop-off reads everything held about
// it and erases it with its access token; an SMS sender erases what is held about their
// number by texting SUPPRIMER; a partner exports its data and closes its account. After
// each erasure every column of every table is searched for the person's number (in any
// written form), message, notes, token and point (as text, and by PostGIS within 1 m);
// the rows the stats count stay.

const AUTH = 'rights-twilio-token'
const BASE = 'https://halte.example.org'
const NUMBER = '+33644640002'
const PHONE = '+33698765432'
const WEB = { lat: 47.74512, lon: 7.31537 }
const SMS_POINT = { lat: 47.76523, lon: 7.33541 }
const CONTROL = { lat: 47.7302, lon: 7.2903 }
const WEB_MESSAGE = 'Un homme en veste rouge me suit rue des Glycines'
const SMS_MESSAGE = 'Aidez moi je suis devant la pharmacie Bellevue'
const PARTNER_NOTE = 'Elle attend au comptoir avec Margaux'
const DRIVER_NOTE = 'devant le portail vert du 14'

const now = new Date('2026-11-20T21:05:00Z') // a Friday, 22:05 in Paris
let t: TestApp
let slug: string
let networkId: string
let operator: string
let sid = 0

async function sms(body: string, from = PHONE) {
  sid++
  const params = { MessageSid: `SM${String(sid).padStart(32, '0')}`, AccountSid: `AC${'0'.repeat(32)}`, From: from, To: NUMBER, Body: body }
  const signature = twilio.getExpectedTwilioSignature(AUTH, `${BASE}/webhooks/twilio/sms`, params)
  const res = await t.request('/webhooks/twilio/sms', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  })
  expect(res.status).toBe(200)
  return res.text()
}

const access = (token: string) => ({ 'x-access-token': token })

// An export, read loosely: each test checks the fields it is about.
type Row = Record<string, unknown>
type Point = { lat: number; lon: number }
interface Exported {
  alert: Row & { location: Point }
  dropoff: Row & { point: Point }
  place: Row
  push_subscriptions: number
  events: Row[]
  notified: Row[]
  deliveries: Row[]
  reads: Row[]
  history: Row[]
  tokens: Row[]
  devices: Row[]
}

async function raise(p: { lat: number; lon: number }, message: string) {
  const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: { ...p, accuracy_m: 8 }, message, push_subscription: subscription() } })
  expect(res.status, await res.clone().text()).toBe(201)
  return (await res.json()) as { id: string; access_token: string }
}

let web: { id: string; access_token: string }
let control: { id: string; access_token: string }
let partner: { id: string; token: string }
let dropoff: { id: string; access_token: string }
let dropPoint: { lat: number; lon: number }

beforeAll(async () => {
  t = await testApp({ clock: { now: () => now }, env: { TWILIO_AUTH_TOKEN: AUTH, PUBLIC_BASE_URL: BASE } })
  ;({ slug, id: networkId } = await createNetwork(t, { sms_number: NUMBER, dropoff: { hours: 'Mo-Su 21:00-06:00' } }))
  operator = await createToken(t, slug, { role: 'operator', label: 'CSU poste 2' })
  expect((await t.request(`/v1/networks/${slug}/push-subscriptions`, { method: 'POST', token: operator, json: subscription() })).status).toBe(201)
  partner = await activePlace(t, slug, operator, { lat: WEB.lat + 0.002, lon: WEB.lon, name: 'Bar des Tilleuls' })
  expect((await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: partner.token, json: subscription() })).status).toBe(201)
  const mozart = await activePlace(t, slug, operator, { lat: SMS_POINT.lat - 0.002, lon: SMS_POINT.lon, name: 'Café Mozart' })
  expect((await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: mozart.token, json: subscription() })).status).toBe(201)
  await uploadFeed(t, slug)

  web = await raise(WEB, WEB_MESSAGE)
  control = await raise(CONTROL, 'une autre personne, une autre alerte')
  const ack = await t.request(`/v1/alerts/${web.id}/acknowledge`, { method: 'POST', token: partner.token, json: { note: PARTNER_NOTE } })
  expect(ack.status, await ack.clone().text()).toBe(200)
  expect((await t.request(`/v1/alerts/${web.id}`, { token: operator })).status).toBe(200)

  await sms(SMS_MESSAGE)
  await sms(`${SMS_POINT.lat},${SMS_POINT.lon}`)
  await sms('STOP')

  const ask = await t.request(`/v1/networks/${slug}/dropoffs`, {
    method: 'POST',
    json: { trip_id: 'TR1', location: { lat: LAT, lon: 7.3253 }, rider_position: { lat: LAT, lon: 7.3005 }, push_subscription: subscription() },
  })
  expect(ask.status, await ask.clone().text()).toBe(201)
  dropoff = (await ask.json()) as { id: string; access_token: string }
  const [p] = await t.db.sql<{ lat: number; lon: number }[]>`select st_y(snapped::geometry) as lat, st_x(snapped::geometry) as lon from dropoffs where id = ${dropoff.id}`
  dropPoint = p!
})
afterAll(() => t?.close())

describe('the requester of an alert', () => {
  it('reads everything held about it: the alert, its events, the refuges told by name, deliveries and who read it', async () => {
    const res = await t.request(`/v1/alerts/${web.id}/export`, { headers: access(web.access_token) })
    expect(res.status, await res.clone().text()).toBe(200)
    const body = (await res.json()) as Exported
    expect(body.alert).toMatchObject({ id: web.id, network: slug, channel: 'web', status: 'acknowledged', message: WEB_MESSAGE, accuracy_m: 8 })
    expect(body.alert.location.lat).toBeCloseTo(WEB.lat, 6)
    expect(body.alert.location.lon).toBeCloseTo(WEB.lon, 6)
    expect(body.events.map((e) => e.kind)).toEqual(['created', 'acknowledged'])
    expect(body.events[1]).toMatchObject({ by: 'partner', place: 'Bar des Tilleuls', note: PARTNER_NOTE })
    expect(body.notified).toEqual([{ place: 'Bar des Tilleuls', distance_m: expect.any(Number) }])
    const to = body.deliveries.map((d) => d.to).sort()
    expect(to).toEqual(expect.arrayContaining(['Bar des Tilleuls', 'operator', 'you']))
    expect(body.reads).toEqual([
      expect.objectContaining({ role: 'partner', what: 'acknowledge' }),
      expect.objectContaining({ role: 'operator', label: 'CSU poste 2', what: 'alert', at: expect.any(String) }),
    ])
    // Nobody else's data: the partner's contact, the operators' numbers.
    expect(JSON.stringify(body)).not.toContain('Camille')
  })

  it('is refused without its token (401), with a wrong one (403), for an unknown alert (404)', async () => {
    expect((await t.request(`/v1/alerts/${web.id}/export`)).status).toBe(401)
    const wrong = await t.request(`/v1/alerts/${web.id}/export`, { headers: access(control.access_token) })
    expect(wrong.status).toBe(403)
    expect(((await wrong.json()) as { code: string }).code).toBe('forbidden')
    expect((await t.request(`/v1/alerts/${web.id}`, { method: 'DELETE', headers: access('nope') })).status).toBe(403)
    expect((await t.request(`/v1/alerts/${crypto.randomUUID()}`, { method: 'DELETE', headers: access(web.access_token) })).status).toBe(404)
    expect((await t.request(`/v1/alerts/${crypto.randomUUID()}/export`, { headers: access(web.access_token) })).status).toBe(404)
    // Nothing was erased by the refusals.
    const [a] = await t.db.sql`select message, erased_at from alerts where id = ${web.id}`
    expect(a).toEqual({ message: WEB_MESSAGE, erased_at: null })
  })
})

describe('a drop-off request', () => {
  it('is exported to its rider, and cannot be erased while the driver still needs the point (409)', async () => {
    const res = await t.request(`/v1/dropoffs/${dropoff.id}/export`, { headers: access(dropoff.access_token) })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Exported
    expect(body.dropoff).toMatchObject({ id: dropoff.id, trip_id: 'TR1', route_id: 'L1', status: 'pending', after_stop_name: 'Arrêt 3, rue Test' })
    expect(body.dropoff.point.lon).toBeCloseTo(dropPoint.lon, 6)
    expect(body.push_subscriptions).toBe(1)
    const busy = await t.request(`/v1/dropoffs/${dropoff.id}`, { method: 'DELETE', headers: access(dropoff.access_token) })
    expect(busy.status).toBe(409)
    expect(((await busy.json()) as { code: string }).code).toBe('dropoff_in_progress')
    // A wrong token and an unknown id look the same, as GET /v1/dropoffs/{id} answers.
    expect((await t.request(`/v1/dropoffs/${dropoff.id}`, { method: 'DELETE', headers: access(web.access_token) })).status).toBe(404)
    expect((await t.request(`/v1/dropoffs/${crypto.randomUUID()}/export`, { headers: access(dropoff.access_token) })).status).toBe(404)
    expect((await t.request(`/v1/dropoffs/${dropoff.id}/export`)).status).toBe(401)
  })
})

describe('erasure by token and by SMS', () => {
  let phoneHashNow: string
  const needles = () => [
    WEB_MESSAGE,
    SMS_MESSAGE,
    'pharmacie Bellevue',
    PARTNER_NOTE,
    DRIVER_NOTE,
    PHONE,
    PHONE.slice(1),
    PHONE.slice(3),
    `0${PHONE.slice(3)}`,
    '06 98 76 54 32',
    phoneHashNow,
  ]
  const points = () => [WEB, SMS_POINT, dropPoint]
  // The STOP the sender gave stands (under the hash): it is itself their wish.
  const allow = (table: string, column: string, needle: string) => table === 'sms_optouts' && column === 'phone_hash' && needle === phoneHashNow

  beforeAll(async () => {
    phoneHashNow = await phoneHash(TEST_HASH_SECRET, networkId, PHONE)
    // The driver declines, with a note: the request is over and can be erased.
    const bus = await createToken(t, slug, { role: 'driver', label: 'bus', vehicle: 'bus-7' })
    expect((await t.request('/v1/driver/position', { method: 'POST', token: bus, json: { lat: LAT, lon: 7.301, trip_id: 'TR1' } })).status).toBe(204)
    const no = await t.request(`/v1/driver/dropoffs/${dropoff.id}/decline`, { method: 'POST', token: bus, json: { reason: 'other', note: DRIVER_NOTE } })
    expect(no.status, await no.clone().text()).toBe(200)
  })

  it('the scan sees every trace before the erasure (it can fail)', async () => {
    const before = await scanForTraces(t, { texts: needles(), points: points(), allow })
    const seen = new Set(before.map((f) => f.found))
    for (const n of [WEB_MESSAGE, SMS_MESSAGE, PARTNER_NOTE, DRIVER_NOTE, PHONE, phoneHashNow]) expect(seen).toContain(n)
    const tables = new Set(before.map((f) => f.table))
    for (const tb of ['alerts', 'alert_events', 'outbox', 'dropoffs']) expect(tables).toContain(tb)
    expect(before.some((f) => f.found.startsWith(`${WEB.lat},${WEB.lon} within 1 m`))).toBe(true)
    expect(before.some((f) => f.found.startsWith(`${dropPoint.lat},${dropPoint.lon} within 1 m`))).toBe(true)
  })

  it('erases now: 204 by token for the alert and the drop-off, a confirmation by SMS; then nothing is left anywhere', async () => {
    const del = await t.request(`/v1/alerts/${web.id}`, { method: 'DELETE', headers: access(web.access_token) })
    expect(del.status, await del.clone().text()).toBe(204)
    const drop = await t.request(`/v1/dropoffs/${dropoff.id}`, { method: 'DELETE', headers: access(dropoff.access_token) })
    expect(drop.status, await drop.clone().text()).toBe(204)
    const reply = await sms('  Supprimér ! ')
    expect(reply).toContain('vos données ont été effacées (1 alerte(s))')
    expect(reply).toContain('17, 112, SMS 114')

    const left = await scanForTraces(t, { texts: [...needles(), await sha256Hex(web.access_token)], points: points(), allow })
    expect(left).toEqual([])
  })

  it('answers 404 already_erased afterwards, to the requester as to anyone', async () => {
    for (const path of [`/v1/alerts/${web.id}/export`, `/v1/alerts/${web.id}`]) {
      const res = await t.request(path, { method: path.endsWith('export') ? 'GET' : 'DELETE', headers: access(web.access_token) })
      expect(res.status).toBe(404)
      expect(((await res.json()) as { code: string }).code).toBe('already_erased')
    }
    const d = await t.request(`/v1/dropoffs/${dropoff.id}/export`, { headers: access(dropoff.access_token) })
    expect(((await d.json()) as { code: string }).code).toBe('already_erased')
  })

  it('keeps what the stats count: both alerts and the drop-off, with channel, status, times and how many refuges were told', async () => {
    const alerts = await t.db.sql`
      select source, status, erased_by, notified_places, created_at is not null as dated from alerts where network_id = ${networkId} order by source, erased_by nulls last`
    expect(alerts).toEqual([
      { source: 'sms', status: 'cancelled', erased_by: 'sms', notified_places: 1, dated: true },
      { source: 'web', status: 'cancelled', erased_by: 'requester', notified_places: 1, dated: true },
      { source: 'web', status: 'open', erased_by: null, notified_places: null, dated: true },
    ])
    // The acknowledgement's time stays (time to first acknowledgement), without its note or place.
    const [ack] = await t.db.sql`select actor_role, note, actor_place_id from alert_events where alert_id = ${web.id} and kind = 'acknowledged'`
    expect(ack).toEqual({ actor_role: 'partner', note: null, actor_place_id: null })
    const [d] = await t.db.sql`select route_id, status, decision_reason, decided_at is not null as decided from dropoffs where id = ${dropoff.id}`
    expect(d).toEqual({ route_id: 'L1', status: 'declined', decision_reason: 'other', decided: true })
    // The other person's alert is untouched.
    const [c] = await t.db.sql`select message, location is not null as located from alerts where id = ${control.id}`
    expect(c).toEqual({ message: 'une autre personne, une autre alerte', located: true })
    expect((await t.db.sql`select count(*)::int as n from sms_optouts where network_id = ${networkId}`)[0]!.n).toBe(1)
  })

  it('logs each erasure without the erased data: what kind, when, by whom, counts', async () => {
    const log = await t.db.sql`select kind, requested_by, subject_id, counts from erasures where network_id = ${networkId} order by id`
    expect(log).toEqual([
      { kind: 'alert', requested_by: 'requester', subject_id: web.id, counts: { alerts: 1 } },
      { kind: 'dropoff', requested_by: 'requester', subject_id: dropoff.id, counts: { dropoffs: 1, push_subscriptions: 1, messages: expect.any(Number) } },
      { kind: 'phone', requested_by: 'sms', subject_id: null, counts: { alerts: 1, held: 0, rate_limits: 1 } },
    ])
  })

  it('"SUPPRIMER" is understood alone only: within a message it is a message', async () => {
    expect(await sms('DELETE', '+33611112222')).toContain('(0 alerte(s))')
    const reply = await sms('il veut supprimer mon téléphone', '+33611113333')
    expect(reply).not.toContain('effacées')
    expect((await t.db.sql`select count(*)::int as n from alerts where message like 'il veut supprimer%'`)[0]!.n).toBe(1)
  })
})

describe('a partner', () => {
  let place: { id: string; token: string }
  beforeAll(async () => {
    const res = await t.request(`/v1/networks/${slug}/applications`, {
      method: 'POST',
      json: {
        name: 'Librairie du Marché',
        kind: 'shop',
        address: '3 place du Marché',
        location: { lat: 47.7501, lon: 7.3402 },
        opening_hours: '24/7',
        contact_name: 'Dominique Rivière',
        email: 'dominique@librairie.example',
        phone: '+33 3 89 00 11 22',
        charter_accepted: true,
      },
    })
    expect(res.status, await res.clone().text()).toBe(201)
    const { id, partner_token } = (await res.json()) as { id: string; partner_token: string }
    expect((await t.request(`/v1/networks/${slug}/places/${id}/approve`, { method: 'POST', token: operator })).status).toBe(200)
    place = { id, token: partner_token }
    expect((await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: place.token, json: subscription() })).status).toBe(201)
  })

  it('exports its place and contact, its history and tokens (never their secrets)', async () => {
    const res = await t.request('/v1/partner/export', { token: place.token })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Exported
    expect(body.place).toMatchObject({ id: place.id, name: 'Librairie du Marché', contact_name: 'Dominique Rivière', email: 'dominique@librairie.example', status: 'active' })
    expect(body.history.map((h) => h.to)).toContain('active')
    expect(body.tokens).toEqual([expect.objectContaining({ role: 'partner', revoked_at: null })])
    expect(body.devices).toEqual([expect.objectContaining({ push_service: 'https://push.example.net' })])
    expect(JSON.stringify(body)).not.toContain(place.token)
    expect((await t.request('/v1/partner/export', { token: operator })).status).toBe(403)
    expect((await t.request('/v1/partner/export')).status).toBe(401)
  })

  it('closes its account: withdrawn, contact erased everywhere, tokens revoked, history kept', async () => {
    expect((await t.request('/v1/partner/close', { method: 'POST', token: operator })).status).toBe(403)
    const res = await t.request('/v1/partner/close', { method: 'POST', token: place.token })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(await res.json()).toEqual({ closed: true, tokens_revoked: 1 })
    const [p] = await t.db.sql`select status, contact_name, email, phone, name from places where id = ${place.id}`
    expect(p).toEqual({ status: 'withdrawn', contact_name: null, email: null, phone: null, name: 'Librairie du Marché' })
    expect((await t.request('/v1/partner/export', { token: place.token })).status).toBe(401)
    expect((await t.db.sql`select count(*)::int as n from push_subscriptions where place_id = ${place.id}`)[0]!.n).toBe(0)
    const left = await scanForTraces(t, { texts: ['Dominique Rivière', 'dominique@librairie.example', '89 00 11 22', '+33389001122'], points: [] })
    expect(left).toEqual([])
    const history = await t.db.sql`select to_status from place_status_history where place_id = ${place.id} order by at, id`
    expect(history.map((h) => h.to_status)).toEqual(expect.arrayContaining(['active', 'withdrawn']))
    expect(history.at(-1)!.to_status).toBe('withdrawn')
    const [log] = await t.db.sql`select kind, requested_by, counts->>'tokens' as tokens from erasures where subject_id = ${place.id}`
    expect(log).toEqual({ kind: 'partner', requested_by: 'partner', tokens: '1' })
  })
})
