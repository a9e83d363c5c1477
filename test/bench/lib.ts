import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import autocannon from 'autocannon'

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return Math.round(kb / 1024)
}

export async function load(url: string, opts: { connections?: number; duration?: number; headers?: Record<string, string> } = {}) {
  // One second of warm-up (JIT, connection set-up) that is not counted.
  await autocannon({ url, connections: opts.connections ?? 32, duration: 1, headers: opts.headers })
  const r = await autocannon({
    url,
    connections: opts.connections ?? 32,
    duration: opts.duration ?? 5,
    headers: opts.headers,
  })
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx }
}

export function printTable(title: string, rows: Record<string, string | number>[]) {
  console.log(`\n## ${title}`)
  console.table(rows)
}

export async function waitForStatus(url: string, status = 200, timeoutMs = 120_000) {
  const t0 = performance.now()
  while (performance.now() - t0 < timeoutMs) {
    const res = await fetch(url).catch(() => null)
    if (res?.status === status) return performance.now() - t0
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`${url} never answered ${status}`)
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
