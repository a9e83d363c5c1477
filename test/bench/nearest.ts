// Nearest-5-open refuges at national scale: 1,000,000 places over metropolitan France,
// at a busy instant (Tuesday 15:00) and a quiet one (Sunday 03:30). The endpoint over
// HTTP (wrk, 32 connections) against pgbench running the endpoint's own SQL (one
// statement: the network and its KNN search, captured from the driver, bound with the same
// parameters, so the server plans them as it plans the driver's) in the same run.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
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

function wrk(base: string, at: Date, dir: string, seconds = SECONDS) {
  const paths = POINTS.map((p) => `/v1/networks/france/places/nearest?lat=${p.lat}&lon=${p.lon}&limit=5&at=${encodeURIComponent(at.toISOString())}`)
  const lua = join(dir, 'paths.lua')
  writeFileSync(lua, `local paths = {${paths.map((p) => JSON.stringify(p)).join(',')}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend\n`)
  const out = execFileSync('wrk', ['-t2', '-c32', `-d${seconds}s`, '--latency', '-s', lua, base]).toString()
  const ms = (label: string) => {
    const m = new RegExp(`${label}\\s+([\\d.]+)(us|ms|s)`).exec(out)
    if (!m) return Number.NaN
    const v = Number(m[1])
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v
  }
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), p50: ms('50%'), p99: ms('99%'), non2xx }
}

function pgbenchScripts(scripts: string[], defines: string[], dir: string, clients = 32) {
  const files = scripts.map((s, i) => {
    const f = join(dir, `q${i}.sql`)
    writeFileSync(f, s)
    return `${f}@1`
  })
  const args = ['-c', String(clients), '-j', String(Math.min(2, clients)), '-T', String(SECONDS), '-M', 'prepared', ...defines, ...files.flatMap((f) => ['-f', f]), URL_]
  return pgbench(args, { ...process.env, PGOPTIONS: `-c search_path=${SCHEMA},public` })
}

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
  console.log(`endpoint: one Node process, HALTE_DB_POOL=${pool}`)
  const port = await freePort()
  const server = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, DATABASE_URL: URL_, HALTE_DB_SCHEMA: SCHEMA, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', HALTE_DB_POOL: String(pool) },
    stdio: 'ignore',
  })
  const base = `http://127.0.0.1:${port}`
  await waitForStatus(`${base}/readyz`)
  try {
    for (const [label, at] of [
      ['Tuesday 15:00', nextParis(2, 15, 0)],
      ['Sunday 03:30', nextParis(0, 3, 30)],
    ] as const) {
      // The endpoint's own SQL, as the driver sends it, for each query point.
      const scripts: string[] = []
      const captures: { query: string; params: unknown[] }[][] = []
      let openShare = 0
      for (const p of POINTS.slice(0, 50)) {
        const { sql: spy, statements: captured, raw } = captureSql(URL_, SCHEMA)
        const { places: found } = await searchNearest(spy, { slug: 'france' }, { lat: p.lat, lon: p.lon, at, limit: 5, openOnly: true, features: [], radiusM: null })
        openShare += found.length
        await spy.end()
        scripts.push(`${captured.join(';\n')};\n`)
        captures.push(raw)
      }
      const bound = parameterisedScripts(captures)
      await prewarm(sql)
      const [{ share }] = (await sql`select round(100.0 * avg((open_periods @> ${at}::timestamptz)::int), 1)::float8 as share from places`) as unknown as [{ share: number }]
      console.log(`\n## ${label} (${at.toISOString()}): ${share} % of places open; ${(openShare / 50).toFixed(1)} results per query on average`)
      // The first run in a session loads PostGIS and its statistics (tens of ms of
      // planning): show the plan as a warm session runs it.
      let plan: postgres.RowList<postgres.Row[]> | undefined
      for (let i = 0; i < 3; i++) plan = await sql.unsafe(`explain (analyze, buffers, costs off) ${scripts[0]!.split(';\n')[0]}`)
      console.log(plan!.map((r) => `    ${r['QUERY PLAN']}`).join('\n'))
      const rows: Record<string, string | number>[] = []
      const ratios: number[] = []
      const p99s: number[] = []
      // Warm-up, not counted: the server's JIT and its pool's first PostGIS calls.
      wrk(base, at, dir, 2)
      for (let i = 0; i < ROUNDS; i++) {
        const h = wrk(base, at, dir)
        const b = pgbenchScripts(bound.scripts, bound.defines, dir)
        ratios.push(h.rps / b.tps)
        p99s.push(h.p99)
        rows.push({ round: i + 1, http_rps: Math.round(h.rps), p50_ms: h.p50, p99_ms: h.p99, non2xx: h.non2xx, pgbench_tps: Math.round(b.tps), pgbench_ms: Math.round(b.latency * 10) / 10, pgbench_p99_ms: Math.round(b.p99 * 10) / 10, pgbench_whole_run_tps: Math.round(b.wholeRunTps), ratio: (h.rps / b.tps).toFixed(2) })
      }
      console.table(rows)
      console.log(`median p99 ${median(p99s)} ms (goal < 25); median ratio endpoint/pgbench ${median(ratios).toFixed(2)} (goal ≥ 0.75)`)
      // What the database alone does with as many sessions as the endpoint holds: the
      // part of each search that is PostgreSQL's, the rest being Node's and HTTP's.
      const few = pgbenchScripts(bound.scripts, bound.defines, dir, pool)
      console.log(`pgbench with ${pool} clients (the endpoint's pool): ${Math.round(few.tps)} tps, ${few.latency.toFixed(2)} ms per search, p99 ${few.p99.toFixed(1)} ms`)
    }
  } finally {
    server.kill('SIGTERM')
    await sql.end()
  }
}
