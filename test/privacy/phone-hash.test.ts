import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eraseExpired } from '../../src/alerts/jobs.ts'
import { phoneHash, sha256Hex } from '../../src/alerts/secrets.ts'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp } from '../helpers/app.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'

// Phone hashes are keyed with a server secret, survive its rotation, and what only
// serves for a while (idempotency keys, SMS deduplication) is purged past that while.

const AUTH = 'hash-twilio-token'
const BASE = 'https://halte.example.org'
const NUMBER = '+33644640002'
const SECRET_A = 'first-secret-aaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const SECRET_B = 'second-secret-bbbbbbbbbbbbbbbbbbbbbbbbbbb'
const here = { lat: 47.2388, lon: 6.0243 }
let now = new Date('2026-11-24T23:00:00+01:00')
const clock = { now: () => now }
let db: TestDb
let networkId: string
let slug: string
let operator: string
let sid = 0

// Several instances of the app on one database, each with its own secrets: a rotation.
function appWith(secrets: Record<string, string>): Pick<TestApp, 'request'> {
  const config = loadConfig({ HALTE_ADMIN_TOKEN: ADMIN_TOKEN, TWILIO_AUTH_TOKEN: AUTH, PUBLIC_BASE_URL: BASE, ...secrets })
  const app = createApp({ sql: db.sql, clock, logger: createLogger('silent', () => {}), config })
  return {
    request(path, init = {}) {
      const { token, json, ...rest } = init
      const headers = new Headers(rest.headers)
      if (token) headers.set('authorization', `Bearer ${token}`)
      if (json !== undefined) headers.set('content-type', 'application/json')
      return Promise.resolve(app.request(path, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) }))
    },
  }
}

async function sms(app: Pick<TestApp, 'request'>, from: string, body: string, replaySid?: number) {
  if (replaySid === undefined) sid++
  const params = { MessageSid: `SM${String(replaySid ?? sid).padStart(32, '0')}`, AccountSid: `AC${'0'.repeat(32)}`, From: from, To: NUMBER, Body: body }
  const signature = twilio.getExpectedTwilioSignature(AUTH, `${BASE}/webhooks/twilio/sms`, params)
  const res = await app.request('/webhooks/twilio/sms', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  })
  expect(res.status, await res.clone().text()).toBe(200)
}

const optouts = async () => (await db.sql<{ phone_hash: string }[]>`select phone_hash from sms_optouts order by phone_hash`).map((r) => r.phone_hash)

// Raises an SMS alert from the phone, has it acknowledged, and says whether the person
// was texted back (they are not once they sent STOP).
async function textedBackAfterAlert(app: Pick<TestApp, 'request'>, phone: string) {
  now = new Date(now.getTime() + 20 * 60_000) // past the window that folds messages into one alert
  await sms(app, phone, `${here.lat},${here.lon}`)
  const [alert] = await db.sql<{ id: string }[]>`select id from alerts where phone = ${phone} order by created_at desc limit 1`
  expect((await app.request(`/v1/alerts/${alert!.id}/acknowledge`, { method: 'POST', token: operator })).status).toBe(200)
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from outbox where channel = 'sms' and alert_id = ${alert!.id} and to_number = ${phone}`
  return row!.n > 0
}

async function legacyHash(phone: string) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(`halte-phone:${networkId}`), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(phone)))
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('')
}

beforeAll(async () => {
  db = await testDatabase()
  const admin = appWith({ HALTE_HASH_SECRET: SECRET_A })
  ;({ id: networkId, slug } = await createNetwork(admin as TestApp, { sms_number: NUMBER }))
  operator = await createToken(admin as TestApp, slug, { role: 'operator', label: 'CSU' })
})
afterAll(() => db?.close())

describe('phone hashes', () => {
  it('are keyed with the server secret: another secret, another hash; none made from public values alone', async () => {
    const phone = '+33611111111'
    const a = await phoneHash(SECRET_A, networkId, phone)
    expect(a).toMatch(/^[0-9a-f]{64}$/)
    expect(await phoneHash(SECRET_A, networkId, phone)).toBe(a)
    expect(await phoneHash(SECRET_B, networkId, phone)).not.toBe(a)
    // What is stored for a STOP is the keyed hash, and nothing an attacker holding the
    // database and the network's public id can compute for each of a million numbers.
    await sms(appWith({ HALTE_HASH_SECRET: SECRET_A }), phone, 'STOP')
    expect(await optouts()).toEqual([a])
    const fromPublic = [await legacyHash(phone), await sha256Hex(`${networkId}${phone}`), await sha256Hex(phone), await sha256Hex(`${networkId}:${phone}`)]
    for (const h of fromPublic) expect(await optouts()).not.toContain(h)
  })

  it('survive a rotation: an opt-out under the previous secret is honoured and re-keyed; the previous can then go', async () => {
    const phone = '+33622222222'
    await sms(appWith({ HALTE_HASH_SECRET: SECRET_A }), phone, 'STOP')
    const underA = await phoneHash(SECRET_A, networkId, phone)
    const underB = await phoneHash(SECRET_B, networkId, phone)
    expect(await optouts()).toContain(underA)
    const rotating = appWith({ HALTE_HASH_SECRET: SECRET_B, HALTE_HASH_SECRET_PREVIOUS: SECRET_A })
    expect(await textedBackAfterAlert(rotating, phone)).toBe(false)
    const stored = await optouts()
    expect(stored).toContain(underB)
    expect(stored).not.toContain(underA)
    // The alert's own hash moved too: the opt-out check joins on it.
    const [alert] = await db.sql<{ phone_hash: string }[]>`select phone_hash from alerts where phone = ${phone} order by created_at desc limit 1`
    expect(alert!.phone_hash).toBe(underB)
    // Once re-keyed, the new secret alone still honours the STOP.
    expect(await textedBackAfterAlert(appWith({ HALTE_HASH_SECRET: SECRET_B }), phone)).toBe(false)
    // And a phone that never sent STOP is texted back.
    expect(await textedBackAfterAlert(appWith({ HALTE_HASH_SECRET: SECRET_B }), '+33633333333')).toBe(true)
  })

  it('move an opt-out stored before the secret existed to the secret, still honouring it', async () => {
    const phone = '+33644444444'
    const legacy = await legacyHash(phone)
    await db.sql`insert into sms_optouts (network_id, phone_hash, at) values (${networkId}, ${legacy}, ${now})`
    expect(await textedBackAfterAlert(appWith({ HALTE_HASH_SECRET: SECRET_B }), phone)).toBe(false)
    const stored = await optouts()
    expect(stored).not.toContain(legacy)
    expect(stored).toContain(await phoneHash(SECRET_B, networkId, phone))
  })
})

describe('purges', () => {
  it('drops idempotency keys and SMS deduplication rows past their window, keeps opt-outs', async () => {
    const app = appWith({ HALTE_HASH_SECRET: SECRET_B })
    const raised = await app.request(`/v1/networks/${slug}/alerts`, {
      method: 'POST',
      headers: { 'idempotency-key': 'purge-key-000001', 'content-type': 'application/json' },
      body: JSON.stringify({ location: here }),
    })
    expect(raised.status, await raised.clone().text()).toBe(201)
    const { id } = (await raised.json()) as { id: string }
    await sms(app, '+33655555555', 'bonjour')
    const count = async () => {
      const [row] = await db.sql<{ keys: number; inbound: number; optouts: number }[]>`
        select (select count(*)::int from alert_idempotency) as keys, (select count(*)::int from sms_inbound where reply <> '' or alert_id is not null) as inbound,
          (select count(*)::int from sms_optouts) as optouts`
      return row!
    }
    const before = await count()
    expect(before.keys).toBe(1)
    expect(before.inbound).toBeGreaterThan(0)
    // Within the window a retry is still answered with the same alert.
    now = new Date(now.getTime() + 3600_000)
    await eraseExpired(db.sql, now)
    expect(await count()).toEqual(before)
    // A day later both are gone, though the alert is well within its retention.
    now = new Date(now.getTime() + 24 * 3600_000)
    await eraseExpired(db.sql, now)
    expect(await count()).toEqual({ keys: 0, inbound: 0, optouts: before.optouts })
    const [alert] = await db.sql`select erased_at, location is not null as located from alerts where id = ${id}`
    expect(alert).toEqual({ erased_at: null, located: true })
    // The same signed SMS replayed after the window raises nothing: its MessageSid is
    // still known, though nothing it said or caused is.
    const alerts = async () => ((await db.sql`select count(*)::int as n from alerts`) as unknown as [{ n: number }])[0].n
    const alertsBefore = await alerts()
    await sms(app, '+33655555555', 'bonjour', sid)
    expect(await alerts()).toBe(alertsBefore)
    // Past the retention, opt-outs still stand: a STOP is honoured until START.
    now = new Date(now.getTime() + 20 * 86_400_000)
    await eraseExpired(db.sql, now)
    expect((await count()).optouts).toBe(before.optouts)
  })
})
