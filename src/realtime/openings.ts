import type { MiddlewareHandler } from 'hono'
import { HalteError } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'

// Streams being opened in this process: from the request to the stream's first page.
// Opening one costs a few queries (its token, its vehicle or network, its backlog);
// holding it open costs almost nothing. When an instance dies, the thousands of screens
// it held reconnect to the others within a second or two, and their openings queued in
// the pool in front of every search and probe: in the soak, some cabs waited over a
// minute for their stream's first answer and the events of that minute came too late.
// Past `max` openings at once, a new one gets a quick 503 with a jittered Retry-After
// and comes back later (the screens resume from their last event: nothing is lost);
// the searches of the people in danger keep their place in the queue.
export class Openings {
  private under = 0
  constructor(readonly max: number) {}

  get count() {
    return this.under
  }

  // A release to call once the stream is open (or failed to), or undefined when full.
  take(): (() => void) | undefined {
    if (this.under >= this.max) return undefined
    this.under++
    let released = false
    return () => {
      if (released) return
      released = true
      this.under--
    }
  }
}

// Seconds a refused opening is told to wait: spread, so that the screens sent away
// together do not all come back together.
export const retryAfterS = (random = Math.random()) => 1 + Math.floor(random * 5)

// Every stream route ends in /stream, but the driver feed (whose JSON list, asked with
// Accept: application/json, waits its turn too: it is the same few queries). By path,
// not by Accept: a client that asks for no type gets a stream all the same.
const STREAM_PATH = /\/stream$|^\/v1\/driver\/feed$/
export const isStreamPath = (path: string) => STREAM_PATH.test(path)

// Before authentication (itself a query): a refusal here costs no database work.
// A stream that opens hands its release to cursorStream (c.var.opened), which calls it
// after its first page; anything else (a refusal, a JSON answer) releases here.
export function admitStreams(openings: Openings): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== 'GET' || !isStreamPath(c.req.path)) return next()
    const release = openings.take()
    if (!release) throw busy()
    c.set('opened', release)
    try {
      await next()
    } finally {
      if (!c.res.headers.get('content-type')?.startsWith('text/event-stream')) release()
    }
  }
}

function busy() {
  const s = retryAfterS()
  return new HalteError(
    503,
    'streams_busy',
    {
      fr: `Trop de connexions s’ouvrent en même temps ici ; la vôtre reprendra dans ${s} s, sans rien perdre.`,
      en: `Too many connections are opening here at once; yours will resume in ${s} s, with nothing lost.`,
    },
    { headers: { 'Retry-After': String(s) } },
  )
}

// Four times the pool: a few hundred queries at most in front of a search, while a
// fleet of 2,500 screens arriving at once all open in about 8 s (11 s at twice the pool;
// measured on an idle machine, alert streams, screens honouring Retry-After). Unbounded,
// the same 2,500 opened 200 at a time took 3.8 s, with every search queued behind them.
export const streamOpenings = (config: { HALTE_DB_POOL: number }) => Math.max(32, 4 * config.HALTE_DB_POOL)
