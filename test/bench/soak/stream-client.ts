import { type IncomingMessage, request } from 'node:http'
import type { Balancer } from './load.ts'

// A client's SSE stream as halte's screens hold one: through the balancer, resumed
// after any end or break (a second later, jittered) with its Last-Event-ID, on
// whichever instance is up. Its own connection, not the balancer's pool: a stream
// holds it for good.

export interface StreamCounters {
  open: number
  reconnects: number
}

export interface SseEvent {
  id?: string
  event?: string
  data?: string
}

// Calls `each` for every complete event in what a response has sent so far, chunk by
// chunk; shared with the feed benchmark.
export function onSseEvents(res: IncomingMessage, each: (e: SseEvent) => void) {
  let buf = ''
  res.setEncoding('utf8')
  res.on('data', (chunk: string) => {
    buf += chunk
    for (let at = buf.indexOf('\n\n'); at >= 0; at = buf.indexOf('\n\n')) {
      const block = buf.slice(0, at)
      buf = buf.slice(at + 2)
      each({ id: /^id: (.+)$/m.exec(block)?.[1], event: /^event: (.+)$/m.exec(block)?.[1], data: /^data: (.+)$/m.exec(block)?.[1] })
    }
  })
}

// How long a screen waits when sent away with Retry-After (seconds), spread ±25 % as
// halte's screens do (widgets/lib/stream.ts); undefined without one.
export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const after = Number(header)
  return after > 0 ? after * 1000 * (0.75 + Math.random() / 2) : undefined
}

export class ResumingStream {
  private res?: IncomingMessage
  private paused = false
  private stopped = false
  cursor?: string
  // Each (re)connection: when, to which instance, from which cursor, and its answer.
  readonly history: { at: number; instance: string; cursor?: string; status: number }[] = []

  // Settles when the stream first opens (200), or is closed before it could.
  readonly opened: Promise<void>
  private markOpened!: () => void

  constructor(
    private readonly lb: Balancer,
    private readonly path: string,
    private readonly headers: Record<string, string>,
    private readonly onEvent: (e: SseEvent) => void,
    private readonly counters: StreamCounters,
  ) {
    this.opened = new Promise((r) => {
      this.markOpened = r
    })
  }

  connect(): Promise<void> {
    const instance = this.lb.pick()
    return new Promise<void>((resolve) => {
      if (!instance || this.stopped) {
        this.retry()
        return resolve()
      }
      const headers: Record<string, string> = { ...this.headers, accept: 'text/event-stream' }
      if (this.cursor) headers['last-event-id'] = this.cursor
      const entry = { at: performance.now(), instance: instance.name, cursor: this.cursor, status: 0 }
      this.history.push(entry)
      const req = request({ host: '127.0.0.1', port: instance.port, path: this.path, headers }, (res) => {
        entry.status = res.statusCode ?? 0
        if (res.statusCode !== 200) {
          res.resume()
          this.retry(retryAfterMs(res.headers['retry-after']))
          return resolve()
        }
        this.res = res
        this.markOpened()
        if (this.paused) res.pause()
        this.counters.open++
        resolve()
        onSseEvents(res, (e) => {
          if (e.id) this.cursor = e.id
          if (e.data) this.onEvent(e)
        })
        const done = () => {
          if (this.res !== res) return
          this.res = undefined
          this.counters.open--
          this.retry()
        }
        res.on('end', done)
        res.on('close', done)
        res.on('error', done)
      })
      req.on('error', () => {
        this.retry()
        resolve()
      })
      req.end()
    })
  }

  private retry(ms = 500 + Math.random() * 1000) {
    if (this.stopped) return
    this.counters.reconnects++
    setTimeout(() => void this.connect(), ms)
  }

  // A screen that stops reading (a frozen tab): its socket is no longer drained.
  pause(paused: boolean) {
    this.paused = paused
    if (paused) this.res?.pause()
    else this.res?.resume()
  }

  close() {
    this.stopped = true
    this.markOpened()
    this.res?.destroy()
  }
}
