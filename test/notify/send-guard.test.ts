import { createServer, type Server } from 'node:net'
import webpush from 'web-push'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import { drainOutbox } from '../../src/notify/dispatcher.ts'
import { type Resolve, webPushSender } from '../../src/notify/web-push.ts'
import { subscription } from '../alerts/fixtures.ts'
import { createNetwork, type TestApp, testApp } from '../helpers/app.ts'

// Whatever is in the table (rows stored before endpoints were checked, a public name that
// now resolves inside), the sender never opens a connection to a non-public address.
const vapid = webpush.generateVAPIDKeys()
const now = new Date('2026-11-24T22:00:00Z')
const clock = { now: () => now }
const log = createLogger('silent', () => {})
let t: TestApp
let networkId: string

// Records every TCP connection it is offered, never answers.
async function recorder(host: string, port: number) {
  const r = { connections: 0, server: undefined as Server | undefined, port: 0 }
  const server = createServer((socket) => {
    r.connections++
    socket.destroy()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  r.server = server
  r.port = (server.address() as { port: number }).port
  return r
}
let local: Awaited<ReturnType<typeof recorder>>
// Where the test resolver points public-looking names: a loopback address on the https
// port, so a sender that trusted the answer would connect right here. Binding port 443
// needs privileges; without them the rows must still be refused, which is checked anyway.
const REBOUND = '127.77.0.1'
let rebound: Awaited<ReturnType<typeof recorder>> | undefined

const asked: string[] = []
const resolve: Resolve = async (host) => {
  asked.push(host)
  if (host === 'push.example.org') return [{ address: REBOUND, family: 4 }]
  if (host === 'mixed.example.org') return [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.7', family: 4 }]
  if (host === 'v6.example.org') return [{ address: '::ffff:169.254.169.254', family: 6 }]
  throw Object.assign(new Error(`unknown host ${host}`), { code: 'ENOTFOUND' })
}

const sender = (allowedHosts: string[] = []) =>
  webPushSender({ publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: 'mailto:csu@example.org', allowedHosts, resolve })

// A subscription and a message to it as they would sit in the tables, bypassing the API.
async function queued(endpoint: string) {
  const keys = subscription().keys
  const [sub] = await t.db.sql<{ id: string }[]>`
    insert into push_subscriptions (network_id, owner, endpoint, p256dh, auth, created_at)
    values (${networkId}, 'operator', ${endpoint}, ${keys.p256dh}, ${keys.auth}, ${now}) returning id`
  const [row] = await t.db.sql<{ id: string }[]>`
    insert into outbox (network_id, channel, subscription_id, payload, next_attempt_at, created_at)
    values (${networkId}, 'push', ${sub!.id}, ${t.db.sql.json({ type: 'alert' })}, ${now}, ${now}) returning id::text`
  return row!.id
}

const outboxRow = async (id: string) =>
  (await t.db.sql<{ status: string; attempts: number; last_error: string | null }[]>`
    select status, attempts, last_error from outbox where id = ${id}`)[0]!

beforeAll(async () => {
  t = await testApp({ clock })
  networkId = (await createNetwork(t)).id
  local = await recorder('127.0.0.1', 0)
  rebound = await recorder(REBOUND, 443).catch(() => undefined)
})
beforeEach(async () => {
  await t.db.sql`update outbox set status = 'dropped' where status = 'pending'`
  asked.length = 0
})
afterAll(async () => {
  local?.server?.close()
  rebound?.server?.close()
  await t?.close()
})

describe('the sender checks where it connects', () => {
  it('never connects to an internal endpoint stored before the check, however it is spelled; the row fails at once with the reason', async () => {
    const p = local.port
    const ids = await Promise.all(
      [`https://localhost:${p}/x`, `https://127.0.0.1:${p}/x`, `https://0x7f000001:${p}/x`, `https://2130706433:${p}/x`, `https://[::ffff:127.0.0.1]:${p}/x`, `https://user:pw@127.0.0.1:${p}/x`].map(queued),
    )
    expect(await drainOutbox({ sql: t.db.sql, clock, log, push: sender() })).toBe(ids.length)
    expect(local.connections).toBe(0)
    for (const id of ids) {
      const row = await outboxRow(id)
      expect(row).toMatchObject({ status: 'failed', attempts: 1 })
      expect(row.last_error).toMatch(/^push endpoint refused: .*; not connected$/)
    }
    // Failed rows are never claimed again.
    expect(await drainOutbox({ sql: t.db.sql, clock, log, push: sender() })).toBe(0)
  })

  it('a public name that resolves to a non-public address is refused after resolution, never connected to', async () => {
    const ids = await Promise.all(['https://push.example.org/x', 'https://mixed.example.org/x', 'https://v6.example.org/x'].map(queued))
    await drainOutbox({ sql: t.db.sql, clock, log, push: sender() })
    expect(asked.sort()).toEqual(['mixed.example.org', 'push.example.org', 'v6.example.org'])
    expect(rebound?.connections ?? 0).toBe(0)
    const rows = await Promise.all(ids.map(outboxRow))
    expect(rows.map((r) => r.status)).toEqual(['failed', 'failed', 'failed'])
    expect(rows.map((r) => r.last_error)).toEqual([
      `push endpoint refused: push.example.org resolves to ${REBOUND}, not a public address; not connected`,
      'push endpoint refused: mixed.example.org resolves to 10.0.0.7, not a public address; not connected',
      'push endpoint refused: v6.example.org resolves to ::ffff:169.254.169.254, not a public address; not connected',
    ])
  })

  it('connects to a host named in HALTE_PUSH_ALLOWED_HOSTS, and only on its port', async () => {
    const allowed = await queued(`https://localhost:${local.port}/x`)
    const other = await queued(`https://localhost:${local.port + 1}/x`)
    await drainOutbox({ sql: t.db.sql, clock, log, push: sender([`localhost:${local.port}`]) })
    // The recorder speaks no TLS: the attempt is made, fails, and is retried later.
    expect(local.connections).toBeGreaterThanOrEqual(1)
    expect(await outboxRow(allowed)).toMatchObject({ status: 'pending', attempts: 1 })
    expect(await outboxRow(other)).toMatchObject({ status: 'failed' })
  })
})
