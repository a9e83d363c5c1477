import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isStreamPath, Openings, retryAfterS, streamOpenings } from '../../src/realtime/openings.ts'
import { localSignal, type Signal } from '../../src/realtime/signal.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { readSse } from '../helpers/sse.ts'

// A signal whose subscriptions wait until the test lets them through: the streams'
// openings stay under way, as they do when thousands of screens reconnect at once.
function heldSignal() {
  const inner = localSignal()
  let open!: () => void
  const gate = new Promise<void>((r) => {
    open = r
  })
  const signal: Signal = {
    live: true,
    publish: (ch, p) => inner.publish(ch, p),
    subscribe: async (ch, fn) => {
      await gate
      return inner.subscribe(ch, fn)
    },
  }
  return { signal, open }
}

const LIMIT = streamOpenings({ HALTE_DB_POOL: 10 })

describe('stream openings past the limit', () => {
  let t: TestApp
  let held: ReturnType<typeof heldSignal>
  let slug: string
  const tokens: string[] = []

  beforeAll(async () => {
    held = heldSignal()
    t = await testApp({ signal: held.signal })
    slug = (await createNetwork(t)).slug
    // Each operator token may hold 5 streams: enough tokens for the limit and one more.
    for (let i = 0; i < Math.ceil((LIMIT + 2) / 5); i++) tokens.push(await createToken(t, slug, { role: 'operator', label: `console ${i}` }))
  })
  afterAll(() => t?.close())

  // What /metrics says is being opened.
  const opening = async () => {
    const text = await (await t.request('/metrics', { token: ADMIN_TOKEN })).text()
    return Number(/^halte_sse_streams_opening (\d+)$/m.exec(text)?.[1])
  }
  const open = (i: number, lang = 'fr') =>
    t.request(`/v1/networks/${slug}/alerts/stream`, { token: tokens[Math.floor(i / 5)], headers: { accept: 'text/event-stream', 'accept-language': lang } })

  it('refuses a new stream with 503 streams_busy and a Retry-After, serves everything else, and opens it once the others are open', async () => {
    const first = Array.from({ length: LIMIT }, (_, i) => open(i))
    // Their openings are under way (authenticated, waiting on their subscription).
    await new Promise((r) => setTimeout(r, 300))
    expect(await opening()).toBe(LIMIT)

    const refused = await open(LIMIT)
    expect(refused.status).toBe(503)
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/)
    const after = Number(refused.headers.get('retry-after'))
    expect(after).toBeGreaterThanOrEqual(1)
    expect(after).toBeLessThanOrEqual(5)
    const body = (await refused.json()) as { code: string; detail: string }
    expect(body.code).toBe('streams_busy')
    expect(body.detail).toContain(`${after} s`)
    const en = (await (await open(LIMIT, 'en')).json()) as { detail: string }
    expect(en.detail).toMatch(/with nothing lost/)

    // Asking for no type, or for the JSON list, is still an opening of a stream route.
    expect((await t.request(`/v1/networks/${slug}/alerts/stream`, { token: tokens[0] })).status).toBe(503)
    // Not a stream: served as usual.
    expect((await t.request(`/v1/networks/${slug}`)).status).toBe(200)
    expect((await t.request(`/v1/networks/${slug}/alerts`, { token: tokens[0] })).status).toBe(200)

    held.open()
    const opened = await Promise.all(first)
    expect(opened.map((r) => r.status)).toEqual(Array(LIMIT).fill(200))
    // Open once their first read is done: their places are free again.
    for (let i = 0; i < 40 && (await opening()) > 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(await opening()).toBe(0)
    const again = await open(LIMIT)
    expect(again.status).toBe(200)
    for (const r of [...opened, again]) await r.body?.cancel()
  })

  it('counts a refused stream (a bad cursor, a bad token) and an open one out at once, read or not', async () => {
    const bad = await t.request(`/v1/networks/${slug}/alerts/stream`, { token: 'halte_nope', headers: { accept: 'text/event-stream' } })
    expect(bad.status).toBe(401)
    const cursor = await t.request(`/v1/networks/${slug}/alerts/stream`, { token: tokens[0], headers: { accept: 'text/event-stream', 'last-event-id': 'x' } })
    expect(cursor.status).toBe(400)
    const stream = await open(0)
    expect(stream.status).toBe(200)
    await readSse(stream, 1, 300).catch(() => [])
    expect(await opening()).toBe(0)
  })
})

describe('which requests are stream openings', () => {
  it('every route documented as an event stream, and nothing else', async () => {
    const t = await testApp()
    try {
      const doc = (await (await t.request('/openapi.json')).json()) as {
        paths: Record<string, Record<string, { responses: Record<string, { description?: string; content?: Record<string, unknown> }> }>>
      }
      const streams: string[] = []
      const others: string[] = []
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          const ok = op.responses['200']
          const stream = method === 'get' && (ok?.description === 'text/event-stream' || ok?.content?.['text/event-stream'] !== undefined)
          ;(stream ? streams : others).push(`${method} ${path}`)
        }
      }
      // A new stream route the gate does not know would open unbounded.
      expect(streams.length).toBeGreaterThanOrEqual(6)
      expect(streams.filter((r) => !isStreamPath(r.split(' ')[1]!))).toEqual([])
      expect(others.filter((r) => r.startsWith('get ') && isStreamPath(r.split(' ')[1]!))).toEqual([])
    } finally {
      await t.close()
    }
  })
})

describe('Openings', () => {
  it('gives back each place once, however often its release is called', () => {
    const o = new Openings(2)
    const a = o.take()!
    const b = o.take()!
    expect(o.take()).toBeUndefined()
    a()
    a()
    expect(o.count).toBe(1)
    expect(o.take()).toBeDefined()
    expect(o.take()).toBeUndefined()
    b()
    expect(o.count).toBe(1)
  })

  it('spreads the waits it asks for over 1 to 5 s', () => {
    expect(retryAfterS(0)).toBe(1)
    expect(retryAfterS(0.999)).toBe(5)
    expect(new Set(Array.from({ length: 200 }, () => retryAfterS())).size).toBe(5)
  })
})
