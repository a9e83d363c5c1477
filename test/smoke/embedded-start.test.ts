import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type Child, listeningUrl, runCli } from '../helpers/process.ts'

// What a new user does: `npm start` with no DATABASE_URL, twice.
const dataDir = mkdtempSync(join(tmpdir(), 'halte-data-'))
const ADMIN = 'smoke-admin-token-0123456789'
const env = { DATABASE_URL: undefined, HALTE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', HALTE_ADMIN_TOKEN: ADMIN }
let child: Child | undefined

afterAll(async () => {
  await child?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

async function waitReady(url: string) {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${url}/readyz`).catch(() => null)
    if (res?.status === 200) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('never ready')
}

describe('embedded database', () => {
  it('first start creates PostGIS, serves, and says where the data lives', async () => {
    child = runCli(['serve'], env)
    const url = await listeningUrl(child)
    await waitReady(url)
    const out = child.output()
    expect(out).toContain('creating the PostGIS extension')
    expect(out).toContain(join(dataDir, 'pgdata'))
    expect(out).toContain('DATABASE_URL')
    const res = await fetch(`${url}/v1/networks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'besancon', name: 'Besançon', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR' }),
    })
    expect(res.status).toBe(201)
    await child.stop()
    expect(child.proc.exitCode).toBe(0)
  })

  it('a second process on the same data directory is refused while the first runs', async () => {
    child = runCli(['serve'], env)
    await listeningUrl(child)
    const second = runCli(['serve'], env)
    expect(await second.exited).toBe(1)
    expect(second.output()).toMatch(/in use by process \d+/)
    await child.stop()
  })

  it('a later start reuses the extension and the data', async () => {
    child = runCli(['serve'], env)
    const url = await listeningUrl(child)
    await waitReady(url)
    expect(child.output()).not.toContain('creating the PostGIS extension')
    const res = await fetch(`${url}/v1/networks/besancon`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { name: string }).name).toBe('Besançon')
    await child.stop()
  })
})
