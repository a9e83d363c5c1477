import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertAlert } from '../../src/alerts/queries.ts'
import { insertNetwork } from '../../src/networks/queries.ts'
import { EVERY_MINUTE } from '../../src/runtime/scheduled.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'
import { type Child, runCommand } from '../helpers/process.ts'

const WRANGLER = resolve('node_modules/wrangler/bin/wrangler.js')
const ADMIN = 'workerd-admin-token-0123456789'
const outDir = mkdtempSync(join(tmpdir(), 'halte-worker-'))
let db: TestDb
let dev: Child | undefined
let networkId: string
let base: string

beforeAll(async () => {
  db = await testDatabase()
  networkId = (await insertNetwork(db.sql, { slug: 'edge', name: 'Edge', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR' })).id
})
afterAll(async () => {
  await dev?.stop()
  await db?.close()
  rmSync(outDir, { recursive: true, force: true })
})

const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => res(port))
    })
  })

describe('Cloudflare Workers build', () => {
  it('npm run build produces the Workers bundle', async () => {
    await promisify(execFile)(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', outDir], {
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    })
    const bundle = join(outDir, 'worker.js')
    expect(existsSync(bundle)).toBe(true)
    expect(statSync(bundle).size).toBeGreaterThan(100_000)
  })

  it('the worker starts in workerd and answers, reaching the database through Hyperdrive', async () => {
    const port = await freePort()
    const u = new URL(db.url)
    if (!u.password) u.password = 'local' // wrangler insists on a password in local connection strings
    dev = runCommand(
      process.execPath,
      [
        WRANGLER,
        'dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--var',
        `HALTE_DB_SCHEMA:${db.schema ?? ''}`,
        '--var',
        `HALTE_ADMIN_TOKEN:${ADMIN}`,
        // Exposes /__scheduled, to fire the cron triggers by hand.
        '--test-scheduled',
      ],
      { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: u.toString() },
    )
    await dev.waitFor(/Ready on/, 60_000)
    base = `http://127.0.0.1:${port}`
    const health = await fetch(`${base}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    const network = await fetch(`${base}/v1/networks/edge`)
    expect(network.status).toBe(200)
    expect(((await network.json()) as { slug: string }).slug).toBe('edge')
    const missing = await fetch(`${base}/v1/networks/absent`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toMatch(/problem\+json/)

    // A partner's whole path through the edge: transactions and text[] parameters
    // with Hyperdrive's settings (no prepared statements, no type fetching).
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      })
    const applied = await post('/v1/networks/edge/applications', {
      name: 'Pharmacie de la Gare',
      kind: 'pharmacy',
      address: '1 place de la Gare',
      location: { lat: 47.7423, lon: 7.3426 },
      opening_hours: '24/7',
      contact_name: 'Alex',
      charter_accepted: true,
      features: ['toilets', 'step_free'],
    })
    expect(applied.status).toBe(201)
    const { id } = (await applied.json()) as { id: string }
    expect((await post(`/v1/networks/edge/places/${id}/approve`, {}, ADMIN)).status).toBe(200)
    const nearest = await fetch(`${base}/v1/networks/edge/places/nearest?lat=47.743&lon=7.343&features=toilets`)
    expect(nearest.status).toBe(200)
    const found = (await nearest.json()) as { features: { properties: { id: string; open_now: boolean } }[] }
    expect(found.features.map((f) => [f.properties.id, f.properties.open_now])).toEqual([[id, true]])
    // Coverage gaps at the edge: the grid, distances and open periods read in SQL, the
    // holidays of a typical week by the library in workerd.
    const week = await fetch(`${base}/v1/networks/edge/coverage/week`, { headers: { authorization: `Bearer ${ADMIN}` } })
    expect(week.status).toBe(200)
    const w = (await week.json()) as { cells: number; hours: { covered_share: number }[]; critical_refuges: { id: string }[] }
    expect(w.cells).toBeGreaterThan(50)
    expect(w.hours).toHaveLength(168)
    expect(w.hours.every((h) => h.covered_share > 0)).toBe(true)
    expect(w.critical_refuges.map((r) => r.id)).toEqual([id])
  })

  it('the cron trigger escalates an alert nobody acknowledged, once, with no Node instance', async () => {
    expect(base, 'the previous test started the worker').toBeDefined()
    const old = new Date(Date.now() - 10 * 60_000)
    const recent = new Date()
    const alert = async (at: Date) =>
      (await insertAlert(db.sql, { networkId, source: 'web', lat: 47.74, lon: 7.34, accuracyM: null, message: null, phone: null, phoneHash: null, accessTokenHash: null }, at)).id
    const stale = await alert(old)
    const fresh = await alert(recent)
    const escalated = async () =>
      (await db.sql<{ id: string }[]>`select id from alerts where escalated_at is not null order by id`).map((r) => r.id)
    expect(await escalated()).toEqual([])
    const fire = await fetch(`${base}/__scheduled?cron=${encodeURIComponent(EVERY_MINUTE)}`)
    expect(fire.status).toBe(200)
    // Only the alert past the network's escalation delay (120 s by default).
    expect(await escalated()).toEqual([stale])
    expect(fresh).not.toBe(stale)
    const events = await db.sql<{ kind: string }[]>`select kind from alert_events where alert_id = ${stale} and kind = 'escalated'`
    expect(events).toHaveLength(1)
    // Firing again escalates nothing twice.
    expect((await fetch(`${base}/__scheduled?cron=${encodeURIComponent(EVERY_MINUTE)}`)).status).toBe(200)
    expect(await db.sql`select 1 from alert_events where alert_id = ${stale} and kind = 'escalated'`).toHaveLength(1)
  })

  it('serves the widgets as static assets any site may load, and the pages from the worker', async () => {
    expect(base, 'an earlier test started the worker').toBeDefined()
    const widget = await fetch(`${base}/widgets/halte-nearby.js`, { headers: { origin: 'https://www.ville-exemple.fr' } })
    expect(widget.status).toBe(200)
    expect(widget.headers.get('content-type')).toMatch(/javascript/)
    expect(widget.headers.get('access-control-allow-origin')).toBe('*')
    expect(await widget.text()).toContain('halte-nearby')
    const page = await fetch(`${base}/console?network=edge`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<halte-console network="edge"')
    const preflight = await fetch(`${base}/v1/networks/edge/alerts`, {
      method: 'OPTIONS',
      headers: { origin: 'https://www.ville-exemple.fr', 'access-control-request-method': 'POST', 'access-control-request-headers': 'idempotency-key' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Idempotency-Key')
  })
})
