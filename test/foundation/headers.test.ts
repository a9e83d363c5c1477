import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppEnv } from '../../src/http/env.ts'
import { Metrics } from '../../src/http/metrics.ts'
import { observe } from '../../src/http/observe.ts'
import { embeddablePage } from '../../src/http/security.ts'
import { createLogger } from '../../src/logger.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

const METRICS_TOKEN = 'scraper-secret-0123456789abcdef'

let t: TestApp
let operator: string
beforeAll(async () => {
  t = await testApp({ env: { HALTE_METRICS_TOKEN: METRICS_TOKEN } })
  await createNetwork(t, { slug: 'metz' })
  operator = await createToken(t, 'metz', { role: 'operator', label: 'CSU Metz' })
})
afterAll(() => t?.close())

describe('/metrics', () => {
  it('without a token: 401 with WWW-Authenticate, and nothing of the figures', async () => {
    const res = await t.request('/metrics')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(await res.text()).not.toContain('halte_http')
  })

  it('answers the metrics token and an admin token', async () => {
    for (const token of [METRICS_TOKEN, ADMIN_TOKEN]) {
      const res = await t.request('/metrics', { token })
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('halte_http_requests_total')
    }
  })

  it('refuses any other token: unknown 401, an operator 403', async () => {
    expect((await t.request('/metrics', { token: `${METRICS_TOKEN}x` })).status).toBe(401)
    expect((await t.request('/metrics', { token: operator })).status).toBe(403)
  })

  it('without HALTE_METRICS_TOKEN configured, only an admin reads it', async () => {
    const bare = await testApp()
    try {
      expect((await bare.request('/metrics')).status).toBe(401)
      expect((await bare.request('/metrics', { token: METRICS_TOKEN })).status).toBe(401)
      expect((await bare.request('/metrics', { token: ADMIN_TOKEN })).status).toBe(200)
    } finally {
      await bare.close()
    }
  })
})

function expectBaseHeaders(res: Response) {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin')
}

describe('security headers', () => {
  it('JSON answers: nosniff, referrer policy, and a CSP that allows nothing and no framing', async () => {
    for (const path of ['/healthz', '/v1/networks/metz', '/openapi.json']) {
      const res = await t.request(path)
      expect(res.status, path).toBe(200)
      expectBaseHeaders(res)
      const csp = res.headers.get('content-security-policy')!
      expect(csp).toContain("default-src 'none'")
      expect(csp).toContain("frame-ancestors 'none'")
    }
  })

  it('problem+json answers carry them too', async () => {
    for (const res of [
      await t.request('/nowhere'),
      await t.request('/v1/networks/metz', { method: 'PATCH', json: { name: 'x' } }),
      await t.request('/v1/networks/metz', { method: 'PATCH', token: 'halte_operator_nope', json: { name: 'x' } }),
    ]) {
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expectBaseHeaders(res)
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    }
  })

  it('/docs has a page CSP: own scripts and styles only, no framing', async () => {
    const res = await t.request('/docs')
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expectBaseHeaders(res)
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/)
  })

  it('a page that declares itself embeddable keeps its own frame-ancestors', async () => {
    const app = new Hono<AppEnv>()
    app.use(observe(createLogger('silent', () => {}), new Metrics()))
    app.get('/widget', (c) => {
      embeddablePage(c)
      return c.html('<p>Refuges ouverts</p>')
    })
    app.get('/city-widget', (c) => {
      embeddablePage(c, { ancestors: ['https://www.metz.fr'] })
      return c.html('<p>Refuges ouverts</p>')
    })
    const open = await app.request('/widget')
    expectBaseHeaders(open)
    expect(open.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self' https:$/)
    expect(open.headers.get('content-security-policy')).toContain("script-src 'self'")
    const city = await app.request('/city-widget')
    expect(city.headers.get('content-security-policy')).toMatch(/frame-ancestors https:\/\/www\.metz\.fr$/)
  })
})
