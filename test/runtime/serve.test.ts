import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Child, listeningUrl, runCli } from '../helpers/process.ts'

// The service as a city's IT team runs it: one process on the embedded database, the
// CLI beside it, and a stop that leaves nothing behind.
const dataDir = mkdtempSync(join(tmpdir(), 'halte-serve-'))
const ADMIN = 'serve-admin-token-0123456789'
const env = { DATABASE_URL: undefined, HALTE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', HALTE_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'info' }
let server: Child
let url: string

async function cli(args: string[], extra: Record<string, string | undefined> = {}) {
  const t0 = performance.now()
  const child = runCli(args, { ...env, ...extra })
  const code = await child.exited
  return { code, out: child.output(), ms: performance.now() - t0 }
}

beforeAll(async () => {
  server = runCli(['serve'], env)
  url = await listeningUrl(server)
}, 120_000)

afterAll(async () => {
  await server?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('serving on the embedded database', () => {
  it('runs every CLI command beside the server, each in under 2 s', async () => {
    const network = await cli(['network', 'create', '--slug', 'auxerre', '--name', 'Auxerre'])
    expect(network.code, network.out).toBe(0)
    expect(JSON.parse(network.out).slug).toBe('auxerre')
    const token = await cli(['token', 'create', '--role', 'operator', '--network', 'auxerre', '--label', 'CSU'])
    expect(token.code, token.out).toBe(0)
    const list = await cli(['token', 'list', '--network', 'auxerre'])
    expect(list.code, list.out).toBe(0)
    const [listed] = JSON.parse(list.out) as { id: string; label: string }[]
    expect(listed!.label).toBe('CSU')
    const hours = await cli(['hours', 'refresh'])
    expect(hours.code, hours.out).toBe(0)
    const backup = await cli(['backup', join(dataDir, 'backup.sql')])
    expect(backup.code, backup.out).toBe(0)
    const migrate = await cli(['migrate'])
    expect(migrate.code, migrate.out).toBe(0)
    for (const r of [network, token, list, hours, backup, migrate]) expect(r.ms).toBeLessThan(2000)

    // The server sees at once what the command wrote.
    const res = await fetch(`${url}/v1/networks/auxerre`)
    expect(res.status).toBe(200)
    const revoked = await cli(['token', 'revoke', listed!.id])
    expect(revoked.code, revoked.out).toBe(0)
    const refused = await cli(['restore', 'nothing.sql'])
    expect(refused.code).toBe(1)
    expect(refused.out).toMatch(/stop it first/)
  }, 60_000)

  it('a SIGTERM finishes the request under way, ends streams with a retry hint, releases the lock, exits 0', async () => {
    const operator = (await cli(['token', 'create', '--role', 'operator', '--network', 'auxerre', '--label', 'screen'])).out.trim()
    const stream = await fetch(`${url}/v1/networks/auxerre/alerts/stream`, { headers: { authorization: `Bearer ${operator}` } })
    expect(stream.status).toBe(200)
    const streamText = stream.text()

    // A request whose body is still arriving when the signal comes.
    const body = JSON.stringify({ slug: 'sens', name: 'Sens', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR' })
    const { port } = new URL(url)
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/v1/networks', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = ''
          res.on('data', (d) => (text += d))
          res.on('end', () => resolve({ status: res.statusCode!, text }))
        },
      )
      req.on('error', reject)
      req.write(body.slice(0, 10))
      setTimeout(() => req.end(body.slice(10)), 800)
    })
    await new Promise((r) => setTimeout(r, 200))
    expect(existsSync(join(dataDir, 'halte.pid'))).toBe(true)
    server.proc.kill('SIGTERM')

    const done = await answer
    expect(done.status, done.text).toBe(201)
    expect(await streamText).toMatch(/^retry: \d+$/m)
    expect(await server.exited).toBe(0)
    expect(server.output()).toContain('"msg":"halte stopped"')
    expect(existsSync(join(dataDir, 'halte.pid'))).toBe(false)
    expect(existsSync(join(dataDir, 'halte.sock'))).toBe(false)
  }, 60_000)
})

describe('start-up refusals', () => {
  let busy: Server
  afterAll(() => busy?.close())

  it('a busy port is one line naming PORT, exit 1, no stack trace', async () => {
    busy = createServer()
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()))
    const port = String((busy.address() as { port: number }).port)
    const r = await cli(['serve'], { PORT: port })
    expect(r.code).toBe(1)
    expect(r.out).toMatch(new RegExp(`PORT ${port} is already in use.*Le port ${port}`))
    expect(r.out).not.toMatch(/^\s+at /m)
  }, 60_000)

  it('an unusable data directory is one line naming HALTE_DATA_DIR, exit 1', async () => {
    const file = join(dataDir, 'a-file')
    writeFileSync(file, '')
    const r = await cli(['serve'], { HALTE_DATA_DIR: join(file, 'data') })
    expect(r.code).toBe(1)
    expect(r.out.trim().split('\n')).toHaveLength(1)
    expect(r.out).toMatch(/HALTE_DATA_DIR .* cannot be used/)
    expect(r.out).not.toMatch(/^\s+at /m)
  }, 60_000)
})
