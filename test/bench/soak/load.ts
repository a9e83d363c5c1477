import { Agent, request } from 'node:http'

// The load balancer in front of the instances and the record of every answer.
// Open loop: each request has a due time set by the schedule; its latency counts from
// then, so a stalled server shows its queue instead of being asked less.

export interface Sample {
  kind: string
  due: number
  ms: number
  // How late the generator itself sent it (its event loop, the machine's other work):
  // part of ms, and no part of the instances' doing.
  lateMs: number
  // 0: no HTTP answer (connection refused or cut).
  status: number
  problem: boolean
  instance: string
}

export interface Answer {
  status: number
  text: string
  contentType: string
}

export interface Outgoing {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string
}

// What the balancer needs of an instance (an Instance, or its mirror in the cabs' process).
export interface Backend {
  name: string
  port: number
  up: boolean
}

export class Balancer {
  readonly samples: Sample[] = []
  private next = 0
  private readonly agents = new Map<string, Agent>()

  constructor(readonly instances: Backend[]) {}

  // Round-robin over the instances known to be up, as a load balancer's health checks do.
  pick(avoid?: Backend): Backend | undefined {
    const up = this.instances.filter((i) => i.up && i !== avoid)
    if (up.length === 0) return this.instances.find((i) => i.up)
    return up[this.next++ % up.length]
  }

  private agent(i: Backend) {
    let a = this.agents.get(i.name)
    if (!a) {
      a = new Agent({ keepAlive: true, maxSockets: 256 })
      this.agents.set(i.name, a)
    }
    return a
  }

  once(i: Backend, o: Outgoing): Promise<Answer & { refused?: boolean }> {
    return new Promise((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: i.port, method: o.method ?? 'GET', path: o.path, headers: o.headers, agent: this.agent(i) },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (d: string) => {
            text += d
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text, contentType: String(res.headers['content-type'] ?? '') }))
          res.on('error', () => resolve({ status: 0, text: '', contentType: '' }))
        },
      )
      // Bounded: a request that hangs is a finding, recorded as no answer.
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')))
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, text: e.message, contentType: '', refused: e.code === 'ECONNREFUSED' }))
      if (o.body !== undefined) req.end(o.body)
      else req.end()
    })
  }

  // Sends through the balancer and records the answer. A refused connection never
  // reached an instance: the balancer tries another one, as a real one does.
  async send(kind: string, o: Outgoing, due = performance.now()): Promise<Answer> {
    let target = this.pick()
    const lateMs = performance.now() - due
    if (!target) {
      this.samples.push({ kind, due, ms: performance.now() - due, lateMs, status: 0, problem: false, instance: '-' })
      return { status: 0, text: 'no instance up', contentType: '' }
    }
    let answer = await this.once(target, o)
    if (answer.status === 0 && (answer.refused || (o.method ?? 'GET') === 'GET')) {
      const other = this.pick(target)
      if (other) {
        target = other
        answer = await this.once(other, o)
      }
    }
    this.samples.push({
      kind,
      due,
      ms: performance.now() - due,
      lateMs,
      status: answer.status,
      problem: answer.contentType.startsWith('application/problem+json'),
      instance: target.name,
    })
    return answer
  }

  close() {
    for (const a of this.agents.values()) a.destroy()
  }
}

// Calls `fire(k, due)` at `rate` per second from `start` until `stop()` says so, each at
// its due time whatever the previous calls are doing.
export function schedule(rate: number, fire: (k: number, due: number) => void, stop: () => boolean) {
  const start = performance.now()
  const interval = 1000 / rate
  let k = 0
  return new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now()
      while (start + k * interval <= now) {
        if (stop()) return resolve()
        fire(k, start + k * interval)
        k++
      }
      setTimeout(tick, Math.max(0, Math.min(5, start + k * interval - performance.now())))
    }
    tick()
  })
}
