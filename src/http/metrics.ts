import type { Context } from 'hono'

// A minimal Prometheus registry: request counts and latency histograms by route
// pattern (never by raw path, which would leak ids and explode cardinality). Kept
// cheap on purpose: it runs on every request, health probes included.

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

interface Series {
  method: string
  route: string
  statuses: Map<number, number>
  count: number
  sum: number
  // Per bucket, not cumulative: one increment per observation; render() accumulates.
  buckets: number[]
}

export class Metrics {
  private readonly series = new Map<string, Series>()
  private readonly gauges = new Map<string, { help: string; read: () => number }>()

  observe(method: string, route: string, status: number, seconds: number) {
    const key = `${method} ${route}`
    let s = this.series.get(key)
    if (!s) {
      s = { method, route, statuses: new Map(), count: 0, sum: 0, buckets: new Array(BUCKETS.length + 1).fill(0) }
      this.series.set(key, s)
    }
    s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1)
    s.count++
    s.sum += seconds
    let i = 0
    while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++
    s.buckets[i]!++
  }

  gauge(name: string, help: string, read: () => number) {
    this.gauges.set(name, { help, read })
  }

  render(): string {
    const out: string[] = []
    out.push('# HELP halte_http_requests_total HTTP requests by route and status.')
    out.push('# TYPE halte_http_requests_total counter')
    for (const s of this.series.values()) {
      for (const [status, n] of s.statuses) out.push(`halte_http_requests_total{${labels(s)},status="${status}"} ${n}`)
    }
    out.push('# HELP halte_http_request_duration_seconds HTTP request latency by route.')
    out.push('# TYPE halte_http_request_duration_seconds histogram')
    for (const s of this.series.values()) {
      let cumulative = 0
      BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i]!
        out.push(`halte_http_request_duration_seconds_bucket{${labels(s)},le="${le}"} ${cumulative}`)
      })
      out.push(`halte_http_request_duration_seconds_bucket{${labels(s)},le="+Inf"} ${s.count}`)
      out.push(`halte_http_request_duration_seconds_sum{${labels(s)}} ${s.sum}`)
      out.push(`halte_http_request_duration_seconds_count{${labels(s)}} ${s.count}`)
    }
    for (const [name, g] of this.gauges) {
      out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.read()}`)
    }
    return `${out.join('\n')}\n`
  }
}

const labels = (s: Series) => `method="${s.method}",route="${escapeLabel(s.route)}"`

function escapeLabel(v: string) {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

// After the handler ran, routePath is its pattern; a request no route matched ends on
// a middleware's wildcard pattern.
export function routeLabel(c: Context): string {
  const path = c.req.routePath
  return path.includes('*') ? 'unmatched' : path
}
