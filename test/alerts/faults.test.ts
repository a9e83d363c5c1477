import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import { drainOutbox } from '../../src/notify/dispatcher.ts'
import type { PushSender, PushTarget } from '../../src/notify/ports.ts'
import { createNetwork, createToken, type ProxiedTestApp, testApp } from '../helpers/app.ts'
import { activePlace, subscription } from './fixtures.ts'

// The database goes away in the middle of a fan-out: nothing is lost, and what is sent
// twice carries the same message id (at-least-once, deduplicable by the receiver).
let t: ProxiedTestApp
let now = new Date('2026-11-24T23:00:00+01:00')
const clock = { now: () => now }
const here = { lat: 47.2388, lon: 6.0243 }
const log = createLogger('silent', () => {})

beforeAll(async () => {
  t = await testApp({ clock, throughProxy: true })
  await createNetwork(t, { slug: 'besancon' })
  const operator = await createToken(t, 'besancon', { role: 'operator', label: 'CSU' })
  for (let i = 1; i <= 5; i++) {
    const place = await activePlace(t, 'besancon', operator, { lat: here.lat + 0.0003 * i, lon: here.lon })
    expect((await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: place.token, json: subscription() })).status).toBe(201)
  }
})
afterAll(() => t?.close())

describe('database cut during fan-out', () => {
  it('loses nothing when the cut outlasts the lease; a message sent before it may go again, with the same id', async () => {
    const res = await t.request('/v1/networks/besancon/alerts', { method: 'POST', json: { location: here } })
    expect(res.status).toBe(201)
    const delivered: { endpoint: string; id: string }[] = []
    let calls = 0
    const push: PushSender = {
      async send(target: PushTarget, payload: string) {
        calls++
        delivered.push({ endpoint: target.endpoint, id: JSON.parse(payload).message_id })
        // The push service took the message, then the database went away.
        if (calls === 2) await t.proxy.cut()
        return { ok: true }
      },
    }
    // A short lease: the record of the send cannot wait for the database that long.
    const opts = { sql: t.sql, clock, log, push, concurrency: 1, leaseMs: 2000 }
    await expect(drainOutbox(opts)).rejects.toThrow()
    const sentBeforeCut = delivered.length
    expect(sentBeforeCut).toBe(2)

    // While it is down, a new alert is refused with the emergency numbers, not half-stored.
    const down = await t.request('/v1/networks/besancon/alerts', { method: 'POST', json: { location: here } })
    expect(down.status).toBe(503)
    expect(((await down.json()) as { detail: string }).detail).toContain('112')

    await t.proxy.restore()
    for (let i = 0; i < 50; i++) {
      try {
        await t.sql`select 1`
        break
      } catch {
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    // The claimed rows wait for their lease, then go.
    now = new Date(now.getTime() + 31_000)
    await drainOutbox(opts)
    const rows = await t.db.sql<{ id: string; status: string }[]>`select id::text, status from outbox`
    expect(rows).toHaveLength(5)
    expect(rows.every((r) => r.status === 'sent')).toBe(true)
    const endpoints = new Set(delivered.map((d) => d.endpoint))
    expect(endpoints.size).toBe(5)
    // At most the messages in flight at the cut went twice, each with its row's id.
    expect(delivered.length).toBeLessThanOrEqual(5 + sentBeforeCut)
    const ids = delivered.map((d) => d.id)
    expect(new Set(ids).size).toBe(5)
    expect(ids.every((id) => /^halte-outbox-\d+$/.test(id))).toBe(true)
  })

  it('a send whose record meets a short cut is recorded when the database is back, and sent once', async () => {
    await t.db.sql`update outbox set status = 'dropped' where status = 'pending'`
    const res = await t.request('/v1/networks/besancon/alerts', { method: 'POST', json: { location: here } })
    expect(res.status).toBe(201)
    const delivered: string[] = []
    const push: PushSender = {
      async send(target: PushTarget) {
        delivered.push(target.endpoint)
        // Taken by the push service; the database restarts before the outbox is told.
        if (delivered.length === 2) {
          await t.proxy.cut()
          setTimeout(() => void t.proxy.restore(), 1500)
        }
        return { ok: true }
      },
    }
    await drainOutbox({ sql: t.sql, clock, log, push, concurrency: 1, leaseMs: 30_000 })
    const { id } = (await res.json()) as { id: string }
    const rows = await t.db.sql<{ status: string }[]>`select status from outbox where alert_id = ${id}`
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent'])
    expect(delivered).toHaveLength(5)
    expect(new Set(delivered).size).toBe(5)
  })
})
