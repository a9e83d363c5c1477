import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, type TestApp, testApp } from '../helpers/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await testApp()
})
afterAll(() => t?.close())

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const body = (await res.json()) as Record<string, unknown>
  expect(body).toMatchObject({ status, code, type: `urn:halte:problem:${code}` })
  expect(typeof body.title).toBe('string')
  expect(typeof body.detail).toBe('string')
  return body
}

describe('service endpoints', () => {
  it('/healthz answers ok', async () => {
    const res = await t.request('/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('/readyz answers 200 when the database answers', async () => {
    const res = await t.request('/readyz')
    expect(res.status).toBe(200)
  })

  it('/openapi.json is an OpenAPI 3.1 document describing the routes', async () => {
    const doc = (await (await t.request('/openapi.json')).json()) as {
      openapi: string
      paths: Record<string, Record<string, unknown>>
      components: { schemas: Record<string, unknown> }
    }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/networks', '/v1/networks/{slug}']))
    expect(doc.paths['/v1/networks/{slug}']).toHaveProperty('patch')
    expect(doc.components.schemas).toHaveProperty('NetworkCreate')
  })

  it('/docs renders the operations as HTML', async () => {
    const res = await t.request('/docs')
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    const page = await res.text()
    expect(page).toContain('/v1/networks/{slug}/tokens')
    expect(page).toContain('NetworkCreate')
  })

  it('/metrics counts requests by route pattern and status, with latency histograms', async () => {
    await t.request('/v1/networks/does-not-exist')
    await t.request('/v1/networks/does-not-exist-either')
    await t.request('/v1/secret-path-42')
    const text = await (await t.request('/metrics', { token: ADMIN_TOKEN })).text()
    expect(text).toMatch(/halte_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/)
    expect(text).not.toContain('secret-path-42')
    expect(text).toMatch(/halte_http_requests_total\{method="GET",route="\/v1\/networks\/:slug",status="404"\} 2/)
    expect(text).toMatch(/halte_http_request_duration_seconds_bucket\{method="GET",route="\/v1\/networks\/:slug",le="\+Inf"\} 2/)
    expect(text).not.toContain('does-not-exist')
  })
})

describe('problem+json', () => {
  it('unknown routes are a 404 problem', async () => {
    const body = await expectProblem(await t.request('/nowhere'), 404, 'not_found')
    expect(body.instance).toBe('/nowhere')
  })

  it('speaks French by default and English when asked', async () => {
    const fr = await expectProblem(await t.request('/v1/networks/absent'), 404, 'network_not_found')
    expect(fr.title).toBe('Réseau introuvable')
    const en = await expectProblem(
      await t.request('/v1/networks/absent', { headers: { 'accept-language': 'en-GB,en;q=0.9' } }),
      404,
      'network_not_found',
    )
    expect(en.title).toBe('Network not found')
  })

  it('validation failures list each field', async () => {
    const res = await t.request('/v1/networks', {
      method: 'POST',
      token: ADMIN_TOKEN,
      json: { slug: 'Bad Slug', name: 'x', timezone: 'Mars/Olympus', locale: 'fr', country_code: 'FR' },
    })
    const body = await expectProblem(res, 400, 'validation_failed')
    const paths = (body.errors as { path: string }[]).map((e) => e.path)
    expect(paths).toEqual(expect.arrayContaining(['slug', 'timezone']))
  })

  it('malformed JSON is a 400 malformed_json', async () => {
    const res = await t.request('/v1/networks', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json' },
      body: '{"slug": ',
    })
    await expectProblem(res, 400, 'malformed_json')
  })

  it('a body that is not JSON is a 415', async () => {
    const res = await t.request('/v1/networks', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'text/plain', 'content-length': '5' },
      body: 'hello',
    })
    await expectProblem(res, 415, 'unsupported_media_type')
  })

  it('a body over 1 MiB is a 413', async () => {
    const big = JSON.stringify({ slug: 'x', name: 'y'.repeat(1024 * 1024 + 10) })
    const res = await t.request('/v1/networks', {
      method: 'POST',
      token: ADMIN_TOKEN,
      headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
      body: big,
    })
    await expectProblem(res, 413, 'payload_too_large')
  })

  it('every response carries a request id, echoed when the caller sends one', async () => {
    const res = await t.request('/healthz')
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const echoed = await t.request('/nowhere', { headers: { 'x-request-id': 'abc-123' } })
    expect(echoed.headers.get('x-request-id')).toBe('abc-123')
    expect(t.logs.some((l) => l.request_id === 'abc-123' && l.msg === 'request' && l.status === 404)).toBe(true)
  })
})
