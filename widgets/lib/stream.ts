import { headersFor } from './api.ts'
import type { Lang } from './i18n.ts'

// Server-Sent Events read with fetch(), not EventSource: EventSource cannot send
// headers, and a token in a URL ends up in logs and browser histories. This reader
// sends the token in its header, resumes from the last event id after any break (so
// nothing is missed and nothing is shown twice), and backs off while the service is away.

export interface StreamMessage {
  id: string
  event: string
  data: unknown
}

export type StreamState = 'connecting' | 'open' | 'retrying' | 'closed' | 'refused'

export interface StreamOptions {
  base: string
  path: string
  lang: Lang
  token?: string | null
  accessToken?: string | null
  onMessage(m: StreamMessage): void
  onState?(s: StreamState, status?: number): void
  lastEventId?: string | null
}

export function openStream(o: StreamOptions): { close(): void; lastEventId(): string | null } {
  let last = o.lastEventId ?? null
  let closed = false
  let controller: AbortController | null = null
  let delay = 1000
  let wait: number | undefined
  const state = (s: StreamState, status?: number) => o.onState?.(s, status)

  const run = async () => {
    while (!closed) {
      controller = new AbortController()
      state('connecting')
      try {
        const headers: Record<string, string> = { ...headersFor(o), accept: 'text/event-stream' }
        if (last) headers['last-event-id'] = last
        const res = await fetch(new URL(o.path, o.base), { headers, signal: controller.signal, credentials: 'omit', cache: 'no-store' })
        // A refused token will be refused again: stop and say so rather than hammer.
        if (res.status === 401 || res.status === 403 || res.status === 404) {
          state('refused', res.status)
          closed = true
          return
        }
        // A busy service says when to come back (Retry-After): that, not our own guess.
        const after = Number(res.headers.get('retry-after'))
        if (!res.ok && after > 0) wait = Math.min(after * 1000, 60_000)
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`)
        state('open')
        delay = 1000
        await readEvents(res.body, (m) => {
          if (m.id) last = m.id
          o.onMessage(m)
        })
      } catch {
        // The connection broke or could not be made: try again below.
      }
      if (closed) break
      state('retrying')
      // Spread: the screens of a whole city lose their connection together when a
      // server restarts, and should not all come back in the same second.
      await new Promise((r) => setTimeout(r, (wait ?? delay) * (0.75 + Math.random() / 2)))
      if (wait === undefined) delay = Math.min(delay * 2, 15_000)
      wait = undefined
    }
    state('closed')
  }
  void run()
  return {
    close() {
      closed = true
      controller?.abort()
    },
    lastEventId: () => last,
  }
}

async function readEvents(body: ReadableStream<Uint8Array>, on: (m: StreamMessage) => void) {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n')
    let end = buffer.indexOf('\n\n')
    while (end >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      end = buffer.indexOf('\n\n')
      let id = ''
      let event = 'message'
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'id') id = value
        else if (field === 'event') event = value
        else if (field === 'data') data.push(value)
      }
      if (data.length === 0) continue
      let parsed: unknown = data.join('\n')
      try {
        parsed = JSON.parse(parsed as string)
      } catch {
        // not JSON: kept as text
      }
      on({ id, event, data: parsed })
    }
  }
}
