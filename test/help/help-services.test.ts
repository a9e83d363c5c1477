import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { searchNearest } from '../../src/places/nearest.ts'
import { helpLine, refugesReply } from '../../src/sms/reply.ts'
import { activePlace } from '../alerts/fixtures.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// Help desks are offered, never served as refuges; welcome points exist only within
// their validity (event mode). La Rochelle-like network, Europe/Paris.
let now = new Date('2026-12-01T14:00:00Z') // Tuesday 15:00 in Paris
let t: TestApp
let slug: string
let operator: string
let franceVictimes: string

const AT = { lat: 46.16, lon: -1.15 }
const AUTH = 'help-test-twilio-auth-token'
const BASE = 'https://halte.example.org'
const NUMBER = '+33700000017'
const at = (dlat: number, dlon = 0) => ({ lat: AT.lat + dlat, lon: AT.lon + dlon })

beforeAll(async () => {
  t = await testApp({ clock: { now: () => now }, env: { TWILIO_AUTH_TOKEN: AUTH, PUBLIC_BASE_URL: BASE } })
  slug = (await createNetwork(t, { search_radius_m: 20_000, sms_number: NUMBER })).slug
  operator = await createToken(t, slug, { role: 'operator', label: 'PC' })
  await activePlace(t, slug, operator, { ...at(0.001), name: 'Bar du Port', hours: '24/7' })
  const add = async (body: Record<string, unknown>) => {
    const res = await t.request(`/v1/networks/${slug}/help-services`, { method: 'POST', token: operator, json: body })
    expect(res.status, await res.clone().text()).toBe(201)
    return ((await res.json()) as { properties: { id: string } }).properties.id
  }
  franceVictimes = await add({
    name: 'France Victimes 17',
    address: '1 place de la Tranquillité',
    location: at(0.002),
    opening_hours: 'Tu 14:00-17:00; PH off',
    helps_with: ['victims', 'legal_advice'],
    schedule_note: 'permanence mardi 14:00, Maison de la tranquillité',
    phone: '05 46 00 00 00',
  })
  await add({ name: 'CIDFF', address: '2 rue des Droits', location: at(0.0005), opening_hours: 'Th 09:00-12:00', helps_with: ['domestic_violence', 'rights'] })
})
afterAll(() => t?.close())

type Help = { properties: { name: string; open_now: boolean; open_until: string | null; next_open: string | null; schedule_note: string | null; distance_m: number | null } }

async function alertAnswer() {
  const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: AT } })
  expect(res.status).toBe(201)
  return (await res.json()) as { help: Help | null; nearest: { properties: { name: string } }[] }
}

describe('help services', () => {
  it('an alert at Tuesday 15:00 offers the open permanence, until when', async () => {
    now = new Date('2026-12-01T14:00:00Z')
    const body = await alertAnswer()
    expect(body.help?.properties).toMatchObject({
      name: 'France Victimes 17',
      open_now: true,
      open_until: '2026-12-01T17:00:00+01:00',
      next_open: null,
      schedule_note: 'permanence mardi 14:00, Maison de la tranquillité',
    })
    // Never among the refuges the alert lists.
    expect(body.nearest.map((f) => f.properties.name)).toEqual(['Bar du Port'])
  })

  it('an alert at Sunday 03:30 offers the next to open: Tuesday 14:00', async () => {
    now = new Date('2026-12-06T02:30:00Z')
    const body = await alertAnswer()
    expect(body.help?.properties).toMatchObject({ name: 'France Victimes 17', open_now: false, next_open: '2026-12-08T14:00:00+01:00' })
  })

  it('lists open desks first, then by next opening; filters on what they help with', async () => {
    now = new Date('2026-12-01T14:00:00Z')
    const res = await t.request(`/v1/networks/${slug}/help-services?lat=${AT.lat}&lon=${AT.lon}`)
    expect(res.status).toBe(200)
    const all = ((await res.json()) as { features: Help[] }).features.map((f) => f.properties)
    // CIDFF is nearer, but closed: the open one comes first.
    expect(all.map((p) => [p.name, p.open_now, p.next_open])).toEqual([
      ['France Victimes 17', true, null],
      ['CIDFF', false, '2026-12-03T09:00:00+01:00'],
    ])
    expect(all[1]!.distance_m).toBeGreaterThan(40)
    const rights = await t.request(`/v1/networks/${slug}/help-services?helps_with=rights`)
    expect(((await rights.json()) as { features: Help[] }).features.map((f) => [f.properties.name, f.properties.distance_m])).toEqual([['CIDFF', null]])
    const sunday = await t.request(`/v1/networks/${slug}/help-services?at=2026-12-06T03:30`)
    expect(((await sunday.json()) as { features: Help[] }).features.map((f) => f.properties.name)).toEqual(['France Victimes 17', 'CIDFF'])
  })

  it('never appears among refuges: nearest (open or not), bbox', async () => {
    now = new Date('2026-12-01T14:00:00Z')
    const nearest = await t.request(`/v1/networks/${slug}/places/nearest?lat=${AT.lat}&lon=${AT.lon}&open=false&limit=50`)
    const names = ((await nearest.json()) as { features: { properties: { name: string } }[] }).features.map((f) => f.properties.name)
    expect(names).toEqual(['Bar du Port'])
    const bbox = await t.request(`/v1/networks/${slug}/places?bbox=${AT.lon - 0.1},${AT.lat - 0.1},${AT.lon + 0.1},${AT.lat + 0.1}`)
    expect(((await bbox.json()) as { features: { properties: { name: string } }[] }).features.map((f) => f.properties.name)).toEqual(['Bar du Port'])
  })

  it('refuses bad input with stable codes, and writes by anyone but the operators', async () => {
    const good = { name: 'SIAVIC', address: '3 rue X', location: at(0.003), opening_hours: 'Mo 10:00-12:00', helps_with: ['victims'] }
    const post = (json: unknown, token?: string) => t.request(`/v1/networks/${slug}/help-services`, { method: 'POST', token, json })
    expect((await post(good)).status).toBe(401)
    const other = await createNetwork(t)
    const strangerOp = await createToken(t, other.slug, { role: 'operator', label: 'x' })
    expect(((await (await post(good, strangerOp)).json()) as { code: string }).code).toBe('wrong_network')
    const badHours = await post({ ...good, opening_hours: 'Mo 25:00-26:00' }, operator)
    expect([400, ((await badHours.json()) as { code: string }).code]).toEqual([400, 'invalid_opening_hours'])
    const badNeed = await post({ ...good, helps_with: ['cooking'] }, operator)
    expect([badNeed.status, ((await badNeed.json()) as { code: string }).code]).toEqual([400, 'validation_failed'])
    expect((await post({ ...good, helps_with: [] }, operator)).status).toBe(400)
    // A venue cannot apply as a help desk (it would then be served as one).
    const apply = await t.request(`/v1/networks/${slug}/applications`, {
      method: 'POST',
      json: { name: 'X', kind: 'support_service', address: '1 rue Y', location: at(0), opening_hours: '24/7', contact_name: 'A', charter_accepted: true },
    })
    expect([apply.status, ((await apply.json()) as { code: string }).code]).toEqual([400, 'validation_failed'])
    // Nor can a refuge's partner turn it into one.
    const bar = await activePlace(t, slug, operator, { ...at(0.01), name: 'Bar du Marché' })
    const patch = await t.request('/v1/partner/place', { method: 'PATCH', token: bar.token, json: { kind: 'support_service' } })
    expect([patch.status, ((await patch.json()) as { code: string }).code]).toEqual([400, 'validation_failed'])
    const badQuery = await t.request(`/v1/networks/${slug}/help-services?lat=46.1`)
    expect(badQuery.status).toBe(400)
    const missing = await t.request(`/v1/networks/${slug}/help-services/${crypto.randomUUID()}`, { method: 'PATCH', token: operator, json: { name: 'Z' } })
    expect(missing.status).toBe(404)
  })

  it('an operator changes the hours and withdraws a desk', async () => {
    now = new Date('2026-12-01T14:00:00Z')
    const patch = await t.request(`/v1/networks/${slug}/help-services/${franceVictimes}`, {
      method: 'PATCH',
      token: operator,
      json: { opening_hours: 'Tu 14:00-16:00', schedule_note: 'permanence mardi 14:00-16:00' },
    })
    expect(patch.status).toBe(200)
    let body = await alertAnswer()
    expect(body.help?.properties.open_until).toBe('2026-12-01T16:00:00+01:00')
    expect((await t.request(`/v1/networks/${slug}/help-services/${franceVictimes}`, { method: 'DELETE', token: ADMIN_TOKEN })).status).toBe(204)
    body = await alertAnswer()
    expect(body.help?.properties.name).toBe('CIDFF')
    expect((await t.request(`/v1/networks/${slug}/help-services/${franceVictimes}`, { method: 'PATCH', token: operator, json: { name: 'X' } })).status).toBe(404)
  })
})

describe('SMS reply', () => {
  it('an SMS alert on Sunday night is answered with the refuges, then the next help desk to open (through the signed webhook)', async () => {
    now = new Date('2026-12-06T02:30:00Z')
    const params = {
      MessageSid: `SM${crypto.randomUUID().replaceAll('-', '')}`,
      AccountSid: 'AC00000000000000000000000000000000',
      From: '+33612345678',
      To: NUMBER,
      Body: `Aidez-moi geo:${AT.lat},${AT.lon}`,
    }
    const res = await t.request('/webhooks/twilio/sms', {
      method: 'POST',
      body: new URLSearchParams(params).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH, `${BASE}/webhooks/twilio/sms`, params),
      },
    })
    expect(res.status).toBe(200)
    const text = /<Message>([\s\S]*)<\/Message>/.exec(await res.text())?.[1] ?? ''
    expect(text).toContain('1) Bar du Port')
    // France Victimes was withdrawn above: the CIDFF, Thursday morning, is the next to open.
    expect(text).toContain('Alerte transmise. Aide aux victimes : CIDFF, ouvre jeudi 09:00.')
    expect(text.length).toBeLessThanOrEqual(306)
  })

  const refuge = (i: number) => ({
    id: `${i}`,
    name: `Bar numéro ${i} du Vieux-Port`,
    kind: 'bar',
    address: `${i} quai Duperré`,
    phone: null,
    features: [],
    lat: 0,
    lon: 0,
    distance_m: 120 * i,
    open_now: true,
    open_until: new Date('2026-12-06T01:00:00Z'),
    next_open: null,
  })
  const desk = { name: 'France Victimes 17', phone: null, open_now: false, open_until: null, next_open: new Date('2026-12-08T13:00:00Z') }

  it('one line: the next help desk to open, within two segments', () => {
    expect(helpLine(desk, 'fr', 'Europe/Paris')).toBe(' Aide aux victimes : France Victimes 17, ouvre mardi 14:00.')
    expect(helpLine({ ...desk, open_now: true, open_until: new Date('2026-12-08T16:00:00Z') }, 'en', 'Europe/Paris')).toBe(
      ' Victim support: France Victimes 17, open until 17:00.',
    )
    const text = refugesReply('fr', [refuge(1), refuge(2)], 'Europe/Paris', undefined, desk)
    expect(text).toContain('Aide aux victimes : France Victimes 17, ouvre mardi 14:00.')
    expect(text.startsWith('Urgence : appelez le 17 ou le 112')).toBe(true)
    expect(text.length).toBeLessThanOrEqual(306)
  })

  it('refuges and their addresses come before the help line', () => {
    const long = [1, 2, 3].map((i) => ({ ...refuge(i), name: `Bar ${i} du Port`, address: `${i} quai Duperré, 17000 La Rochelle` }))
    const text = refugesReply('fr', long, 'Europe/Paris', undefined, desk)
    expect(text.length).toBeLessThanOrEqual(306)
    expect(text).toContain('3) ')
    expect(text).not.toContain('Aide aux victimes')
    expect(refugesReply('fr', [], 'Europe/Paris', undefined, desk)).toContain('Aucun refuge ouvert à proximité. Alerte transmise. Aide aux victimes')
  })
})

describe('event mode', () => {
  // A festival welcome point, Saturday 5 December 20:00 to Sunday 02:00.
  const window = { valid_from: '2026-12-05T20:00:00+01:00', valid_until: '2026-12-06T02:00:00+01:00' }
  let pointId: string

  const nearestNames = async (atText: string) => {
    const res = await t.request(`/v1/networks/${slug}/places/nearest?lat=${AT.lat}&lon=${AT.lon}&limit=10&at=${encodeURIComponent(atText)}`)
    expect(res.status).toBe(200)
    return ((await res.json()) as { features: { properties: { name: string; open_until: string | null } }[] }).features.map((f) => f.properties)
  }

  beforeAll(async () => {
    now = new Date('2026-12-04T11:00:00Z')
    const res = await t.request(`/v1/networks/${slug}/applications`, {
      method: 'POST',
      json: {
        name: 'Point accueil Francofolies',
        kind: 'welcome_point',
        address: 'Esplanade Saint-Jean-d’Acre',
        location: at(-0.0005),
        opening_hours: '24/7',
        contact_name: 'Festival',
        charter_accepted: true,
        ...window,
      },
    })
    expect(res.status, await res.clone().text()).toBe(201)
    pointId = ((await res.json()) as { id: string }).id
    expect((await t.request(`/v1/networks/${slug}/places/${pointId}/approve`, { method: 'POST', token: operator })).status).toBe(200)
  })

  it('is in nearest at 23:00 that day, not at 23:00 the day before or after', async () => {
    const during = await nearestNames('2026-12-05T23:00')
    expect(during.map((p) => p.name)).toContain('Point accueil Francofolies')
    // Open until the end of its window, not "open beyond what we know".
    expect(during.find((p) => p.name === 'Point accueil Francofolies')?.open_until).toBe('2026-12-06T02:00:00+01:00')
    expect((await nearestNames('2026-12-04T23:00')).map((p) => p.name)).not.toContain('Point accueil Francofolies')
    expect((await nearestNames('2026-12-06T23:00')).map((p) => p.name)).not.toContain('Point accueil Francofolies')
    expect((await nearestNames('2026-12-06T01:59')).map((p) => p.name)).toContain('Point accueil Francofolies')
    expect((await nearestNames('2026-12-06T02:00')).map((p) => p.name)).not.toContain('Point accueil Francofolies')
  })

  it('on the map and in alerts only within its window', async () => {
    const bbox = `${AT.lon - 0.1},${AT.lat - 0.1},${AT.lon + 0.1},${AT.lat + 0.1}`
    const mapNames = async () =>
      ((await (await t.request(`/v1/networks/${slug}/places?bbox=${bbox}`)).json()) as { features: { properties: { name: string } }[] }).features.map(
        (f) => f.properties.name,
      )
    now = new Date('2026-12-04T22:00:00Z')
    expect(await mapNames()).not.toContain('Point accueil Francofolies')
    expect((await alertAnswer()).nearest.map((f) => f.properties.name)).not.toContain('Point accueil Francofolies')
    now = new Date('2026-12-05T22:00:00Z')
    expect(await mapNames()).toContain('Point accueil Francofolies')
    expect((await alertAnswer()).nearest.map((f) => f.properties.name)).toContain('Point accueil Francofolies')
  })

  it('the library path honours the window too (an instant beyond the materialised periods)', async () => {
    now = new Date('2026-12-04T11:00:00Z')
    const put = (json: unknown) => t.request(`/v1/networks/${slug}/places/${pointId}/validity`, { method: 'PUT', token: operator, json })
    expect((await put({ valid_from: '2027-03-05T20:00:00+01:00', valid_until: '2027-03-06T02:00:00+01:00' })).status).toBe(200)
    const search = async (iso: string) =>
      (await searchNearest(t.db.sql, { slug }, { ...AT, at: new Date(iso), limit: 10, openOnly: true, features: [], radiusM: null })).places
    const during = (await search('2027-03-05T23:00:00+01:00')).find((p) => p.name === 'Point accueil Francofolies')
    expect(during?.open_until?.toISOString()).toBe('2027-03-06T01:00:00.000Z')
    expect((await search('2027-03-04T23:00:00+01:00')).map((p) => p.name)).not.toContain('Point accueil Francofolies')
    // Permanent again: served any night.
    expect((await put({ valid_from: null, valid_until: null })).status).toBe(200)
    expect((await nearestNames('2026-12-04T23:00')).map((p) => p.name)).toContain('Point accueil Francofolies')
  })

  it('refuses a window that ends before it starts, or has one end only', async () => {
    const put = (json: unknown) => t.request(`/v1/networks/${slug}/places/${pointId}/validity`, { method: 'PUT', token: operator, json })
    const reversed = await put({ valid_from: window.valid_until, valid_until: window.valid_from })
    expect([reversed.status, ((await reversed.json()) as { code: string }).code]).toEqual([400, 'validation_failed'])
    expect((await put({ valid_from: window.valid_from, valid_until: null })).status).toBe(400)
    expect((await t.request(`/v1/networks/${slug}/places/${pointId}/validity`, { method: 'PUT', json: window })).status).toBe(401)
    expect((await t.request(`/v1/networks/${slug}/places/${crypto.randomUUID()}/validity`, { method: 'PUT', token: operator, json: window })).status).toBe(404)
  })
})
