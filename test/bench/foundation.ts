// Foundation figures: start-up to first /readyz 200 (embedded first/second start, real
// PostgreSQL), RSS after start, and /healthz throughput against a bare Hono app.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import postgres from 'postgres'
import { listeningUrl, runCli, runCommand } from '../helpers/process.ts'
import { load, median, printTable, rssMiB, waitForStatus } from './lib.ts'

const REAL_PG = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

async function timeStart(env: Record<string, string | undefined>) {
  const t0 = performance.now()
  const child = runCli(['serve'], { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env })
  const url = await listeningUrl(child)
  await waitForStatus(`${url}/readyz`)
  const ms = performance.now() - t0
  const rss = rssMiB(child.proc.pid!)
  return { ms, rss, url, child }
}

// Wall time of one `halte …` command, process start to exit.
async function timeCli(args: string[], env: Record<string, string | undefined>) {
  const t0 = performance.now()
  const child = runCli(args, { LOG_LEVEL: 'warn', ...env })
  const code = await child.exited
  if (code !== 0) throw new Error(`halte ${args.join(' ')} failed:\n${child.output()}`)
  return performance.now() - t0
}

async function realPgReachable() {
  const sql = postgres(REAL_PG, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`select 1`
    return true
  } catch {
    return false
  } finally {
    await sql.end({ timeout: 1 })
  }
}

export async function run() {
  const rows: Record<string, string | number>[] = []
  const first: number[] = []
  const second: number[] = []
  const rss: number[] = []
  const beside = { list: [] as number[], create: [] as number[] }
  const alone: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'halte-bench-'))
    const env = { DATABASE_URL: undefined, HALTE_DATA_DIR: dir }
    const a = await timeStart(env)
    first.push(a.ms)
    await a.child.stop()
    const b = await timeStart(env)
    second.push(b.ms)
    rss.push(b.rss)
    // CLI commands beside the running server, as an operator types them.
    beside.list.push(await timeCli(['token', 'list'], env))
    beside.create.push(await timeCli(['network', 'create', '--slug', `bench-${i}`, '--name', 'Bench'], env))
    await b.child.stop()
    alone.push(await timeCli(['token', 'list'], env))
    rmSync(dir, { recursive: true, force: true })
  }
  rows.push({ case: 'embedded, first start (creates PostGIS)', median_ms: Math.round(median(first)), runs: first.map(Math.round).join(' ') })
  rows.push({ case: 'embedded, second start', median_ms: Math.round(median(second)), runs: second.map(Math.round).join(' ') })

  let realUrl: string | undefined
  let real: Awaited<ReturnType<typeof timeStart>> | undefined
  if (await realPgReachable()) {
    const times: number[] = []
    const schema = `bench_${Date.now()}`
    for (let i = 0; i < ROUNDS; i++) {
      const r = await timeStart({ DATABASE_URL: REAL_PG, HALTE_DB_SCHEMA: schema })
      times.push(r.ms)
      if (i < ROUNDS - 1) await r.child.stop()
      else real = r
    }
    realUrl = real!.url
    rows.push({ case: 'real PostgreSQL', median_ms: Math.round(median(times)), runs: times.map(Math.round).join(' ') })
  } else {
    console.log(`(real PostgreSQL at ${REAL_PG} not reachable: its start-up figure is skipped)`)
  }
  printTable('start-up to first /readyz 200', rows)
  console.log(`RSS of the embedded-mode process after start: median ${median(rss)} MiB (${rss.join(', ')})`)
  printTable('CLI command, embedded database (goal < 2 s beside a running server)', [
    { case: 'token list, server running', median_ms: Math.round(median(beside.list)), runs: beside.list.map(Math.round).join(' ') },
    { case: 'network create, server running', median_ms: Math.round(median(beside.create)), runs: beside.create.map(Math.round).join(' ') },
    { case: 'token list, no server (opens the database)', median_ms: Math.round(median(alone)), runs: alone.map(Math.round).join(' ') },
  ])

  // Throughput: our /healthz (real PostgreSQL if reachable, else embedded) vs bare Hono.
  let ours = real
  let dir: string | undefined
  if (!ours) {
    dir = mkdtempSync(join(tmpdir(), 'halte-bench-'))
    ours = await timeStart({ DATABASE_URL: undefined, HALTE_DATA_DIR: dir })
  }
  const bare = runCommand(process.execPath, ['--import', 'tsx', resolve('test/bench/bare-hono.ts')], {})
  const bareUrl = await listeningUrl(bare)
  const tp: Record<string, string | number>[] = []
  const ratios: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    const b = await load(`${bareUrl}/healthz`)
    const h = await load(`${ours.url}/healthz`)
    ratios.push(h.rps / b.rps)
    tp.push({ round: i + 1, bare_rps: Math.round(b.rps), halte_rps: Math.round(h.rps), ratio: (h.rps / b.rps).toFixed(2), halte_p99_ms: h.p99, errors: h.errors + b.errors })
  }
  printTable(`/healthz, 32 connections, 5 s each (halte on ${realUrl ? 'real PostgreSQL' : 'embedded'})`, tp)
  console.log(`median ratio halte/bare: ${median(ratios).toFixed(2)} (goal ≥ 0.8)`)
  await bare.stop()
  await ours.child.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
}
