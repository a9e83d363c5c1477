// Nearest-5-open refuges at national scale: 1,000,000 places over metropolitan France,
// at a busy instant (Tuesday 15:00) and a quiet one (Sunday 03:30), in the same run:
// - the endpoint's most (wrk, closed loop, 32 connections) against the most pgbench gets
//   from the endpoint's own SQL (one statement: the network and its KNN search, captured
//   from the driver, bound with the same parameters, in sessions set as the search's own)
//   over 1, 2 and 4 clients; goal ≥ 0.6. pgbench with 32 clients is context only: on 2
//   cores it swings ±40 % from run to run.
// - p99 at a constant arrival rate of half the endpoint's most (open loop, measured from
//   the instant each request was due); goal < 25 ms.
// - CPU per search of the Node process and of its PostgreSQL backends, from /proc.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import postgres from 'postgres'
import { instantFromWallClock, wallClock } from '../../src/hours/evaluate.ts'
import { findNetworkBySlug, insertNetwork } from '../../src/networks/queries.ts'
import { searchNearest } from '../../src/places/nearest.ts'
import { placesIndexState, tidyPlacesIndex } from '../../src/places/index-upkeep.ts'
import { refreshDuePeriods } from '../../src/places/periods.ts'
import { connect, ensureSchema } from '../../src/runtime/database.ts'
import { migrateFromDisk } from '../../src/runtime/migrations.ts'
import { CLI } from '../helpers/process.ts'
import { captureSql, freePort, median, parameterisedScripts, pgbench, waitForStatus } from './lib.ts'
import { CITY_POINTS, generatePlaces } from './places-data.ts'

const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = 'bench_nearest'
const COUNT = Number(process.env.BENCH_PLACES ?? 1_000_000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const RATIO_GOAL = 0.6
const P99_GOAL_MS = 25

// The next Tuesday 15:00 and Sunday 03:30 in Paris.
function nextParis(weekday: number, hour: number, minute: number): Date {
  const now = Date.now()
  for (let d = 1; d <= 8; d++) {
    const w = wallClock(new Date(now + d * 86_400_000), 'Europe/Paris')
    const t = instantFromWallClock({ ...w, hour, minute, second: 0 }, 'Europe/Paris')
    const day = new Intl.DateTimeFormat('en', { timeZone: 'Europe/Paris', weekday: 'short' }).format(t)
    if (['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(day) === weekday) return t
  }
  throw new Error('unreachable: every weekday occurs within 8 days')
}

// Query points: around the cities, where people are (a deterministic spread).
const POINTS = Array.from({ length: 200 }, (_, i) => {
  const c = CITY_POINTS[i % CITY_POINTS.length]!
  const a = (i * 2.399963) % (2 * Math.PI)
  const r = 0.004 * ((i * 7) % 10)
  return { lat: Number((c.lat + r * Math.sin(a)).toFixed(5)), lon: Number((c.lon + 1.4 * r * Math.cos(a)).toFixed(5)) }
})

async function prepareData() {
  const admin = connect(URL_, { max: 2 })
  await ensureSchema(admin, SCHEMA)
  await admin.end()
  const sql = connect(URL_, { schema: SCHEMA, max: 4 })
  await migrateFromDisk(sql)
  let network = await findNetworkBySlug(sql, 'france')
  if (!network) network = await insertNetwork(sql, { slug: 'france', name: 'France', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR' })
  const [{ n }] = (await sql`select count(*)::int as n from places`) as unknown as [{ n: number }]
  if (n !== COUNT) {
    console.log(`generating ${COUNT.toLocaleString('en')} places…`)
    const t0 = performance.now()
    await sql`delete from places`
    await generatePlaces(sql, network.id, COUNT)
    console.log(`  inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  }
  const t1 = performance.now()
  const refreshed = await refreshDuePeriods(sql, new Date())
  if (refreshed) console.log(`materialised open periods of ${refreshed.toLocaleString('en')} places in ${((performance.now() - t1) / 1000).toFixed(1)} s`)
  await sql`vacuum analyze places`
  // As the hourly job leaves it after those refreshes.
  const t2 = performance.now()
  if (await tidyPlacesIndex(sql)) console.log(`rebuilt the loosened Mercator index in ${((performance.now() - t2) / 1000).toFixed(1)} s`)
  const state = await placesIndexState(sql)
  console.log(`Mercator index: ${state?.pages} pages for ${state?.rows} active places (${state?.looseness.toFixed(2)} × a fresh build)`)
  return { sql }
}

// The disk here reads ~45 MB/s and the host takes back idle page cache within
// minutes, so a table read cold turns every query into disk waits (measured: 7
// requests/s, 97 % iowait). The figures are for a warm database, as a live service's
// is: table and indexes are read into memory before each instant, for both sides.
async function prewarm(sql: postgres.Sql) {
  await sql`create extension if not exists pg_prewarm`
  const t0 = performance.now()
  const [{ blocks }] = (await sql`
    select sum(pg_prewarm(c.oid::regclass, 'read'))::int8 as blocks
    from pg_class c where c.relnamespace = ${SCHEMA}::regnamespace and c.relkind in ('r', 'i', 't')`) as unknown as [{ blocks: string }]
  const [{ sb }] = (await sql`select current_setting('shared_buffers') as sb`) as unknown as [{ sb: string }]
  console.log(`prewarmed ${Math.round((Number(blocks) * 8) / 1024)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s (shared_buffers ${sb}; the rest in the OS cache)`)
}


const searchPath = (at: Date) => (p: { lat: number; lon: number }) =>
  `/v1/networks/france/places/nearest?lat=${p.lat}&lon=${p.lon}&limit=5&at=${encodeURIComponent(at.toISOString())}`

function wrk(base: string, at: Date, dir: string, seconds = SECONDS, connections = 32) {
  const paths = POINTS.map(searchPath(at))
  const lua = join(dir, 'paths.lua')
  writeFileSync(lua, `local paths = {${paths.map((p) => JSON.stringify(p)).join(',')}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend\n`)
  const out = execFileSync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', lua, base]).toString()
  const ms = (label: string) => {
    const m = new RegExp(`${label}\\s+([\\d.]+)(us|ms|s)`).exec(out)
    if (!m) return Number.NaN
    const v = Number(m[1])
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v
  }
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), requests: Number(/(\d+) requests in/.exec(out)?.[1]), p50: ms('50%'), p99: ms('99%'), non2xx }
}

// The search's sessions plan its statement once (src/runtime/database.ts): pgbench's
// sessions are set the same way, so both sides run the same plans.
const SEARCH_SESSION = `-c search_path=${SCHEMA},public -c jit=off -c plan_cache_mode=force_generic_plan`

function pgbenchScripts(scripts: string[], defines: string[], dir: string, clients: number) {
  const files = scripts.map((s, i) => {
    const f = join(dir, `q${i}.sql`)
    writeFileSync(f, s)
    return `${f}@1`
  })
  const args = ['-c', String(clients), '-j', String(Math.min(2, clients)), '-T', String(SECONDS), '-M', 'prepared', ...defines, ...files.flatMap((f) => ['-f', f]), URL_]
  return pgbench(args, { ...process.env, PGOPTIONS: SEARCH_SESSION })
}

function openLoop(base: string, at: Date, dir: string, rate: number) {
  const file = join(dir, 'paths.json')
  writeFileSync(file, JSON.stringify(POINTS.map(searchPath(at))))
  const r = spawnSync(process.execPath, ['--import', 'tsx', resolve('test/bench/open-loop.ts'), base, String(rate), String(SECONDS), file], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`open-loop generator failed: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { sent: number; done: number; failed: number; p50: number; p99: number; max: number; lag99: number }
}

// CPU time (ms) a process has used, from /proc/<pid>/stat (utime + stime, in clock ticks).
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100)
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS
  } catch {
    return 0
  }
}

// The PostgreSQL backends serving a process: those whose client port is one of its
// sockets' local ports (other tests on this machine use the same database).
async function backendsOf(sql: postgres.Sql, pid: number): Promise<number[]> {
  const inodes = new Set<string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let link = ''
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' })
    } catch {
      // Closed since the listing (a request's socket): not a database session.
    }
    const m = /^socket:\[(\d+)\]$/.exec(link)
    if (m) inodes.add(m[1]!)
  }
  const ports: number[] = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols.length > 9 && inodes.has(cols[9]!)) ports.push(Number.parseInt(cols[1]!.split(':')[1]!, 16))
    }
  }
  const rows = await sql<{ pid: number }[]>`select pid from pg_stat_activity where client_port = any(${`{${ports.join(',')}}`}::int[])`
  return rows.map((r) => r.pid)
}

// The search's statement as its sessions run it: prepared, then a generic plan.
async function showPlan(sql: postgres.Sql, capture: { query: string; params: unknown[] }) {
  const r = await sql.reserve()
  try {
    await r`set plan_cache_mode = force_generic_plan`
    await r.unsafe(`prepare nearest_plan as ${capture.query}`)
    const args = capture.params.map((v) => (v === null ? 'null' : `'${String(v instanceof Date ? v.toISOString() : v).replace(/'/g, "''")}'`)).join(', ')
    let plan: postgres.RowList<postgres.Row[]> | undefined
    // The first run in a session loads PostGIS and its statistics: show a warm one.
    for (let i = 0; i < 3; i++) plan = await r.unsafe(`explain (analyze, buffers, costs off) execute nearest_plan(${args})`)
    console.log(plan!.map((row) => `    ${row['QUERY PLAN']}`).join('\n'))
    await r`deallocate nearest_plan`
    await r`reset plan_cache_mode`
  } finally {
    r.release()
  }
}

const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL')
const round1 = (x: number) => Math.round(x * 10) / 10
const round2 = (x: number) => Math.round(x * 100) / 100

export async function run() {
  const probe = postgres(URL_, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await probe`select 1`
  } catch {
    console.log(`(skipped: needs a PostgreSQL with PostGIS at DATABASE_URL or ${URL_})`)
    return
  } finally {
    await probe.end()
  }
  const { sql } = await prepareData()
  const dir = mkdtempSync(join(tmpdir(), 'halte-bench-nearest-'))
  // Default log level (access logs on); the bench does not read them. One database
  // connection per core, as the README advises where PostgreSQL shares the machine:
  // more backends than cores trade CPU for context switches (pgbench below shows it).
  const pool = availableParallelism()
  console.log(`endpoint: one Node process, HALTE_DB_POOL=${pool}; ${SECONDS} s per run, ${ROUNDS} rounds`)
  const port = await freePort()
  const server = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, DATABASE_URL: URL_, HALTE_DB_SCHEMA: SCHEMA, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', HALTE_DB_POOL: String(pool) },
    stdio: 'ignore',
  })
  const base = `http://127.0.0.1:${port}`
  await waitForStatus(`${base}/readyz`)
  const verdicts: string[] = []
  try {
    for (const [label, at] of [
      ['Tuesday 15:00', nextParis(2, 15, 0)],
      ['Sunday 03:30', nextParis(0, 3, 30)],
    ] as const) {
      // The endpoint's own SQL, as the driver sends it, for each query point.
      const captures: { query: string; params: unknown[] }[][] = []
      let openShare = 0
      for (const p of POINTS.slice(0, 50)) {
        const { sql: spy, raw } = captureSql(URL_, SCHEMA)
        const { places: found } = await searchNearest(spy, { slug: 'france' }, { lat: p.lat, lon: p.lon, at, limit: 5, openOnly: true, features: [], radiusM: null })
        openShare += found.length
        await spy.end()
        captures.push(raw)
      }
      const bound = parameterisedScripts(captures)
      await prewarm(sql)
      const [{ share }] = (await sql`select round(100.0 * avg((open_periods @> ${at}::timestamptz)::int), 1)::float8 as share from places`) as unknown as [{ share: number }]
      console.log(`\n## ${label} (${at.toISOString()}): ${share} % of places open; ${(openShare / 50).toFixed(1)} results per query on average`)
      await showPlan(sql, captures[0]![0]!)
      // Warm-up, not counted: the server's JIT and its pools' first PostGIS calls.
      wrk(base, at, dir, 2)
      const serverPid = server.pid!
      const backends = await backendsOf(sql, serverPid)
      const rows: Record<string, string | number>[] = []
      const ratios: number[] = []
      const p99s: number[] = []
      const nodeMs: number[] = []
      const pgMs: number[] = []
      for (let i = 0; i < ROUNDS; i++) {
        const n0 = cpuMs(serverPid)
        const b0 = backends.reduce((s, b) => s + cpuMs(b), 0)
        const h = wrk(base, at, dir)
        const perNode = (cpuMs(serverPid) - n0) / h.requests
        const perPg = (backends.reduce((s, b) => s + cpuMs(b), 0) - b0) / h.requests
        const bench = [1, 2, 4].map((c) => pgbenchScripts(bound.scripts, bound.defines, dir, c).tps)
        const best = Math.max(...bench)
        const open = openLoop(base, at, dir, Math.round(h.rps / 2))
        const many = pgbenchScripts(bound.scripts, bound.defines, dir, 32)
        ratios.push(h.rps / best)
        p99s.push(open.p99)
        nodeMs.push(perNode)
        pgMs.push(perPg)
        rows.push({
          round: i + 1,
          http_rps: Math.round(h.rps),
          non2xx: h.non2xx,
          pgbench_1_2_4: bench.map(Math.round).join(' / '),
          ratio: round2(h.rps / best),
          open_rate: Math.round(h.rps / 2),
          open_p50_ms: open.p50,
          open_p99_ms: open.p99,
          open_failed: open.failed,
          sender_late_p99_ms: open.lag99,
          node_cpu_ms: round2(perNode),
          pg_cpu_ms: round2(perPg),
          c32_p50_ms: h.p50,
          c32_p99_ms: h.p99,
          pgbench_32: Math.round(many.tps),
        })
      }
      console.table(rows)
      const ratio = median(ratios)
      const p99 = median(p99s)
      console.log(`CPU per search (median): Node ${round2(median(nodeMs))} ms, PostgreSQL ${round2(median(pgMs))} ms (${backends.length} backends)`)
      verdicts.push(
        `${label}: endpoint/pgbench best of 1, 2, 4 clients ${ratio.toFixed(2)} (goal ≥ ${RATIO_GOAL}): ${verdict(ratio >= RATIO_GOAL)}`,
        `${label}: p99 at half the endpoint's most, open loop ${round1(p99)} ms (goal < ${P99_GOAL_MS}): ${verdict(p99 < P99_GOAL_MS)}`,
      )
      for (const v of verdicts.slice(-2)) console.log(v)
    }
    console.log(`\n${verdicts.join('\n')}`)
  } finally {
    server.kill('SIGTERM')
    await sql.end()
  }
}
