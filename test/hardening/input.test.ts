import fc from 'fast-check'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { activePlace } from '../alerts/fixtures.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// Findings 7, 8 and 9: no input makes a 500 or a half-written row, every body is bounded
// and the Twilio webhook refuses what is not Twilio's before reading it, and every answer
// to a person carries 17/112/114.
const AUTH = 'test-auth-token-twilio'
const BASE = 'https://halte.example.org'
const NUMBER = '+33644648719'
const EMERGENCY = { police: '17', eu: '112', sms: '114' }
const here = { lat: 47.2388, lon: 6.0243 }
let t: TestApp
let operator: string
let partner: { id: string; token: string }
let alertId: string

beforeAll(async () => {
  t = await testApp({ env: { TWILIO_AUTH_TOKEN: AUTH, PUBLIC_BASE_URL: BASE } })
  await createNetwork(t, { slug: 'besancon', sms_number: NUMBER })
  operator = await createToken(t, 'besancon', { role: 'operator', label: 'CSU' })
  partner = await activePlace(t, 'besancon', operator, { ...here, name: 'Bar de nuit' })
  const res = await t.request('/v1/networks/besancon/alerts', { method: 'POST', json: { location: here } })
  alertId = ((await res.json()) as { id: string }).id
})
afterAll(() => t?.close())

// Every write a person, partner, driver or operator can send, with its string fields.
type Write = { path: () => string; method: string; token?: () => string; body: (s: string) => unknown; fields: string[] }
const application = (over: Record<string, unknown>) => ({
  name: 'Bar',
  kind: 'bar',
  address: '1 rue de la Paix',
  location: here,
  opening_hours: '24/7',
  contact_name: 'Camille',
  charter_accepted: true,
  ...over,
})
const WRITES: Record<string, Write> = {
  network: {
    path: () => '/v1/networks',
    method: 'POST',
    token: () => ADMIN_TOKEN,
    fields: ['slug', 'name', 'timezone', 'locale', 'country_code', 'region_code', 'sms_number'],
    body: (s) => s,
  },
  token: { path: () => '/v1/networks/besancon/tokens', method: 'POST', token: () => operator, fields: ['label', 'vehicle'], body: (s) => s },
  application: {
    path: () => '/v1/networks/besancon/applications',
    method: 'POST',
    fields: ['name', 'kind', 'address', 'opening_hours', 'phone', 'email', 'contact_name'],
    body: (s) => s,
  },
  patch: { path: () => '/v1/partner/place', method: 'PATCH', token: () => partner.token, fields: ['name', 'address', 'opening_hours', 'phone'], body: (s) => s },
  closure: { path: () => '/v1/partner/closures', method: 'POST', token: () => partner.token, fields: ['reason', 'from'], body: (s) => s },
  alert: { path: () => '/v1/networks/besancon/alerts', method: 'POST', fields: ['message'], body: (s) => s },
  note: { path: () => `/v1/alerts/${alertId}/acknowledge`, method: 'POST', token: () => operator, fields: ['note'], body: (s) => s },
  dropoff: { path: () => '/v1/networks/besancon/dropoffs', method: 'POST', fields: ['trip_id', 'vehicle'], body: (s) => s },
}
const valid: Record<string, Record<string, unknown>> = {
  network: { slug: 'x', name: 'X', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR' },
  token: { role: 'driver', label: 'bus', vehicle: '12' },
  application: application({}),
  patch: {},
  closure: { from: '2030-01-01T00:00:00Z', to: '2030-01-02T00:00:00Z' },
  alert: { location: here },
  note: {},
  dropoff: { trip_id: 't1', location: here },
}

const send = (w: Write, body: Record<string, unknown>) =>
  t.request(w.path(), { method: w.method, token: w.token?.(), json: body })

const nasty = fc.oneof(
  fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00x\ud83d'), fc.string({ maxLength: 20 })).map((p) => p.join('')),
  fc.tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\u202e', '\u200f', '\u2066', '\ufeff', '\u0085', '\u2028')).map((p) => p.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
)

describe('no string field produces a 500', () => {
  for (const [name, w] of Object.entries(WRITES)) {
    it(`${name}: NUL, lone surrogates, RTL marks, arbitrary text`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...w.fields), nasty, async (field, value) => {
          const res = await send(w, { ...valid[name], [field]: value })
          expect(res.status, `${name}.${field} = ${JSON.stringify(value)}`).toBeLessThan(500)
          if (value.includes('\u0000') || !value.isWellFormed()) {
            const body = (await res.json()) as { code: string; errors: { path: string }[] }
            expect(body.code).toBe('invalid_character')
            expect(body.errors[0]!.path).toBe(field)
          }
        }),
        { numRuns: 25 },
      )
    })
  }

  it('a 1 MB string is refused as too large, not stored', async () => {
    for (const [name, w] of Object.entries(WRITES)) {
      const res = await send(w, { ...valid[name], [w.fields[0]!]: 'é'.repeat(600_000) })
      expect(res.status, name).toBe(413)
    }
  })

  it('NUL in a nested field or a key, or in the query string, is refused with where it was', async () => {
    const res = await send(WRITES.application!, application({ location: { lat: 1, 'lon\u0000': 2 } }))
    expect(((await res.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('location.lon\u0000')
    const q = await t.request('/v1/networks/besancon/places/nearest?lat=47&lon=6&features=toilets%00')
    expect(q.status).toBe(400)
    expect(((await q.json()) as { code: string }).code).toBe('invalid_character')
    const before = await t.db.sql`select count(*)::int as n from places`
    expect((await send(WRITES.application!, application({ name: 'Bar\u0000' }))).status).toBe(400)
    expect((await t.db.sql`select count(*)::int as n from places`)[0]!.n).toBe(before[0]!.n)
  })
})

describe('the Twilio webhook', () => {
  const post = (params: Record<string, string>, signature?: string) =>
    t.request('/webhooks/twilio/sms', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature !== null ? { 'x-twilio-signature': signature ?? twilio.getExpectedTwilioSignature(AUTH, `${BASE}/webhooks/twilio/sms`, params) } : {}),
      },
      body: new URLSearchParams(params).toString(),
    })
  const form = (body: string) => ({ MessageSid: `SM${crypto.randomUUID().replace(/-/g, '')}`, From: '+33612345678', To: NUMBER, Body: body })

  it('answers TwiML with the numbers to a signed SMS holding NUL or broken Unicode', async () => {
    for (const body of ['je suis\u0000 à la gare', 'aide \ud800 moi', '\u0000']) {
      const res = await post(form(body))
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/xml/)
      expect(await res.text()).toMatch(/17/)
    }
  })

  it('refuses an unsigned or malformed-signature post without reading its body', async () => {
    // A 50 MB body that never arrives: refused from the headers alone, so this returns.
    const never = new ReadableStream({ start() {} })
    const res = await t.request('/webhooks/twilio/sms', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(50 * 1024 * 1024) },
      body: never,
      duplex: 'half',
    } as RequestInit)
    expect([403, 413]).toContain(res.status)
    expect((await post(form('x'), 'not-a-signature')).status).toBe(403)
  })

  it('bounds the body of a well-formed but unverified post to 64 KB', async () => {
    const big = 'x'.repeat(100 * 1024)
    const res = await post(form(big), 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=')
    expect(res.status).toBe(413)
  })
})

describe('every answer to a person carries 17/112/114', () => {
  it('a message too long (400), an unknown network (404), an unknown alert (404)', async () => {
    const answers = [
      await t.request('/v1/networks/besancon/alerts', { method: 'POST', json: { location: here, message: 'x'.repeat(501) } }),
      await t.request('/v1/networks/nowhere/alerts', { method: 'POST', json: { location: here } }),
      await t.request(`/v1/alerts/${crypto.randomUUID()}`, { headers: { 'X-Access-Token': 'alert_x' } }),
      await t.request('/v1/networks/besancon/alerts', { method: 'POST', body: '{"location":', headers: { 'content-type': 'application/json' } }),
    ]
    expect(answers.map((r) => r.status)).toEqual([400, 404, 404, 400])
    for (const res of answers) expect(((await res.json()) as { emergency: unknown }).emergency).toEqual(EMERGENCY)
  })

  it('an internal error (500)', async () => {
    const broken = (() => {
      throw new TypeError('not a database')
    }) as unknown as Parameters<typeof createApp>[0]['sql']
    const app = createApp({
      sql: broken,
      clock: { now: () => new Date() },
      logger: createLogger('silent', () => {}),
      config: loadConfig({}),
    })
    const res = await app.request('/v1/networks/besancon/alerts', {
      method: 'POST',
      body: JSON.stringify({ location: here }),
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(500)
    const body = (await res.json()) as { code: string; emergency: unknown }
    expect(body.code).toBe('internal_error')
    expect(body.emergency).toEqual(EMERGENCY)
  })
})
