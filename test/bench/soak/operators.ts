import type { Balancer } from './load.ts'
import { ResumingStream, type StreamCounters } from './stream-client.ts'

// The operators' consoles: one alert stream each. The first operator takes every new
// alert in hand (acknowledges it), as the on-call desk does: an SMS requester is then
// told by SMS, and nothing escalates.
export class Consoles {
  readonly counters: StreamCounters = { open: 0, reconnects: 0 }
  // alert id -> first time any console saw it created
  readonly seen = new Map<string, number>()
  readonly acknowledged = new Set<string>()
  // Acknowledgements never recorded after every retry.
  failed = 0
  private readonly streams: ResumingStream[] = []

  constructor(
    private readonly lb: Balancer,
    private readonly slug: string,
    private readonly tokens: string[],
  ) {}

  async connectAll() {
    this.tokens.forEach((token, i) => {
      const s = new ResumingStream(this.lb, `/v1/networks/${this.slug}/alerts/stream`, { authorization: `Bearer ${token}` }, (e) => this.onEvent(i, e.data!), this.counters)
      this.streams.push(s)
    })
    // Open, not just tried: a busy instance sends some away for a few seconds.
    await Promise.all(this.streams.map((s) => s.connect().then(() => s.opened)))
  }

  private onEvent(i: number, data: string) {
    const d = JSON.parse(data) as { event: string; alert: { id: string } }
    if (d.event !== 'created') return
    if (!this.seen.has(d.alert.id)) this.seen.set(d.alert.id, performance.now())
    if (i === 0 && !this.acknowledged.has(d.alert.id)) {
      this.acknowledged.add(d.alert.id)
      void this.acknowledge(d.alert.id)
    }
  }

  // Retried until it is recorded: the database or the instance may be down a moment.
  private async acknowledge(id: string) {
    for (let attempt = 0; attempt < 30; attempt++) {
      const res = await this.lb.send('operator acknowledge', {
        method: 'POST',
        path: `/v1/alerts/${id}/acknowledge`,
        headers: { authorization: `Bearer ${this.tokens[0]}`, 'content-type': 'application/json' },
        body: '{}',
      })
      if (res.status === 200 || res.status === 409) return
      await new Promise((r) => setTimeout(r, 1000))
    }
    this.failed++
  }

  close() {
    for (const s of this.streams) s.close()
  }
}
