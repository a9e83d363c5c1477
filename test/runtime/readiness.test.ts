import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertNetwork } from '../../src/networks/queries.ts'
import { ADMIN_TOKEN } from '../helpers/app.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'
import { type Child, listeningUrl, runCli } from '../helpers/process.ts'

const real = Boolean(process.env.DATABASE_URL)
if (!real) console.log('[readiness] skipped: the embedded database is one session for everything; set DATABASE_URL to run it')

// A busy pool is not a database down: /readyz must not send a load balancer away from
// an instance whose pool is queued (a fleet of screens reconnecting at once), only
// from one that cannot reach its database.
describe.skipIf(!real)('/readyz while every session of the pool is busy', () => {
  let db: TestDb
  let server: Child
  let url: string
  const slug = 'file-d-attente'

  beforeAll(async () => {
    db = await testDatabase()
    await insertNetwork(db.sql, { slug, name: 'File d’attente', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR' })
    const env = { DATABASE_URL: db.url, HALTE_DB_SCHEMA: db.schema, HALTE_DB_POOL: '2', PORT: '0', HOST: '127.0.0.1', HALTE_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info' }
    server = runCli(['serve'], env)
    url = await listeningUrl(server)
  }, 120_000)

  afterAll(async () => {
    await server?.stop()
    await db?.close()
  })

  it('answers ready at once, and the queued requests are answered once their sessions are free', async () => {
    const holder = await db.sql.reserve()
    try {
      await holder`begin`
      // Every read of the network now waits: the pool's two sessions, then its queue.
      await holder.unsafe(`lock table "${db.schema}".networks in access exclusive mode`)
      const queued = Array.from({ length: 6 }, () => fetch(`${url}/v1/networks/${slug}`))
      await new Promise((r) => setTimeout(r, 300))
      const t0 = performance.now()
      const ready = await fetch(`${url}/readyz`)
      const ms = performance.now() - t0
      expect(ready.status, await ready.clone().text()).toBe(200)
      expect(((await ready.json()) as { status: string }).status).toBe('ready')
      // Well within the probe's own 2-s timeout, which is what a queued probe hit.
      expect(ms).toBeLessThan(1500)
      await holder`commit`
      const answers = await Promise.all(queued)
      expect(answers.map((r) => r.status)).toEqual(Array(6).fill(200))
    } finally {
      await holder`rollback`.catch(() => {})
      holder.release()
    }
  })
})
