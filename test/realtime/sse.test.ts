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
