import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { connect } from '../../src/runtime/database.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'
import { tcpProxy } from '../helpers/proxy.ts'

let db: TestDb
let proxy: Awaited<ReturnType<typeof tcpProxy>>
let app: ReturnType<typeof createApp>
let sql: ReturnType<typeof connect>

beforeAll(async () => {
  db = await testDatabase()
  const u = new URL(db.url)
  proxy = await tcpProxy({ host: u.hostname, port: Number(u.port || 5432) })
  u.port = String(proxy.port)
  sql = connect(u.toString(), { schema: db.schema, max: 4 })
  const config = loadConfig({ LOG_LEVEL: 'silent' })
  app = createApp({ sql, clock: { now: () => new Date() }, logger: createLogger('silent', () => {}), config })
})
afterAll(async () => {
  await sql?.end({ timeout: 1 })
  proxy?.close()
  await db?.close()
})

describe('database outage', () => {
  it('answers 503 with Retry-After while the database is down, and recovers by itself', async () => {
    expect((await app.request('/readyz')).status).toBe(200)
    expect((await app.request('/v1/networks/anything')).status).toBe(404)

    await proxy.cut()
    const ready = await app.request('/readyz')
    expect(ready.status).toBe(503)
    expect(Number(ready.headers.get('retry-after'))).toBeGreaterThan(0)
    const read = await app.request('/v1/networks/anything')
    expect(read.status).toBe(503)
    expect(read.headers.get('content-type')).toMatch(/problem\+json/)
    const body = (await read.json()) as { code: string; detail: string }
    expect(body.code).toBe('database_unavailable')
    expect(body.detail).toContain('112')
    // The process itself is alive.
    expect((await app.request('/healthz')).status).toBe(200)

    await proxy.restore()
    let status = 0
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await app.request('/readyz')).status
      if (status !== 200) await new Promise((r) => setTimeout(r, 200))
    }
    expect(status).toBe(200)
    expect((await app.request('/v1/networks/anything')).status).toBe(404)
  })
})
