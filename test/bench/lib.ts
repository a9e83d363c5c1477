import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import autocannon from 'autocannon'
import postgres from 'postgres'

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

// pgbench at steady state. Every run opens fresh backends, and a backend's first
// PostGIS calls load the library and its caches (over 100 ms each, measured): in a
// short run that warm-up weighs on pgbench, not on the long-lived pool it is compared
// with. So the figure is the median of the per-second progress reports after the
// first two seconds; the whole-run figure is printed beside it.
export function pgbench(args: string[], env: NodeJS.ProcessEnv = process.env) {
  // Every transaction's latency is logged, for percentiles of the steady part too.
  const logs = mkdtempSync(join(tmpdir(), 'halte-pgbench-'))
  const r = spawnSync('pgbench', ['-n', '-P', '1', '--log', `--log-prefix=${join(logs, 'tx')}`, ...args], { env, encoding: 'utf8', cwd: logs })
  if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}`)
  const progress = [...r.stderr.matchAll(/progress: ([\d.]+) s, ([\d.]+) tps, lat ([\d.]+) ms/g)].map((m) => ({
    at: Number(m[1]),
    tps: Number(m[2]),
    lat: Number(m[3]),
  }))
  const steady = progress.filter((p) => p.at > 2)
  // Log lines: client, transaction, latency (µs), script, epoch seconds, µs.
  const rows = readdirSync(logs).flatMap((f) =>
    readFileSync(join(logs, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ').map(Number) as number[]),
  )
  rmSync(logs, { recursive: true, force: true })
  const start = rows.reduce((m, x) => Math.min(m, x[4]!), Number.POSITIVE_INFINITY)
  const latencies = rows.filter((x) => x[4]! >= start + 2).map((x) => x[2]! / 1000)
  return {
    tps: steady.length ? median(steady.map((p) => p.tps)) : Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]),
    latency: steady.length ? median(steady.map((p) => p.lat)) : Number(/latency average = ([\d.]+) ms/.exec(r.stdout)?.[1]),
    p99: latencies.length ? percentile(latencies, 99) : Number.NaN,
    wholeRunTps: Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]),
    report: r.stdout,
  }
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (v instanceof Date) return `'${v.toISOString()}'`
  if (Array.isArray(v)) return `'{${v.map((x) => `"${String(x).replace(/"/g, '\\"')}"`).join(',')}}'`
  const text = typeof v === 'object' ? JSON.stringify(v) : String(v)
  return `'${text.replace(/'/g, "''")}'`
}

// A client that records every statement it sends: with its parameters written in
// (`statements`), and as sent, text and parameters apart (`raw`), so that pgbench can
// run exactly the SQL an endpoint runs.
export function captureSql(url: string, schema: string) {
  const statements: string[] = []
  const raw: { query: string; params: unknown[] }[] = []
  const sql = postgres(url, {
    max: 1,
    fetch_types: false,
    onnotice: () => {},
    connection: { search_path: `${schema},public`, TimeZone: 'UTC' },
    debug: (_c, query, params) => {
      raw.push({ query: query.trim(), params: params as unknown[] })
      statements.push(query.trim().replace(/\$(\d+)/g, (_, n) => literal((params as unknown[])[Number(n) - 1])))
    },
  })
  return { sql, statements, raw }
}

// The same statements as pgbench runs them with -M prepared: one parameterised
// statement text, bound per execution as the driver binds it (so the server plans it
// as it plans the driver's: custom plans, then perhaps a generic one). Numeric
// parameters become per-script `\set` variables; the others must be the same in every
// script and go to pgbench's -D.
export function parameterisedScripts(captures: { query: string; params: unknown[] }[][]) {
  const defines = new Map<string, string>()
  const scripts = captures.map((statements) => {
    const sets: string[] = []
    const body = statements.map(({ query, params }, k) => {
      params.forEach((v, i) => {
        const name = `s${k}p${i + 1}`
        if (v === null) return
        // The driver hands numbers over already written as text.
        if (typeof v === 'number' || (typeof v === 'string' && /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v))) sets.push(`\\set ${name} ${v}`)
        else {
          const text = v instanceof Date ? v.toISOString() : Array.isArray(v) ? `{${v.join(',')}}` : String(v)
          if (defines.has(name) && defines.get(name) !== text) throw new Error(`parameter ${name} differs between scripts`)
          defines.set(name, text)
        }
      })
      // pgbench variables cannot be null: a null is written in, as the driver's binds it.
      return query.replace(/\$(\d+)/g, (_, n) => (params[Number(n) - 1] === null ? 'null' : `:s${k}p${n}`))
    })
    return `${sets.join('\n')}\n${body.join(';\n')};\n`
  })
  return { scripts, defines: [...defines].flatMap(([k, v]) => ['-D', `${k}=${v}`]) }
}
