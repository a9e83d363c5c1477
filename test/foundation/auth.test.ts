import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

let t: TestApp
let lyon: { id: string; slug: string }
let nice: { id: string; slug: string }
let lyonOperator: string
let lyonDriver: string

beforeAll(async () => {
  t = await testApp()
  lyon = await createNetwork(t, { slug: 'lyon' })
  nice = await createNetwork(t, { slug: 'nice' })
  lyonOperator = await createToken(t, 'lyon', { role: 'operator', label: 'CSU Lyon' })
  lyonDriver = await createToken(t, 'lyon', { role: 'driver', label: 'Bus 12', vehicle: 'bus-12' })
})
afterAll(() => t?.close())

const patch = (slug: string, token?: string) =>
  t.request(`/v1/networks/${slug}`, { method: 'PATCH', json: { name: 'Renamed' }, ...(token ? { token } : {}) })

describe('bearer tokens and roles', () => {
  it('no token → 401 with WWW-Authenticate', async () => {
    const res = await patch('lyon')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(((await res.json()) as { code: string }).code).toBe('unauthorized')
  })

  it('unknown token → 401 invalid_token', async () => {
    for (const token of ['halte_operator_nope', 'random-garbage']) {
      const res = await patch('lyon', token)
      expect(res.status).toBe(401)
      expect(((await res.json()) as { code: string }).code).toBe('invalid_token')
    }
  })

  it('a malformed Authorization header → 401', async () => {
    const res = await t.request('/v1/networks/lyon', {
      method: 'PATCH',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
      json: { name: 'x' },
    })
    expect(res.status).toBe(401)
  })

  it('wrong role → 403 forbidden', async () => {
    const res = await patch('lyon', lyonDriver)
    expect(res.status).toBe(403)
    expect(((await res.json()) as { code: string }).code).toBe('forbidden')
    const create = await t.request('/v1/networks', {
      method: 'POST',
      token: lyonOperator,
      json: { slug: 'x', name: 'x', timezone: 'UTC', locale: 'fr', country_code: 'FR' },
    })
    expect(create.status).toBe(403)
  })

  it('an operator of one network gets 403 wrong_network on another', async () => {
    const res = await patch(nice.slug, lyonOperator)
    expect(res.status).toBe(403)
    expect(((await res.json()) as { code: string }).code).toBe('wrong_network')
    const token = await t.request(`/v1/networks/${nice.slug}/tokens`, {
      method: 'POST',
      token: lyonOperator,
      json: { role: 'operator', label: 'intrus' },
    })
    expect(token.status).toBe(403)
  })

  it('an operator acts on its own network, and can issue driver tokens there', async () => {
    expect((await patch(lyon.slug, lyonOperator)).status).toBe(200)
    const driver = await createToken(t, 'lyon', { role: 'driver', label: 'Bus 7', vehicle: 'bus-7' }, lyonOperator)
    expect(driver).toMatch(/^halte_driver_[A-Za-z0-9_-]{43}$/)
  })

  it('a driver token needs a vehicle', async () => {
    const res = await t.request('/v1/networks/lyon/tokens', {
      method: 'POST',
      token: ADMIN_TOKEN,
      json: { role: 'driver', label: 'Bus sans numéro' },
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('vehicle')
  })

  it('the configured admin token acts on every network', async () => {
    expect((await patch(nice.slug, ADMIN_TOKEN)).status).toBe(200)
    expect((await patch(nice.slug, `${ADMIN_TOKEN}x`)).status).toBe(401)
  })

  it('tokens are stored hashed, never in clear', async () => {
    const rows = await t.db.sql<{ token_hash: string }[]>`select token_hash from tokens`
    expect(rows.length).toBeGreaterThanOrEqual(3)
    const dump = JSON.stringify(await t.db.sql`select * from tokens`)
    for (const token of [lyonOperator, lyonDriver]) {
      expect(dump).not.toContain(token)
      expect(dump).not.toContain(token.slice(-43))
    }
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true)
  })
})
