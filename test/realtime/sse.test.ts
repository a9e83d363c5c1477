import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { localSignal, noSignal } from '../../src/realtime/signal.ts'
import { cursorStream, type StreamEvent } from '../../src/realtime/sse.ts'
import { readSse } from '../helpers/sse.ts'

function setup(opts: { poll?: number; withSignal?: boolean } = {}) {
  const events: StreamEvent[] = []
  const signal = localSignal()
  const app = new Hono()
  app.get('/stream', (c) =>
    cursorStream(c, {
      signal: opts.withSignal === false ? noSignal : signal,
      channel: 'test',
      pollMs: opts.poll ?? 60_000,
      heartbeatMs: 60_000,
      read: async (after) => events.filter((e) => after === null || Number(e.id) > Number(after)),
    }),
  )
  const add = async (n: number) => {
    events.push({ id: String(n), event: 'thing', data: { n } })
    await signal.publish('test', String(n))
  }
  return { app, add }
}

const collect = async (res: Response, count: number, ms = 3000) => (await readSse(res, count, ms)).map((e) => Number(e.id))

describe('cursor SSE stream', () => {
  it('sends the backlog, then new events as soon as they are signalled', async () => {
    const { app, add } = setup()
    await add(1)
    const res = await app.request('/stream')
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const got = collect(res, 3)
    await new Promise((r) => setTimeout(r, 50))
    await add(2)
    await add(3)
    expect(await got).toEqual([1, 2, 3])
  })

  it('resumes after Last-Event-ID', async () => {
    const { app, add } = setup()
    for (const n of [1, 2, 3, 4]) await add(n)
    const res = await app.request('/stream', { headers: { 'Last-Event-ID': '2' } })
    expect(await collect(res, 2)).toEqual([3, 4])
  })

  it('without a signal, polling still delivers', async () => {
    const { app, add } = setup({ poll: 100, withSignal: false })
    const res = await app.request('/stream')
    const got = collect(res, 1)
    await add(7)
    expect(await got).toEqual([7])
  })
})

describe('a read that finds nothing but a position', () => {
  it('starts the next read from that position, with nothing sent', async () => {
    const afters: (string | null)[] = []
    const signal = localSignal()
    const app = new Hono()
    app.get('/stream', (c) =>
      cursorStream(c, {
        signal,
        channel: 'cab',
        pollMs: 60_000,
        heartbeatMs: 60_000,
        read: async (after) => {
          afters.push(after)
          // The first read is a snapshot with nothing in it; later ones read after the position.
          if (after === null) return { events: [], cursor: '41' }
          return after === '41' ? [{ id: '42', event: 'thing', data: { n: 42 } }] : []
        },
      }),
    )
    const res = await app.request('/stream')
    const got = collect(res, 1)
    await new Promise((r) => setTimeout(r, 50))
    await signal.publish('cab', '42')
    expect(await got).toEqual([42])
    expect(afters.slice(0, 2)).toEqual([null, '41'])
  })
})

describe('streams that share their reads', () => {
  // A read that takes a while, counting calls: the consoles of one network read the same events.
  function shared() {
    const events: StreamEvent[] = []
    const signal = localSignal()
    let reads = 0
    const app = new Hono()
    app.get('/stream', (c) =>
      cursorStream(c, {
        signal,
        channel: 'ops',
        pollMs: 60_000,
        heartbeatMs: 60_000,
        shareReads: 'ops',
        read: async (after) => {
          reads++
          // What the read returns is what was there when it began.
          const seen = events.filter((e) => after === null || Number(e.id) > Number(after))
          await new Promise((r) => setTimeout(r, 40))
          return seen
        },
      }),
    )
    const add = async (n: number) => {
      events.push({ id: String(n), event: 'thing', data: { n } })
      await signal.publish('ops', String(n))
    }
    return { app, add, reads: () => reads }
  }

  it('five streams woken by one event read it once, and each gets it', async () => {
    const { app, add, reads } = shared()
    const streams = await Promise.all(Array.from({ length: 5 }, () => app.request('/stream')))
    const got = streams.map((res) => collect(res, 1))
    await new Promise((r) => setTimeout(r, 150))
    const before = reads()
    await add(1)
    expect(await Promise.all(got)).toEqual(Array.from({ length: 5 }, () => [1]))
    expect(reads() - before).toBe(1)
  })

  it('a stream woken while another’s read is under way reads again rather than join it', async () => {
    const { app, add } = shared()
    // The first console is idle at the start; the second one's first read begins,
    // then an event comes: that read began before it and may not hold it.
    const idle = await app.request('/stream')
    const first = collect(idle, 1)
    await new Promise((r) => setTimeout(r, 150))
    const late = await app.request('/stream')
    const second = collect(late, 1)
    await new Promise((r) => setTimeout(r, 5))
    await add(1)
    expect(await first).toEqual([1])
    expect(await second).toEqual([1])
  })
})
