import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace, readSse } from '../alerts/fixtures.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// A widget on a city's site calls halte from another origin: the browser asks first
// (preflight), then reads answers and errors only if they say it may.
const CITY = 'https://www.ville-exemple.fr'

describe('cross-origin calls from a city site', () => {
  let t: TestApp
  let slug: string
  let operator: string
  beforeAll(async () => {
    t = await testApp()
    slug = (await createNetwork(t)).slug
    operator = await createToken(t, slug, { role: 'operator', label: 'salle' })
  })
  afterAll(() => t.close())

  it('answers a preflight for the headers widgets send, without credentials', async () => {
    const res = await t.request(`/v1/networks/${slug}/alerts`, {
      method: 'OPTIONS',
      headers: {
        origin: CITY,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, x-access-token, idempotency-key, last-event-id, content-type',
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase()
    for (const h of ['authorization', 'x-access-token', 'idempotency-key', 'last-event-id', 'content-type']) expect(allowed).toContain(h)
    expect(res.headers.get('access-control-allow-methods')).toContain('DELETE')
    expect(res.headers.get('access-control-allow-credentials')).toBeNull()
  })

  it('lets the page read answers and refusals, and sets no cookie', async () => {
    const ok = await t.request(`/v1/networks/${slug}`, { headers: { origin: CITY } })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe('*')
    expect(ok.headers.get('set-cookie')).toBeNull()
    const refused = await t.request(`/v1/networks/${slug}/alerts`, { headers: { origin: CITY } })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('access-control-allow-origin')).toBe('*')
    expect(refused.headers.get('access-control-expose-headers')).toContain('Retry-After')
    const bad = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', headers: { origin: CITY, 'content-type': 'text/plain' }, body: 'x' })
    expect(bad.status).toBe(415)
    expect(bad.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('does not open the probes or the operators’ pages to other origins', async () => {
    const health = await t.request('/healthz', { headers: { origin: CITY } })
    expect(health.headers.get('access-control-allow-origin')).toBeNull()
    const pre = await t.request('/metrics', { method: 'OPTIONS', headers: { origin: CITY, 'access-control-request-method': 'GET' } })
    expect(pre.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('streams the requester’s own alert status, readable with fetch and its access token', async () => {
    await activePlace(t, slug, operator, { lat: 47.2378, lon: 6.0241 })
    const raised = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: { lat: 47.2379, lon: 6.0242 } } })
    expect(raised.status).toBe(201)
    const { id, access_token } = (await raised.json()) as { id: string; access_token: string }

    const noToken = await t.request(`/v1/alerts/${id}/stream`)
    expect(noToken.status).toBe(401)
    const wrong = await t.request(`/v1/alerts/${id}/stream`, { headers: { 'x-access-token': 'not-the-token-of-this-alert' } })
    expect(wrong.status).toBe(403)

    const first = await t.request(`/v1/alerts/${id}/stream`, { headers: { 'x-access-token': access_token, origin: CITY } })
    expect(first.status).toBe(200)
    expect(first.headers.get('access-control-allow-origin')).toBe('*')
    const created = await readSse<{ to: string }>(first, 1)
    expect(created.map((e) => e.data.to)).toEqual(['open'])

    const ack = await t.request(`/v1/alerts/${id}/acknowledge`, { method: 'POST', token: operator, json: {} })
    expect(ack.status).toBe(200)
    const resumed = await t.request(`/v1/alerts/${id}/stream`, { headers: { 'x-access-token': access_token, 'last-event-id': created[0]!.id } })
    const next = await readSse<{ to: string; alert: { status: string } }>(resumed, 1)
    expect(next.map((e) => e.data.to)).toEqual(['acknowledged'])
    expect(next[0]!.data.alert.status).toBe('acknowledged')
  })

  it('keeps admin streams apart from requester ones', async () => {
    const raised = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: { lat: 47.2379, lon: 6.0242 } } })
    const { id } = (await raised.json()) as { id: string }
    // An operator reads alerts through the network stream, not this one.
    expect((await t.request(`/v1/alerts/${id}/stream`, { token: ADMIN_TOKEN })).status).toBe(403)
  })
})
