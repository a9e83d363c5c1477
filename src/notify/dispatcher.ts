import type { Db } from '../db/types.ts'
import type { Logger } from '../logger.ts'
import type { Clock } from '../services.ts'
import { claimDue, deleteSubscription, findSubscription, markDropped, markRetry, markSent, type OutboxRow, releaseBackoff, releaseClaims } from './outbox.ts'
import type { PushSender, SendResult, SmsSender } from './ports.ts'

export interface DispatcherOptions {
  sql: Db
  clock: Clock
  log: Logger
  push?: PushSender
  sms?: SmsSender
  batch?: number
  leaseMs?: number
  maxAttempts?: number
  baseDelayMs?: number
  maxDelayMs?: number
  concurrency?: number
  // Set by outboxRunner: rows claimed and not settled yet, so that a stopping process
  // hands them back at once instead of leaving them leased for leaseMs.
  shutdown?: { stopping: boolean; waiting: Set<string>; sending: Set<string> }
  // When each push service's (origin's) waiting messages were last released; kept
  // across drains by outboxRunner.
  released?: Map<string, number>
}

// Exponential backoff with a cap and some jitter so retries of one burst spread out.
export function backoffMs(attempts: number, base: number, cap: number, random = Math.random): number {
  const exp = Math.min(cap, base * 2 ** Math.max(0, attempts - 1))
  return Math.round(exp * (0.75 + random() * 0.5))
}

// Drains due rows until none is left; returns how many rows it settled. Several
// dispatchers (instances, or a job and a wake-up) may run at once: SKIP LOCKED and the
// lease keep them on different rows. Delivery is at-least-once: a dispatcher killed
// after a send and before markSent sends that row again after the lease; every
// message carries its row's stable id ("halte-outbox-<id>") so receivers can dedupe.
export async function drainOutbox(o: DispatcherOptions): Promise<number> {
  // Sends are waits on the push service and the database, not work: after the push
  // service's outage in the soak, 1,400 waiting pushes went out at 85/s per instance with
  // 16 at a time in batches of 50, 7.4 s for the last one (goal: 5 s).
  const batch = o.batch ?? 100
  const channels = [...(o.push ? (['push'] as const) : []), ...(o.sms ? (['sms'] as const) : [])]
  if (!channels.length) return 0
  let settled = 0
  const held = o.shutdown
  const released = o.released ?? new Map<string, number>()
  for (;;) {
    if (held?.stopping) return settled
    const leaseMs = o.leaseMs ?? 30_000
    const rows = await claimDue(o.sql, o.clock.now(), batch, leaseMs, channels)
    if (!rows.length) return settled
    // A second spare: past it, another dispatcher may take the row.
    const recordBy = Date.now() + leaseMs - 1000
    for (const row of rows) held?.waiting.add(row.id)
    const queue = [...rows]
    let recovered = false
    const workers = Array.from({ length: Math.min(o.concurrency ?? 32, rows.length) }, async () => {
      for (let row = queue.shift(); row && !held?.stopping; row = queue.shift()) {
        held?.waiting.delete(row.id)
        held?.sending.add(row.id)
        try {
          if (await settle(o, row, released, recordBy)) recovered = true
        } finally {
          held?.sending.delete(row.id)
        }
        settled++
      }
    })
    await Promise.all(workers)
    // A push service that answers again gets its waiting messages now, not at the end
    // of each one's backoff (up to minutes after an outage): claim them on this pass.
    if (rows.length < batch && !recovered) return settled
  }
}

// Backoff is per message, but outages are per push service: once a service accepts a
// message again, the messages waiting out its failures are due at once. The failures
// may have been another instance's, so a success looks (one UPDATE, usually of no row)
// at most every RELEASE_CHECK_MS per service, and at once after a failure seen here.
// Returns whether any message was made due.
const RELEASE_CHECK_MS = 5000

async function settle(o: DispatcherOptions, row: OutboxRow, released: Map<string, number>, recordBy: number): Promise<boolean> {
  const record = (write: () => Promise<unknown>) => recorded(write, recordBy)
  let result: SendResult
  let origin: string | undefined
  try {
    const sent = await deliver(o, row)
    result = sent.result
    origin = sent.origin
  } catch (e) {
    result = { ok: false, retry: true, error: e instanceof Error ? e.message : String(e) }
  }
  const now = o.clock.now()
  if (result.ok) {
    await record(() => markSent(o.sql, row.id, now))
    const last = origin === undefined ? undefined : released.get(origin)
    if (origin && (last === undefined || now.getTime() - last >= RELEASE_CHECK_MS)) {
      released.set(origin, now.getTime())
      const due = await releaseBackoff(o.sql, origin, now).catch(() => 0)
      if (due) o.log.info('push service answers again: waiting messages due now', { origin, messages: due })
      return due > 0
    }
    return false
  }
  if (origin && result.retry) released.delete(origin)
  if (result.gone) {
    const sub = row.subscription_id
    if (sub) await record(() => deleteSubscription(o.sql, sub))
    o.log.info('push subscription gone, removed', { outbox_id: row.id, status: result.status })
    await record(() => markDropped(o.sql, row.id, result.error))
    return false
  }
  const last = !result.retry || row.attempts >= (o.maxAttempts ?? 8)
  o.log.warn('outbox send failed', { outbox_id: row.id, channel: row.channel, attempts: row.attempts, error: result.error, final: last })
  // A peer's Retry-After is a floor: asking sooner would only be refused again.
  const wait = Math.max(backoffMs(row.attempts, o.baseDelayMs ?? 2000, o.maxDelayMs ?? 300_000), (result.retryAfterS ?? 0) * 1000)
  await record(() => markRetry(o.sql, row.id, last ? null : new Date(now.getTime() + wait), result.error))
  return false
}

// What was sent must be recorded. While the database is away (a restart) the write is
// tried again until the row's lease would run out; without this the row waited out its
// lease (30 s) and went out twice (soak: 32 messages 20 s old after a restart).
async function recorded(write: () => Promise<unknown>, until: number) {
  for (;;) {
    try {
      return await write()
    } catch (e) {
      if (Date.now() + 500 >= until) throw e
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}

async function deliver(o: DispatcherOptions, row: OutboxRow): Promise<{ result: SendResult; origin?: string }> {
  const messageId = `halte-outbox-${row.id}`
  if (row.channel === 'push') {
    if (!o.push) return { result: { ok: false, retry: false, error: 'no push sender configured' } }
    const sub = row.subscription_id ? await findSubscription(o.sql, row.subscription_id) : null
    if (!sub) return { result: { ok: false, gone: true, retry: false, error: 'subscription removed' } }
    const payload = JSON.stringify({ ...row.payload, message_id: messageId })
    // Topic lets a push service replace an undelivered older message of the same alert
    // or drop-off request (a rider offline until "done" needs no stale "accepted").
    const about = row.alert_id ?? row.dropoff_id
    const topic = about ? about.replace(/-/g, '').slice(0, 32) : undefined
    const result = await o.push.send({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, payload, { ttlS: 600, topic })
    return { result, origin: URL.canParse(sub.endpoint) ? new URL(sub.endpoint).origin : undefined }
  }
  if (!o.sms) return { result: { ok: false, retry: false, error: 'no SMS sender configured' } }
  const { body, from } = row.payload as { body?: string; from?: string }
  if (!row.to_number || !body || !from) return { result: { ok: false, retry: false, error: 'SMS row without number, sender or text' } }
  return { result: await o.sms.send({ from, to: row.to_number, body, idempotencyKey: messageId }) }
}

// One drain at a time per process; a wake during a drain asks for one more pass, so a
// row committed while the dispatcher was busy still goes out at once.
export function outboxRunner(options: DispatcherOptions) {
  const shutdown = { stopping: false, waiting: new Set<string>(), sending: new Set<string>() }
  const o = { ...options, shutdown, released: new Map<string, number>() }
  let running: Promise<number> | undefined
  let again = false
  let lastRunAt: Date | null = null
  const run = (): Promise<number> => {
    if (running) {
      again = true
      return running
    }
    running = (async () => {
      let total = 0
      try {
        do {
          again = false
          total += await drainOutbox(o)
        } while (again)
        lastRunAt = o.clock.now()
      } finally {
        running = undefined
      }
      return total
    })()
    return running
  }
  return {
    run,
    // Read by /readyz and /metrics: a dispatcher stuck or gone shows as an old date.
    lastRunAt: () => lastRunAt,
    wake() {
      if (shutdown.stopping) return
      run().catch((err: unknown) => o.log.error('outbox drain failed', { err }))
    },
    // Claims no more rows, lets the sends under way finish for up to waitMs, then hands
    // back every row still claimed: another instance (or this one, restarted) takes
    // them at once rather than after the lease.
    async stop(waitMs = 5000): Promise<number> {
      shutdown.stopping = true
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([running?.catch(() => 0), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))])
      clearTimeout(timer)
      const released = await releaseClaims(o.sql, [...shutdown.waiting], [...shutdown.sending])
      if (released) o.log.info('outbox claims released', { rows: released })
      return released
    },
  }
}
