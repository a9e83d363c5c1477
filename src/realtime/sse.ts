import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import { HalteError } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import type { Signal } from './signal.ts'

// A Server-Sent Events stream that resumes from a cursor. Events come from the
// database (read(after)), never from the signal: the signal only says "read now".
// Without a signal (Workers) or if a wake-up is lost, the poll interval bounds delay.

export interface StreamEvent {
  id: string // strictly increasing within the stream; sent as the SSE id
  event: string
  data: unknown
}

// What a read found, and where the stream stands after it even when it found nothing
// (a cab's feed that starts from its trip's snapshot): the next read starts there.
export interface StreamPage {
  events: StreamEvent[]
  cursor: string | null
}

export interface CursorStreamOptions {
  signal: Signal
  channel: string
  read(after: string | null): Promise<StreamEvent[] | StreamPage>
  heartbeatMs?: number
  pollMs?: number
  // Ends the stream after this long (clients reconnect with Last-Event-ID); bounds
  // how long a revoked token keeps a stream open.
  maxMs?: number
  // A read that returns this many events (a page) is followed by another at once
  // rather than at the next wake-up: the backlog flows page by page, never all in memory.
  pageSize?: number
  // Open streams per holder (a token): taken before the stream starts, given back at its end.
  slot?: { slots: StreamSlots; key: string }
  // What a cursor looks like; anything else is a 400 before the stream starts.
  cursor?: RegExp
  // Streams whose read depends only on this key and the cursor (every operator console
  // of a network) share one read per cursor instead of one each per wake-up.
  shareReads?: string
}

// Reads under way, by share key and cursor, with the wake-up count when each started.
const reads = new Map<string, { started: number; events: Promise<StreamEvent[] | StreamPage> }>()
let wakes = 0

// A stream joins a read under way only if it started after the stream's own latest
// reason to read: an older read may have begun before the event it was woken for.
function sharedRead(o: CursorStreamOptions, cursor: string | null, wokeAt: number): Promise<StreamEvent[] | StreamPage> {
  if (o.shareReads === undefined) return o.read(cursor)
  const key = `${o.shareReads}\u0000${cursor ?? ''}`
  const under = reads.get(key)
  if (under && under.started > wokeAt) return under.events
  const entry = { started: ++wakes, events: o.read(cursor) }
  reads.set(key, entry)
  const done = () => {
    if (reads.get(key) === entry) reads.delete(key)
  }
  entry.events.then(done, done)
  return entry.events
}

// Counts open streams per key in this process. A stream holds a connection, a
// subscription and a read per wake-up: one token opening thousands would starve searches.
export class StreamSlots {
  private open = new Map<string, number>()
  constructor(readonly max: number) {}

  take(key: string): boolean {
    const n = this.open.get(key) ?? 0
    if (n >= this.max) return false
    this.open.set(key, n + 1)
    return true
  }

  release(key: string): void {
    const n = (this.open.get(key) ?? 1) - 1
    if (n <= 0) this.open.delete(key)
    else this.open.set(key, n)
  }
}

// Streams open in this process, for /metrics.
let open = 0
export const openStreams = () => open

// Ends every stream of this process at a clean stop. Each gets a `retry:` hint first, so
// that EventSource clients come back (with Last-Event-ID) once another instance, or
// this one restarted, serves again, instead of the browser's default 3 s.
const enders = new Set<(retryMs: number) => void>()
export function endStreams(retryMs = 2000): number {
  const n = enders.size
  for (const end of enders) end(retryMs)
  return n
}

// Cursors are event ids by default: positive integers that fit a bigint.
const EVENT_ID = /^\d{1,18}$/

export function cursorStream(c: Context, o: CursorStreamOptions): Response {
  const heartbeatMs = o.heartbeatMs ?? 15_000
  const pollMs = o.pollMs ?? (o.signal.live ? 10_000 : 2_000)
  const maxMs = o.maxMs ?? 15 * 60_000
  let cursor = c.req.header('last-event-id') ?? c.req.query('last_event_id') ?? null
  if (cursor === '') cursor = null
  if (cursor !== null && !(o.cursor ?? EVENT_ID).test(cursor)) {
    throw new HalteError(400, 'validation_failed', {
      fr: 'Last-Event-ID doit être l’identifiant (un nombre) du dernier événement reçu.',
      en: 'Last-Event-ID must be the id (a number) of the last event received.',
    }, { errors: [{ path: 'Last-Event-ID', message: 'a positive integer' }] })
  }
  const slot = o.slot
  if (slot && !slot.slots.take(slot.key)) {
    throw new HalteError(
      429,
      'too_many_streams',
      {
        fr: `Ce jeton a déjà ${slot.slots.max} flux ouverts ; fermez-en un avant d’en ouvrir un autre.`,
        en: `This token already has ${slot.slots.max} open streams; close one before opening another.`,
      },
      { headers: { 'Retry-After': '30' } },
    )
  }
  // Workers' dev server compresses by default, which buffers a stream.
  c.header('Content-Encoding', 'Identity')
  c.header('Cache-Control', 'no-store')
  c.header('X-Accel-Buffering', 'no')
  const opened = (c as Context<AppEnv>).get('opened')
  return streamSSE(c, async (stream) => {
    let wake: (() => void) | undefined
    let dirty = true
    let wokeAt = ++wakes
    let closed = false
    const started = Date.now()
    stream.onAbort(() => {
      closed = true
      wake?.()
    })
    let ending: number | undefined
    const end = (retryMs: number) => {
      ending = retryMs
      wake?.()
    }
    enders.add(end)
    const unsubscribe = await o.signal.subscribe(o.channel, () => {
      dirty = true
      wokeAt = ++wakes
      wake?.()
    })
    // Each wait is drawn within ±25 % of its interval: thousands of streams opened
    // together (a fleet reconnecting after a restart) would otherwise poll and ping in
    // step, a burst of reads every poll interval in front of everyone's requests.
    const spread = (ms: number) => ms * (0.75 + Math.random() / 2)
    let beatAt = Date.now() + spread(heartbeatMs)
    let pollAt = 0
    open++
    try {
      while (!closed && ending === undefined && Date.now() - started < maxMs) {
        if (dirty) {
          dirty = false
          pollAt = Date.now() + spread(pollMs)
          const page = await sharedRead(o, cursor, wokeAt)
          // Open: its queries are done, and its opening's place goes to the next one
          // (before writing: a client that does not read must not keep the place).
          opened?.()
          const events = Array.isArray(page) ? page : page.events
          for (const e of events) {
            // Awaited: a client that stops reading holds this loop, not our memory.
            await stream.writeSSE({ id: e.id, event: e.event, data: JSON.stringify(e.data) })
            cursor = e.id
            beatAt = Date.now() + spread(heartbeatMs)
          }
          if (!Array.isArray(page) && page.cursor !== null) cursor = page.cursor
          if (o.pageSize !== undefined && events.length >= o.pageSize) {
            dirty = true
            wokeAt = ++wakes
          }
        }
        const waitMs = Math.max(0, Math.min(pollAt, beatAt) - Date.now())
        const timedOut = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), waitMs)
          wake = () => {
            clearTimeout(timer)
            resolve(false)
          }
          if (dirty || closed || ending !== undefined) wake()
        })
        wake = undefined
        if (timedOut) {
          // A heartbeat alone is no reason to read: with thousands of streams that would
          // be a database query per stream every heartbeat.
          if (Date.now() >= pollAt) {
            dirty = true
            wokeAt = ++wakes
          }
          if (Date.now() >= beatAt) {
            await stream.write(': ping\n\n')
            beatAt = Date.now() + spread(heartbeatMs)
          }
        }
      }
      if (ending !== undefined && !closed) await stream.write(`retry: ${ending}\n\n`)
    } finally {
      opened?.()
      enders.delete(end)
      open--
      if (slot) slot.slots.release(slot.key)
      await unsubscribe()
    }
  })
}
