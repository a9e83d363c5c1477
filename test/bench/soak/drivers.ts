import { type ChildProcess, fork } from 'node:child_process'
import { resolve } from 'node:path'
import type { Target } from '../driver-targets.ts'
import type { Backend, Balancer, Sample } from './load.ts'
import { ResumingStream, type StreamCounters } from './stream-client.ts'

// The cabs: one feed stream each. Each request that arrives pending is accepted or
// declined a moment later, as a driver would. Cabs runs them; CabFleet runs a Cabs in
// a process of its own (cab-process.ts) and reads its record back at the end.

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
    // Open, not just tried: a busy instance sends some away for a few seconds.
    await Promise.all(all.map((s) => s.opened))
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

export type FromParent =
  | { type: 'start'; targets: Target[]; backends: Backend[] }
  | { type: 'up'; name: string; up: boolean }
  | { type: 'pause'; vehicle: string; paused: boolean }
  | { type: 'report' }
  | { type: 'close' }

// Times in epoch milliseconds.
export interface FleetReport {
  seen: [string, number, number][]
  wrong: number
  counters: StreamCounters
  streams: { vehicle: string; cursor?: string; history: ReturnType<Cabs['history']> }[]
  samples: Sample[]
  loop: { at: number; p99Ms: number; maxMs: number }[]
}

type FromChild = { type: 'connected'; open: number } | { type: 'report'; report: FleetReport }

export class CabFleet {
  readonly seen = new Map<string, Seen>()
  wrong = 0
  readonly counters: StreamCounters = { open: 0, reconnects: 0 }
  // The fleet process's event-loop delay every 10 s (at: on this process's clock).
  loop: FleetReport['loop'] = []
  private readonly streams = new Map<string, FleetReport['streams'][number]>()
  private readonly child: ChildProcess
  private readonly watch: NodeJS.Timeout
  private readonly known = new Map<string, boolean>()
  private readonly waiting = new Map<FromChild['type'], (m: FromChild) => void>()

  constructor(
    private readonly lb: Balancer,
    readonly targets: Target[],
  ) {
    this.child = fork(resolve(import.meta.dirname, 'cab-process.ts'), [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit' })
    this.child.on('message', (m: FromChild) => {
      this.waiting.get(m.type)?.(m)
      this.waiting.delete(m.type)
    })
    // The balancer's view of which instances are up, mirrored as it changes.
    this.watch = setInterval(() => {
      for (const b of this.lb.instances) {
        if (this.known.get(b.name) === b.up) continue
        this.known.set(b.name, b.up)
        this.post({ type: 'up', name: b.name, up: b.up })
      }
    }, 20)
  }

  private post(m: FromParent) {
    if (this.child.connected) this.child.send(m)
  }

  private reply<T extends FromChild['type']>(type: T): Promise<Extract<FromChild, { type: T }>> {
    return new Promise((res, rej) => {
      this.waiting.set(type, res as (m: FromChild) => void)
      this.child.once('exit', (code) => rej(new Error(`the cab fleet's process exited (${code})`)))
    })
  }

  async connectAll() {
    const backends = this.lb.instances.map(({ name, port, up }) => ({ name, port, up }))
    for (const b of backends) this.known.set(b.name, b.up)
    const connected = this.reply('connected')
    this.post({ type: 'start', targets: this.targets, backends })
    this.counters.open = (await connected).open
  }

  pause(vehicle: string, paused: boolean) {
    this.post({ type: 'pause', vehicle, paused })
  }

  // The fleet's record, on this process's clock; its decisions join the balancer's samples.
  async collect() {
    const answer = this.reply('report')
    this.post({ type: 'report' })
    const { report } = await answer
    const local = (epoch: number) => epoch - performance.timeOrigin
    for (const [key, firstAt, count] of report.seen) this.seen.set(key, { firstAt: local(firstAt), count })
    this.wrong = report.wrong
    Object.assign(this.counters, report.counters)
    for (const s of report.streams) this.streams.set(s.vehicle, { ...s, history: s.history.map((h) => ({ ...h, at: local(h.at) })) })
    for (const s of report.samples) this.lb.samples.push({ ...s, due: local(s.due) })
    this.loop = report.loop.map((l) => ({ ...l, at: local(l.at) }))
  }

  get pid() {
    return this.child.pid
  }

  history(vehicle: string) {
    return this.streams.get(vehicle)?.history ?? []
  }

  cursorOf(vehicle: string) {
    return this.streams.get(vehicle)?.cursor
  }

  async close() {
    clearInterval(this.watch)
    if (this.child.exitCode !== null) return
    const exited = new Promise((r) => this.child.once('exit', r))
    this.post({ type: 'close' })
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
}
