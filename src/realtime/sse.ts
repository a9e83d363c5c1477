import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { Signal } from './signal.ts'

// A Server-Sent Events stream that resumes from a cursor. Events come from the
// database (read(after)), never from the signal: the signal only says "read now".
// Without a signal (Workers) or if a wake-up is lost, the poll interval bounds delay.

export interface StreamEvent {
  id: string // strictly increasing within the stream; sent as the SSE id
  event: string
  data: unknown
}

export interface CursorStreamOptions {
  signal?: Signal
  channel: string
  read(after: string | null): Promise<StreamEvent[]>
  heartbeatMs?: number
  pollMs?: number
  // Ends the stream after this long (clients reconnect with Last-Event-ID); bounds
  // how long a revoked token keeps a stream open.
  maxMs?: number
}

export function cursorStream(c: Context, o: CursorStreamOptions): Response {
  const heartbeatMs = o.heartbeatMs ?? 15_000
  const pollMs = o.pollMs ?? (o.signal ? 10_000 : 2_000)
  const maxMs = o.maxMs ?? 15 * 60_000
  let cursor = c.req.header('last-event-id') ?? c.req.query('last_event_id') ?? null
  // Workers' dev server compresses by default, which buffers a stream.
  c.header('Content-Encoding', 'Identity')
  c.header('Cache-Control', 'no-store')
  c.header('X-Accel-Buffering', 'no')
  return streamSSE(c, async (stream) => {
    let wake: (() => void) | undefined
    let dirty = true
    let closed = false
    const started = Date.now()
    stream.onAbort(() => {
      closed = true
      wake?.()
    })
    const unsubscribe = await o.signal?.subscribe(o.channel, () => {
      dirty = true
      wake?.()
    })
    let lastWrite = Date.now()
    let lastRead = 0
    try {
      while (!closed && Date.now() - started < maxMs) {
        if (dirty) {
          dirty = false
          lastRead = Date.now()
          for (const e of await o.read(cursor)) {
            await stream.writeSSE({ id: e.id, event: e.event, data: JSON.stringify(e.data) })
            cursor = e.id
            lastWrite = Date.now()
          }
        }
        const waitMs = Math.max(0, Math.min(pollMs, heartbeatMs - (Date.now() - lastWrite)))
        const timedOut = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), waitMs)
          wake = () => {
            clearTimeout(timer)
            resolve(false)
          }
          if (dirty || closed) wake()
        })
        wake = undefined
        if (timedOut) {
          // A heartbeat alone is no reason to read: with thousands of streams that would
          // be a database query per stream every heartbeat.
          if (Date.now() - lastRead >= pollMs) dirty = true
          if (Date.now() - lastWrite >= heartbeatMs) {
            await stream.write(': ping\n\n')
            lastWrite = Date.now()
          }
        }
      }
    } finally {
      await unsubscribe?.()
    }
  })
}
