import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProxiedTestApp, testApp } from '../helpers/app.ts'

// A scrape during a database outage is when the figures matter most: the process's own
// still go out, and halte_database_up says why the rest are missing.

const METRICS_TOKEN = 'metrics-token-0123456789abcdef'
let t: ProxiedTestApp

beforeAll(async () => {
  t = await testApp({ throughProxy: true, env: { HALTE_METRICS_TOKEN: METRICS_TOKEN } })
})
afterAll(() => t?.close())

describe('/metrics without the database', () => {
  it('answers with the process figures and halte_database_up 0, then 1 again', async () => {
    const before = await (await t.request('/metrics', { token: METRICS_TOKEN })).text()
    expect(before).toContain('halte_database_up 1')
    expect(before).toContain('halte_outbox_pending{channel="push"}')

    await t.proxy.cut()
    const started = Date.now()
    const res = await t.request('/metrics', { token: METRICS_TOKEN })
    const text = await res.text()
    expect(res.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(text).toContain('halte_database_up 0')
    expect(text).toContain('halte_http_requests_total')
    expect(text).toContain('halte_sse_streams_open')
    expect(text).not.toContain('halte_outbox_pending')

    await t.proxy.restore()
    let up = ''
    for (let i = 0; i < 50 && !up.includes('halte_database_up 1'); i++) {
      up = await (await t.request('/metrics', { token: METRICS_TOKEN })).text()
      if (!up.includes('halte_database_up 1')) await new Promise((r) => setTimeout(r, 100))
    }
    expect(up).toContain('halte_database_up 1')
  }, 30_000)
})
