import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { openStream, type StreamMessage, type StreamState } from '../../widgets/lib/stream.ts'

// The screens' stream reader (widgets/lib/stream.ts) against a server that is busy once:
// it must come back when told, not at its own pace, and then read on.
let server: Server | undefined
afterEach(
  () =>
    new Promise<void>((r) => {
      if (!server) return r()
      server.closeAllConnections()
      server.close(() => r())
    }),
)

async function busyOnce(retryAfterS: string) {
  const asked: { at: number; lastEventId?: string }[] = []
  server = createServer((req, res) => {
    asked.push({ at: performance.now(), lastEventId: req.headers['last-event-id'] as string | undefined })
    if (asked.length === 1) {
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': retryAfterS }).end('{"code":"streams_busy"}')
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('id: 7\nevent: dropoff\ndata: {"n":7}\n\n')
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
  return { base: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, asked }
}

describe('the screens’ stream reader, sent away by a busy server', () => {
  it('waits the Retry-After it was given (spread ±25 %), then reads the stream', async () => {
    const { base, asked } = await busyOnce('2')
    const got: StreamMessage[] = []
    const states: StreamState[] = []
    const s = openStream({ base, path: '/v1/driver/feed', lang: 'fr', token: 'halte_x', onMessage: (m) => got.push(m), onState: (st) => states.push(st) })
    try {
      for (let i = 0; i < 60 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 100))
      expect(got).toEqual([{ id: '7', event: 'dropoff', data: { n: 7 } }])
      // Its own first backoff is 1 s (0.75–1.25): told 2 s, it waited at least 1.5 s.
      expect(asked[1]!.at - asked[0]!.at).toBeGreaterThanOrEqual(1500)
      expect(states).toContain('retrying')
      expect(states.at(-1)).toBe('open')
    } finally {
      s.close()
    }
  })

  it('ignores a Retry-After that is not a number of seconds, and backs off on its own', async () => {
    const { base, asked } = await busyOnce('soon')
    const got: StreamMessage[] = []
    const s = openStream({ base, path: '/v1/driver/feed', lang: 'en', token: 'halte_x', onMessage: (m) => got.push(m) })
    try {
      for (let i = 0; i < 40 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 100))
      expect(got).toHaveLength(1)
      expect(asked[1]!.at - asked[0]!.at).toBeLessThan(1500)
    } finally {
      s.close()
    }
  })
})
