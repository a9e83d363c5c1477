import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reconnectDelayS } from '../../src/runtime/database.ts'
import { type ProxiedTestApp, testApp } from '../helpers/app.ts'

let t: ProxiedTestApp

beforeAll(async () => {
  t = await testApp({ throughProxy: true })
})
afterAll(() => t?.close())

describe('database outage', () => {
  it('answers 503 with Retry-After while the database is down, and recovers by itself', async () => {
    expect((await t.request('/readyz')).status).toBe(200)
    expect((await t.request('/v1/networks/anything')).status).toBe(404)

    await t.proxy.cut()
    const ready = await t.request('/readyz')
    expect(ready.status).toBe(503)
    expect(Number(ready.headers.get('retry-after'))).toBeGreaterThan(0)
    const read = await t.request('/v1/networks/anything')
    expect(read.status).toBe(503)
    expect(read.headers.get('content-type')).toMatch(/problem\+json/)
    const body = (await read.json()) as { code: string; detail: string }
    expect(body.code).toBe('database_unavailable')
    expect(body.detail).toContain('112')
    // The process itself is alive.
    expect((await t.request('/healthz')).status).toBe(200)

    await t.proxy.restore()
    let status = 0
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await t.request('/readyz')).status
      if (status !== 200) await new Promise((r) => setTimeout(r, 200))
    }
    expect(status).toBe(200)
    expect((await t.request('/v1/networks/anything')).status).toBe(404)
  })

  it('tries the database again at least every second however long it was away', () => {
    // postgres.js's own delay reaches 20 s after a few failures in a row: requests queued
    // behind it waited that long after the database was back.
    const delays = Array.from({ length: 60 }, (_, n) => reconnectDelayS(n))
    expect(Math.max(...delays)).toBeLessThanOrEqual(1)
    expect(Math.min(...delays)).toBeGreaterThan(0)
  })
})
