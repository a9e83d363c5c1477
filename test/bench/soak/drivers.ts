import type { Target } from '../driver-targets.ts'
import type { Balancer } from './load.ts'
import { ResumingStream, type StreamCounters } from './stream-client.ts'

// The cabs: one feed stream each. Each request that arrives pending is accepted or
// declined a moment later, as a driver would.

export interface Seen {
  // Arrival of the first event naming the request on this vehicle's stream.
  firstAt: number
  count: number
}

export class Cabs {
  readonly seen = new Map<string, Seen>() // `${vehicle}/${dropoff id}`
  wrong = 0
  readonly counters: StreamCounters = { open: 0, reconnects: 0 }
  private readonly streams = new Map<string, ResumingStream>()
  private readonly decided = new Set<string>()
  private stopped = false

  constructor(
    private readonly lb: Balancer,
    readonly targets: Target[],
  ) {}

  async connectAll(batch = 250) {
    for (const t of this.targets) {
      const headers = { authorization: `Bearer ${t.token}` }
      this.streams.set(t.vehicle, new ResumingStream(this.lb, '/v1/driver/feed', headers, (e) => this.onEvent(t, e.data!), this.counters))
    }
    const all = [...this.streams.values()]
    for (let i = 0; i < all.length; i += batch) await Promise.all(all.slice(i, i + batch).map((s) => s.connect()))
  }

  private onEvent(t: Target, data: string) {
    const d = JSON.parse(data) as { id: string; trip_id: string; status: string }
    if (d.trip_id !== t.trip) this.wrong++
    const key = `${t.vehicle}/${d.id}`
    const seen = this.seen.get(key)
    if (seen) seen.count++
    else this.seen.set(key, { firstAt: performance.now(), count: 1 })
    if (d.status === 'pending' && !this.decided.has(d.id)) {
      this.decided.add(d.id)
      setTimeout(() => void this.decide(t, d.id), 300 + Math.random() * 1500)
    }
  }

  private async decide(t: Target, id: string) {
    if (this.stopped) return
    const accept = Math.random() < 0.7
    const path = `/v1/driver/dropoffs/${id}/${accept ? 'accept' : 'decline'}`
    const headers: Record<string, string> = { authorization: `Bearer ${t.token}` }
    if (accept) await this.lb.send('driver decision', { method: 'POST', path, headers })
    else {
      headers['content-type'] = 'application/json'
      await this.lb.send('driver decision', { method: 'POST', path, headers, body: JSON.stringify({ reason: 'traffic' }) })
    }
  }

  history(vehicle: string) {
    return this.streams.get(vehicle)?.history ?? []
  }

  cursorOf(vehicle: string) {
    return this.streams.get(vehicle)?.cursor
  }

  pause(vehicle: string, paused: boolean) {
    this.streams.get(vehicle)?.pause(paused)
  }

  close() {
    this.stopped = true
    for (const s of this.streams.values()) s.close()
  }
}
