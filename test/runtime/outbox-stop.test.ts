import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import { outboxRunner } from '../../src/notify/dispatcher.ts'
import type { SendResult } from '../../src/notify/ports.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'

// A stopping process hands back the outbox rows it claimed: another instance (or this
// one restarted) sends them at once rather than after their 30 s lease.
let db: TestDb
beforeAll(async () => {
  db = await testDatabase()
}, 120_000)
afterAll(() => db?.close())

describe('outbox at a stop', () => {
  it('releases claimed rows, undoing the attempt of those never tried', async () => {
    const now = new Date()
    await db.sql`
      insert into outbox (network_id, channel, to_number, payload, next_attempt_at, created_at)
      select gen_random_uuid(), 'sms', '+33600000000', ${db.sql.json({ body: 'test', from: '+33700000000' })}, ${now}, ${now}
      from generate_series(1, 3)`
    let sending!: () => void
    const started = new Promise<void>((r) => (sending = r))
    let finish!: (r: SendResult) => void
    const hung = new Promise<SendResult>((r) => (finish = r))
    const runner = outboxRunner({
      sql: db.sql,
      clock: { now: () => new Date() },
      log: createLogger('silent', () => {}, {}),
      sms: {
        send: () => {
          sending()
          return hung
        },
      },
      concurrency: 1,
    })
    runner.wake()
    await started
    expect(await runner.stop(100)).toBe(3)
    const rows = await db.sql<{ attempts: number; locked_until: Date | null; status: string }[]>`
      select attempts, locked_until, status from outbox order by id`
    expect(rows.map((r) => r.locked_until)).toEqual([null, null, null])
    expect(rows.map((r) => r.attempts).sort()).toEqual([0, 0, 1])
    finish({ ok: true })
  }, 60_000)
})
