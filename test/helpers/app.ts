import type { Sql } from 'postgres'
import { type App, createApp, type WidgetAssets } from '../../src/app.ts'
import { type Config, loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { localSignal, type Signal } from '../../src/realtime/signal.ts'
import { connect, EMBEDDED_POOL } from '../../src/runtime/database.ts'
import { nodePeerAddress } from '../../src/runtime/node.ts'
import type { Clock } from '../../src/services.ts'
import { type TestDb, testDatabase } from './db.ts'
import { tcpProxy } from './proxy.ts'

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef'
// What a Node server would otherwise generate into its data directory.
export const TEST_HASH_SECRET = 'test-hash-secret-0123456789abcdef0123456789'

export interface TestApp {
  // The Hono app itself, for a test that serves it over HTTP.
  app?: App
  db: TestDb
  config: Config
  logs: Record<string, unknown>[]
  // `peer`: the socket address the request comes from, as @hono/node-server would give it.
  request(path: string, init?: RequestInit & { token?: string; json?: unknown; peer?: string }): Promise<Response>
  close(): Promise<void>
}

// The app reaches its database through a TCP proxy: proxy.cut() takes the database
// away from the app (its pool is sql) while the test keeps db.sql to see what was stored.
export interface ProxiedTestApp extends TestApp {
  sql: Sql
  proxy: Awaited<ReturnType<typeof tcpProxy>>
}

interface TestAppOptions {
  env?: Record<string, string>
  // Instead of the in-process signal (e.g. one that fails, to test what follows a commit).
  signal?: Signal
  clock?: Clock
  throughProxy?: boolean
  // The bundled widgets, for a test that serves the app to a browser.
  widgetAssets?: WidgetAssets
}

// The real app on a real database, called in-process through app.request().
export async function testApp(opts: TestAppOptions & { throughProxy: true }): Promise<ProxiedTestApp>
export async function testApp(opts?: TestAppOptions): Promise<TestApp>
export async function testApp(opts: TestAppOptions = {}): Promise<TestApp | ProxiedTestApp> {
  const db = await testDatabase()
  let sql = db.sql
  let proxy: ProxiedTestApp['proxy'] | undefined
  if (opts.throughProxy) {
    const u = new URL(db.url)
    proxy = await tcpProxy({ host: u.hostname, port: Number(u.port || 5432) })
    u.port = String(proxy.port)
    // One connection on the embedded database, as the app runs there (see EMBEDDED_POOL).
    sql = connect(u.toString(), { schema: db.schema, max: db.embedded ? EMBEDDED_POOL : 4 })
  }
  const config = loadConfig({ HALTE_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'debug', HALTE_HASH_SECRET: TEST_HASH_SECRET, ...opts.env })
  const logs: Record<string, unknown>[] = []
  const logger = createLogger('debug', (line) => logs.push(JSON.parse(line)))
  // The nearest search runs in sessions of its own on PostgreSQL (generic plans), as
  // the Node runtime runs it; the embedded database has one session for everything,
  // and an app cut off through the proxy must lose its searches too.
  const searchSql = db.embedded || opts.throughProxy ? undefined : connect(db.url, { schema: db.schema, max: 2, genericPlans: true })
  const app = createApp({
    sql,
    searchSql,
    clock: opts.clock ?? { now: () => new Date() },
    logger,
    config,
    signal: opts.signal ?? localSignal(),
    peerAddress: nodePeerAddress,
  }, { widgetAssets: opts.widgetAssets })
  return {
    app,
    db,
    sql,
    proxy,
    config,
    logs,
    request(path, init = {}) {
      const { token, json, peer, ...rest } = init
      const headers = new Headers(rest.headers)
      if (token) headers.set('authorization', `Bearer ${token}`)
      if (json !== undefined) headers.set('content-type', 'application/json')
      return Promise.resolve(
        app.request(
          path,
          { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) },
          peer ? { incoming: { socket: { remoteAddress: peer } } } : undefined,
        ),
      )
    },
    async close() {
      await searchSql?.end({ timeout: 1 })
      if (proxy) {
        await sql.end({ timeout: 1 })
        proxy.close()
      }
      await db.close()
    },
  }
}

export async function createNetwork(t: TestApp, overrides: Record<string, unknown> = {}) {
  const res = await t.request('/v1/networks', {
    method: 'POST',
    token: ADMIN_TOKEN,
    json: {
      slug: `net-${crypto.randomUUID().slice(0, 8)}`,
      name: 'Réseau de test',
      timezone: 'Europe/Paris',
      locale: 'fr',
      country_code: 'FR',
      ...overrides,
    },
  })
  if (res.status !== 201) throw new Error(`network creation failed: ${res.status} ${await res.text()}`)
  return (await res.json()) as { id: string; slug: string }
}

export async function createToken(t: TestApp, slug: string, body: Record<string, unknown>, token = ADMIN_TOKEN) {
  const res = await t.request(`/v1/networks/${slug}/tokens`, { method: 'POST', token, json: body })
  if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { token: string }).token
}
