import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Sql } from 'postgres'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { localSignal } from '../../src/realtime/signal.ts'
import { nodePeerAddress } from '../../src/runtime/node.ts'
import { runScheduled } from '../../src/runtime/scheduled.ts'
import { systemClock } from '../../src/services.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'
import { type Child, runCommand } from '../helpers/process.ts'

// One deployment of halte under test: the same requests and the same assertions run
// against each, so that whatever differs between the runtimes fails a test.
export interface Target {
  name: 'node' | 'workers'
  db: TestDb
  // `client`: the address the request comes from, as each runtime learns it (the socket
  // on Node, CF-Connecting-IP on Workers).
  request(path: string, init?: RequestInit & { token?: string; json?: unknown; client?: string }): Promise<Response>
  // Fires a cron trigger of wrangler.toml now; resolves with the job failures it logged.
  cron(expression: string): Promise<string[]>
  close(): Promise<void>
}

export const ADMIN = 'scenario-admin-token-0123456789abcdef'
export const HASH_SECRET = 'scenario-hash-secret-0123456789abcdef0123'
export const TWILIO_AUTH = 'scenario-twilio-auth-token'
export const PUBLIC_BASE = 'https://halte.example.org'

const VARS = { HALTE_ADMIN_TOKEN: ADMIN, HALTE_HASH_SECRET: HASH_SECRET, TWILIO_AUTH_TOKEN: TWILIO_AUTH, PUBLIC_BASE_URL: PUBLIC_BASE, LOG_LEVEL: 'info' }

function headersOf(init: { token?: string; json?: unknown; headers?: HeadersInit }) {
  const headers = new Headers(init.headers)
  if (init.token) headers.set('authorization', `Bearer ${init.token}`)
  if (init.json !== undefined) headers.set('content-type', 'application/json')
  return headers
}

const failures = (lines: string[]) =>
  lines.filter((l) => l.includes('"job failed"')).map((l) => l.slice(l.indexOf('{')))

// The app in-process, as the Node runtime builds it; its crons are the Workers' own
// scheduled handler body, so both run the same jobs.
export async function nodeTarget(): Promise<Target> {
  const db = await testDatabase()
  const lines: string[] = []
  const logger = createLogger('info', (line) => lines.push(line))
  const config = loadConfig(VARS)
  const app = createApp({ sql: db.sql, clock: systemClock, logger, config, signal: localSignal(), peerAddress: nodePeerAddress })
  return {
    name: 'node',
    db,
    request(path, init = {}) {
      const { token, json, client, ...rest } = init
      const body = json !== undefined ? JSON.stringify(json) : rest.body
      return Promise.resolve(
        app.request(
          path,
          { ...rest, headers: headersOf(init), body },
          client ? { incoming: { socket: { remoteAddress: client } } } : undefined,
        ),
      )
    },
    async cron(expression) {
      const from = lines.length
      await runScheduled(db.sql as Sql, logger, expression, new Date())
      return failures(lines.slice(from))
    },
    close: () => db.close(),
  }
}

const WRANGLER = resolve('node_modules/wrangler/bin/wrangler.js')

const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => res(port))
    })
  })

// The Workers bundle in workerd under `wrangler dev`, its Hyperdrive binding pointed at
// this file's schema; its dev server fires cron triggers at /cdn-cgi/handler/scheduled.
// Its configuration is wrangler.toml without the static assets (the widgets): wrangler
// 4.86's dev server cannot pass a cron event through the assets router (a local
// limit; workerd.test.ts serves the assets). The widgets are not what this compares.
// The bundle is the one `npm run build` makes, served as built: `wrangler dev` on the
// sources would rebuild and restart the worker on every edit of a source file, cutting
// its open streams.
export async function workersTarget(): Promise<Target & { dev: Child }> {
  const outDir = mkdtempSync(join(tmpdir(), 'halte-worker-'))
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' }
  const [db] = await Promise.all([testDatabase(), promisify(execFile)(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', outDir], { env })])
  const port = await freePort()
  const u = new URL(db.url)
  if (!u.password) u.password = 'local' // wrangler insists on a password in local connection strings
  const vars = Object.entries({ ...VARS, HALTE_DB_SCHEMA: db.schema ?? '' }).flatMap(([k, v]) => ['--var', `${k}:${v}`])
  const dev = runCommand(
    process.execPath,
    [WRANGLER, 'dev', join(outDir, 'worker.js'), '--config', withoutAssets(outDir), '--no-bundle', '--ip', '127.0.0.1', '--port', String(port), ...vars],
    { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: u.toString() },
  )
  const stop = async () => {
    await dev.stop()
    await db.close()
    rmSync(outDir, { recursive: true, force: true })
  }
  try {
    await dev.waitFor(/Ready on/, 60_000)
  } catch (e) {
    await stop()
    throw e
  }
  const base = `http://127.0.0.1:${port}`
  return {
    name: 'workers',
    db,
    dev,
    request(path, init = {}) {
      const { token, json, client, ...rest } = init
      const headers = headersOf(init)
      // What Cloudflare's edge sets, overwriting anything a client sent.
      if (client) headers.set('cf-connecting-ip', client)
      return fetch(`${base}${path}`, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body })
    },
    async cron(expression) {
      const from = dev.output().length
      const res = await fetch(`${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(expression)}`)
      if (res.status !== 200) throw new Error(`scheduled handler answered ${res.status}: ${await res.text()}`)
      // The handler logs before it answers; wrangler relays workerd's output a moment later.
      await new Promise((r) => setTimeout(r, 300))
      return failures(dev.output().slice(from).split('\n'))
    },
    close: stop,
  }
}

function withoutAssets(dir: string) {
  const toml = readFileSync(resolve('wrangler.toml'), 'utf8')
  const kept = toml.split(/^(?=\[)/m).filter((section) => !/^\[(assets|build)\]/.test(section))
  const path = join(dir, 'wrangler.toml')
  writeFileSync(path, kept.join(''))
  return path
}
