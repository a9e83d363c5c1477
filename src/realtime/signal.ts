// Wake-up calls between the code that writes a fact and the streams that show it.
// A signal carries no data a stream relies on: payloads are hints (an id), the
// stream re-reads the database from its cursor. So a lost wake-up only delays an
// event until the stream's next poll; it never loses one.

export type Unsubscribe = () => Promise<void>

export interface Signal {
  // false for the stand-in of a runtime without one: streams then poll more often.
  readonly live: boolean
  // Call after the transaction that wrote the fact has committed.
  publish(channel: string, payload: string): Promise<void>
  // `fn` also receives '' when the subscription (re)connects: re-read the backlog then.
  subscribe(channel: string, fn: (payload: string) => void): Promise<Unsubscribe>
}

// One process: the embedded database (whose NOTIFY never reaches socket clients), tests,
// and a Workers isolate (whose streams also poll).
export function localSignal(): Signal {
  const channels = new Map<string, Set<(payload: string) => void>>()
  return {
    live: true,
    async publish(channel, payload) {
      for (const fn of channels.get(channel) ?? []) queueMicrotask(() => fn(payload))
    },
    async subscribe(channel, fn) {
      const set = channels.get(channel) ?? new Set()
      channels.set(channel, set)
      set.add(fn)
      return async () => {
        set.delete(fn)
        if (set.size === 0) channels.delete(channel)
      }
    },
  }
}

// Where nothing can wake a stream (a Workers isolate serves one request): streams poll.
export const noSignal: Signal = {
  live: false,
  async publish() {},
  async subscribe() {
    return async () => {}
  },
}
