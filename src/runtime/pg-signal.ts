import type { Sql } from 'postgres'
import type { Signal } from '../realtime/signal.ts'

// LISTEN/NOTIFY on a real PostgreSQL: every instance behind the load balancer hears
// every publish. postgres.js keeps one extra connection for LISTEN and re-issues it
// after a reconnect, calling onlisten again: notifications sent during the gap are
// lost, so subscribers are told to re-read their backlog (payload '').
export function pgSignal(sql: Sql): Signal {
  const channels = new Map<string, { fns: Set<(payload: string) => void>; unlisten: Promise<() => Promise<void>> }>()
  return {
    live: true,
    async publish(channel, payload) {
      await sql`select pg_notify(${channel}, ${payload})`
    },
    async subscribe(channel, fn) {
      let entry = channels.get(channel)
      if (!entry) {
        const fns = new Set<(payload: string) => void>()
        const unlisten = sql
          .listen(
            channel,
            (payload) => {
              for (const f of fns) f(payload)
            },
            () => {
              for (const f of fns) f('')
            },
          )
          .then((meta) => meta.unlisten)
        entry = { fns, unlisten }
        channels.set(channel, entry)
      }
      entry.fns.add(fn)
      await entry.unlisten
      const current = entry
      return async () => {
        current.fns.delete(fn)
        if (current.fns.size === 0 && channels.get(channel) === current) {
          channels.delete(channel)
          await (await current.unlisten)()
        }
      }
    },
  }
}
