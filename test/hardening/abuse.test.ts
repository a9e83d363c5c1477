import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace } from '../alerts/fixtures.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// Finding 1: rate limits keyed on who really calls, and a lockout that still helps.
const NOW = new Date('2026-11-24T23:00:00+01:00')
const here = { lat: 47.2388, lon: 6.0243 }
let t: TestApp
let proxied: TestApp
let refuge: { id: string }

beforeAll(async () => {
  t = await testApp({ clock: { now: () => NOW } })
  proxied = await testApp({ clock: { now: () => NOW }, env: { HALTE_TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.1' } })
  for (const app of [t, proxied]) await createNetwork(app, { slug: 'besancon' })
  const operator = await createToken(t, 'besancon', { role: 'operator', label: 'CSU' })
  refuge = await activePlace(t, 'besancon', operator, { ...here, lat: here.lat + 0.001, name: 'Bar de nuit' })
})
afterAll(async () => {
  await t?.close()
  await proxied?.close()
})

const alert = (app: TestApp, peer: string, headers: Record<string, string> = {}) =>
  app.request('/v1/networks/besancon/alerts', { method: 'POST', json: { location: here }, peer, headers })

async function exhaust(app: TestApp, peer: string, headers: (i: number) => Record<string, string>) {
  const statuses: number[] = []
  for (let i = 0; i < 21; i++) statuses.push((await alert(app, peer, headers(i))).status)
  return statuses
}

describe('who is counted', () => {
  it('ignores forwarding headers from a peer that is not a trusted proxy', async () => {
    const statuses = await exhaust(t, '198.51.100.20', (i) => ({
      'X-Forwarded-For': `203.0.113.${i}`,
      'CF-Connecting-IP': `203.0.114.${i}`,
    }))
    expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true)
    expect(statuses[20]).toBe(429)
  })

  it('one client locked out does not lock out the others', async () => {
    await exhaust(t, '198.51.100.21', () => ({}))
    expect((await alert(t, '198.51.100.21')).status).toBe(429)
    expect((await alert(t, '198.51.100.22')).status).toBe(201)
    // The same client seen as IPv4-mapped IPv6 is the same client.
    expect((await alert(t, '::ffff:198.51.100.21')).status).toBe(429)
  })

  it('counts an IPv6 /64 as one client', async () => {
    await exhaust(t, '2001:db8:1:2::1', (i) => ({ 'X-Forwarded-For': `2001:db8:9::${i}` }))
    expect((await alert(t, '2001:db8:1:2::ffff')).status).toBe(429)
    expect((await alert(t, '2001:db8:1:3::1')).status).toBe(201)
  })

  it('behind a trusted proxy, counts the address the proxy saw, not what the client wrote before it', async () => {
    // The client prepends a fake hop each time; the proxy appends the real one.
    const statuses = await exhaust(proxied, '10.1.2.3', (i) => ({ 'X-Forwarded-For': `203.0.113.${i}, 198.51.100.30` }))
    expect(statuses[20]).toBe(429)
    expect((await alert(proxied, '10.1.2.3', { 'X-Forwarded-For': '198.51.100.31' })).status).toBe(201)
    // Through two trusted proxies, the first untrusted hop from the right is the client.
    expect((await alert(proxied, '192.0.2.1', { 'X-Forwarded-For': '198.51.100.30, 10.9.9.9' })).status).toBe(429)
    // Garbage in the header stops the walk at the proxy that wrote it.
    expect((await alert(proxied, '10.1.2.4', { 'X-Forwarded-For': 'not-an-address' })).status).toBe(201)
  })
})

describe('a refusal that still helps', () => {
  it('answers a locked-out person with the emergency numbers and the nearest open refuges', async () => {
    await exhaust(t, '198.51.100.40', () => ({}))
    const res = await alert(t, '198.51.100.40')
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    const body = (await res.json()) as { code: string; emergency: unknown; nearest: { properties: { id: string } }[]; detail: string }
    expect(body.code).toBe('rate_limited')
    expect(body.emergency).toEqual({ police: '17', eu: '112', sms: '114' })
    expect(body.nearest.map((f) => f.properties.id)).toContain(refuge.id)
    expect(body.detail).toMatch(/17/)
  })
})

describe('other public writes are limited too', () => {
  it('partner applications: 20 an hour from one client', async () => {
    const apply = (i: number, peer: string) =>
      t.request('/v1/networks/besancon/applications', {
        method: 'POST',
        peer,
        json: {
          name: `Candidat ${i}`,
          kind: 'bar',
          address: '1 rue de la Paix',
          location: here,
          opening_hours: '24/7',
          contact_name: 'Camille',
          charter_accepted: true,
        },
      })
    const statuses: number[] = []
    for (let i = 0; i < 21; i++) statuses.push((await apply(i, '198.51.100.50')).status)
    expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true)
    expect(statuses[20]).toBe(429)
    expect((await apply(99, '198.51.100.51')).status).toBe(201)
    const [row] = await t.db.sql`select count(*)::int as n from places where name = 'Candidat 20'`
    expect(row!.n).toBe(0)
  })

  it('drop-off requests: 10 in ten minutes from one client, counted before the rules', async () => {
    // No feed here: each request is refused by a rule (422) until the limit refuses it (429).
    const ask = (peer: string) =>
      t.request('/v1/networks/besancon/dropoffs', { method: 'POST', peer, json: { trip_id: 'nope', location: here } })
    const statuses: number[] = []
    for (let i = 0; i < 11; i++) statuses.push((await ask('198.51.100.60')).status)
    expect(statuses.slice(0, 10).every((s) => s !== 429)).toBe(true)
    expect(statuses[10]).toBe(429)
    expect((await ask('198.51.100.61')).status).not.toBe(429)
  })
})
