import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertToken } from '../../src/auth/tokens.ts'
import { insertNetwork } from '../../src/networks/queries.ts'
import { importGtfs } from '../../src/transit/gtfs/import.ts'
import { ADMIN_TOKEN } from '../helpers/app.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'
import { type Child, listeningUrl, runCli } from '../helpers/process.ts'
import { baseFeed, LAT, zipOf } from './feed.ts'

const real = Boolean(process.env.DATABASE_URL)
if (!real) console.log('[transit multi-instance] skipped: the embedded database is single-process; set DATABASE_URL to run it')

// Two real servers on one PostgreSQL: a request posted to one reaches a driver stream
// held by the other through LISTEN/NOTIFY.
describe.skipIf(!real)('two instances, one database', () => {
  let db: TestDb
  const children: Child[] = []
  let urls: string[] = []
  let driver: string
  const slug = 'multi'

  beforeAll(async () => {
    db = await testDatabase()
    const network = await insertNetwork(db.sql, {
      slug,
      name: 'Deux instances',
      timezone: 'Europe/Paris',
      locale: 'fr',
      country_code: 'FR',
    })
    await importGtfs(db.sql, network.id, zipOf(baseFeed()))
    driver = (await insertToken(db.sql, { role: 'driver', label: 'bus', networkId: network.id, vehicle: 'bus-m' })).token
    const env = { DATABASE_URL: db.url, HALTE_DB_SCHEMA: db.schema, PORT: '0', HOST: '127.0.0.1', HALTE_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info' }
    children.push(runCli(['serve'], env), runCli(['serve'], env))
    urls = await Promise.all(children.map(listeningUrl))
  }, 120_000)

  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop()))
    await db?.close()
  })

  it('a request posted to one instance appears on the driver stream of the other, and the decision comes back', async () => {
    const [a, b] = urls as [string, string]
    const auth = { authorization: `Bearer ${driver}`, 'content-type': 'application/json' }
    const pos = await fetch(`${a}/v1/driver/position`, { method: 'POST', headers: auth, body: JSON.stringify({ lat: LAT, lon: 7.3, trip_id: 'TR1' }) })
    expect(pos.status).toBe(204)
    const stream = await fetch(`${a}/v1/driver/feed`, { headers: { authorization: `Bearer ${driver}` } })
    const reader = stream.body!.getReader()
    // Let the stream read its (empty) backlog and LISTEN before the request is posted.
    await new Promise((r) => setTimeout(r, 300))
    const started = Date.now()
    const res = await fetch(`${b}/v1/networks/${slug}/dropoffs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // An instant TR1 runs at (22:10-22:14 Paris, every day), whatever the real time.
      body: JSON.stringify({ trip_id: 'TR1', location: { lat: LAT, lon: 7.315 }, at: '2026-11-20T22:05:00+01:00' }),
    })
    const created = (await res.json()) as { id: string; access_token: string }
    expect(res.status, JSON.stringify(created)).toBe(201)
    let text = ''
    while (!text.includes(created.id) && Date.now() - started < 3000) {
      const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), 3000))])
      if (!chunk || chunk.done) break
      text += new TextDecoder().decode(chunk.value)
    }
    const elapsed = Date.now() - started
    await reader.cancel()
    expect(text).toContain(created.id)
    expect(elapsed).toBeLessThan(1000)

    const accept = await fetch(`${a}/v1/driver/dropoffs/${created.id}/accept`, { method: 'POST', headers: { authorization: `Bearer ${driver}` } })
    expect(accept.status).toBe(200)
    const seen = await fetch(`${b}/v1/dropoffs/${created.id}`, { headers: { 'x-access-token': created.access_token } })
    expect(((await seen.json()) as { status: string }).status).toBe('accepted')
  })
})
