// Transit figures. (1) SOLEA GTFS import through the CLI: wall time and peak RSS.
// (2) Driver feed: STREAMS concurrent driver SSE streams on one Node process, each on its
// own SOLEA trip, and RATE rider requests per second for SECONDS: latency from the
// rider's POST to the event on the right stream (p50/p99), the server's RSS, and events
// seen on a wrong stream (must be 0). Real PostgreSQL only (the embedded one is a single
// process and its figures are printed by the import step when BENCH_EMBEDDED=1).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import postgres from 'postgres'
import { connect, ensureSchema } from '../../src/runtime/database.ts'
import { migrateFromDisk } from '../../src/runtime/migrations.ts'
import { listeningUrl, runCli } from '../helpers/process.ts'
import { driverTargets, type Target } from './driver-targets.ts'
import { percentile, printTable, rssMiB } from './lib.ts'
import { onSseEvents, retryAfterMs } from './soak/stream-client.ts'

const REAL_PG = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const SOLEA = resolve('../shared/data/gtfs/solea-mulhouse.zip')
const STREAMS = Number(process.env.STREAMS ?? 5000)
const RATE = Number(process.env.RATE ?? 50)
const SECONDS = Number(process.env.SECONDS ?? 10)

async function timedImport(env: Record<string, string | undefined>) {
  const created = runCli(['network', 'create', '--slug', 'solea', '--name', 'SOLEA', '--region', 'FR-68'], env)
  await created.exited
  const t0 = performance.now()
  const child = runCli(['gtfs', 'import', SOLEA, '--network', 'solea'], env)
  let peak = 0
  const timer = setInterval(() => {
    try {
      const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.proc.pid}/status`, 'utf8'))?.[1] ?? 0)
      peak = Math.max(peak, Math.round(kb / 1024))
    } catch {}
  }, 100)
  const code = await child.exited
  clearInterval(timer)
  if (code !== 0) throw new Error(child.output())
  return { seconds: Math.round((performance.now() - t0) / 100) / 10, peakRssMiB: peak }
}

export async function run() {
  if (!existsSync(SOLEA)) {
    console.log(`skipped: ${SOLEA} is absent`)
    return
  }
  const schema = `bench_feed_${Date.now()}`
  const admin = postgres(REAL_PG, { max: 1, onnotice: () => {} })
  const sql = connect(REAL_PG, { schema, max: 4 })
  const children: ReturnType<typeof runCli>[] = []
  try {
    await ensureSchema(sql, schema)
    await migrateFromDisk(sql)
    const rows: Record<string, string | number>[] = []
    const pg = await timedImport({ DATABASE_URL: REAL_PG, HALTE_DB_SCHEMA: schema, LOG_LEVEL: 'warn' })
    rows.push({ step: 'SOLEA import, real PostgreSQL', seconds: pg.seconds, 'peak RSS MiB': pg.peakRssMiB })
    if (process.env.BENCH_EMBEDDED === '1') {
      const dir = mkdtempSync(join(tmpdir(), 'halte-bench-'))
      const emb = await timedImport({ DATABASE_URL: undefined, HALTE_DATA_DIR: dir, LOG_LEVEL: 'warn' })
      rows.push({ step: 'SOLEA import, embedded (incl. first PostGIS set-up)', seconds: emb.seconds, 'peak RSS MiB': emb.peakRssMiB })
      rmSync(dir, { recursive: true, force: true })
    }
    printTable('GTFS import', rows)
    await feed(sql, schema, children)
  } finally {
    await Promise.all(children.map((c) => c.stop()))
    await sql.end({ timeout: 5 })
    await admin`drop schema if exists ${admin(schema)} cascade`
    await admin.end()
  }
}

async function feed(sql: ReturnType<typeof connect>, schema: string, children: ReturnType<typeof runCli>[]) {
  const [network] = await sql<{ id: string }[]>`select id from networks where slug = 'solea'`
  const targets = await driverTargets(sql, network!.id, STREAMS)
  const server = runCli(['serve'], { DATABASE_URL: REAL_PG, HALTE_DB_SCHEMA: schema, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info',
    // Riders come from many addresses through a proxy: one address would meet the
    // per-client request limit after a few requests.
    HALTE_TRUSTED_PROXIES: '127.0.0.1' })
  children.push(server)
  const url = new URL(await listeningUrl(server).catch(async () => {
    throw new Error(server.output())
  }))
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity })
  const received = new Map<string, number>()
  let wrong = 0
  let connected = 0
  const byId = new Map<string, string>() // dropoff id -> expected vehicle
  const open = (t: Target): Promise<void> =>
    new Promise<void>((resolveOpen, reject) => {
      const req = http.get(
        { host: url.hostname, port: url.port, path: '/v1/driver/feed', agent, headers: { authorization: `Bearer ${t.token}` } },
        (res) => {
          // A busy server sends some of 5,000 openings away for a few seconds, as it
          // would a city's cabs: they come back when told (Retry-After).
          const wait = retryAfterMs(res.headers['retry-after'])
          if (res.statusCode === 503 && wait !== undefined) {
            res.resume()
            setTimeout(() => open(t).then(resolveOpen, reject), wait)
            return
          }
          if (res.statusCode !== 200) return reject(new Error(`feed ${res.statusCode}`))
          connected++
          resolveOpen()
          onSseEvents(res, ({ data }) => {
            if (!data) return
            const d = JSON.parse(data) as { id: string; trip_id: string }
            if (d.trip_id !== t.trip) wrong++
            // The first event of a request is its arrival; later ones (expiry) are not.
            const key = `${t.vehicle}/${d.id}`
            if (!received.has(key)) received.set(key, performance.now())
          })
        },
      )
      req.on('error', reject)
    })
  const t0 = performance.now()
  for (let i = 0; i < targets.length; i += 250) await Promise.all(targets.slice(i, i + 250).map(open))
  const connectS = Math.round((performance.now() - t0) / 100) / 10
  const rssIdle = rssMiB(server.proc.pid!)

  const sent: Array<{ k: number; id: string; vehicle: string; postAt: number; createdAt: number }> = []
  let refused = 0
  const total = RATE * SECONDS
  const started = performance.now()
  const posts: Promise<void>[] = []
  for (let k = 0; k < total; k++) {
    const wait = started + (k * 1000) / RATE - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const target = targets[Math.floor(Math.random() * targets.length)]!
    const postAt = performance.now()
    posts.push(
      fetch(`${url.origin}/v1/networks/solea/dropoffs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}` },
        body: JSON.stringify({ trip_id: target.trip, location: target.point, at: target.at }),
      }).then(async (res) => {
        const body = (await res.json()) as { id: string }
        if (res.status !== 201) refused++
        else {
          sent.push({ k, id: body.id, vehicle: target.vehicle, postAt, createdAt: performance.now() })
          byId.set(body.id, target.vehicle)
        }
      }),
    )
  }
  await Promise.all(posts)
  await new Promise((r) => setTimeout(r, 2000))
  const fromPost: number[] = []
  const from201: number[] = []
  const warm: number[] = [] // after the first second (JIT, cold shape cache)
  let missing = 0
  for (const s of sent) {
    const got = received.get(`${s.vehicle}/${s.id}`)
    if (got === undefined) missing++
    else {
      fromPost.push(got - s.postAt)
      from201.push(Math.max(0, got - s.createdAt))
      if (s.k >= RATE) warm.push(got - s.postAt)
    }
  }
  // An event for a request on a stream other than its vehicle's counts as wrong too.
  for (const key of received.keys()) {
    const [vehicle, id] = key.split('/') as [string, string]
    if (byId.has(id) && byId.get(id) !== vehicle) wrong++
  }
  printTable(`driver feed: ${connected} streams (asked ${STREAMS}), ${RATE} requests/s for ${SECONDS} s`, [
    {
      'streams open': connected,
      'connect s': connectS,
      requests: sent.length,
      'non-201': refused,
      'missing events': missing,
      'wrong-stream events': wrong,
      'POST→event p50 ms': Math.round(percentile(fromPost, 50)),
      'POST→event p99 ms': Math.round(percentile(fromPost, 99)),
      '201→event p99 ms': Math.round(percentile(from201, 99)),
      'after 1st s: p50 ms': Math.round(percentile(warm, 50)),
      'after 1st s: p99 ms': Math.round(percentile(warm, 99)),
      'RSS idle MiB': rssIdle,
      'RSS end MiB': rssMiB(server.proc.pid!),
    },
  ])
  agent.destroy()
}
