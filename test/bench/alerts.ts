// Alerts: with 100,000 active places and 10,000 push subscriptions, time from the
// 201 of POST /alerts to the local push peer holding every expected notification
// (p50/p99 over ALERTS alerts), then creation throughput under 32 clients against the
// same INSERT through pgbench. Real PostgreSQL only (skipped, with the reason, without).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import autocannon from 'autocannon'
import webpush from 'web-push'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { outboxRunner } from '../../src/notify/dispatcher.ts'
import { webPushSender } from '../../src/notify/web-push.ts'
import { localSignal } from '../../src/realtime/signal.ts'
import { connect, ensureSchema } from '../../src/runtime/database.ts'
import { migrateFromDisk } from '../../src/runtime/migrations.ts'
import { subscription } from '../alerts/fixtures.ts'
import { makeCa } from '../helpers/push-peer.ts'
import { captureSql, pgbench, percentile, printTable } from './lib.ts'

const REAL_PG = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const PLACES = Number(process.env.BENCH_PLACES ?? 100_000)
const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 10_000)
const ALERTS = Number(process.env.BENCH_ALERTS ?? 200)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)

export async function run() {
  const schema = `bench_alerts_${Date.now()}`
  const sql = connect(REAL_PG, { schema, max: 10 })
  try {
    await sql`select 1`
  } catch (e) {
    console.log(`(real PostgreSQL at ${REAL_PG} not reachable: alerts benchmark skipped — ${(e as Error).message})`)
    await sql.end({ timeout: 1 })
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'halte-bench-alerts-'))
  const log = createLogger('silent', () => {})
  try {
    await ensureSchema(sql, schema)
    await migrateFromDisk(sql)
    const [net] = await sql<{ id: string }[]>`
      insert into networks (slug, name, timezone, locale, country_code) values ('bench', 'Bench', 'Europe/Paris', 'fr', 'FR') returning id`
    const t0 = performance.now()
    // A dense city (~0.2° × 0.15°), all places open around the clock for the next two weeks.
    await sql`
      insert into places (network_id, status, name, kind, address, location, opening_hours, charter_accepted_at,
                          open_periods, periods_from, periods_to)
      select ${net!.id}, 'active', 'Lieu ' || g, 'bar', g || ' rue du Banc', 
        st_setsrid(st_makepoint(6.0 + random() * 0.2, 47.15 + random() * 0.15), 4326)::geography, '24/7', now(),
        tstzmultirange(tstzrange(now() - interval '1 day', now() + interval '14 days')),
        now() - interval '1 day', now() + interval '14 days'
      from generate_series(1, ${PLACES}) g`
    await sql`analyze places`

    // The push peer: TLS with its own CA, records when each alert's messages arrive (by Topic).
    const tls = makeCa(dir)
    const arrivals = new Map<string, number[]>()
    const peer = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const topic = String(req.headers.topic ?? '')
      req.resume()
      req.on('end', () => {
        const list = arrivals.get(topic) ?? []
        list.push(performance.now())
        arrivals.set(topic, list)
        res.writeHead(201).end()
      })
    })
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r))
    const peerPort = (peer.address() as AddressInfo).port
    const keys = subscription().keys
    await sql`
      insert into push_subscriptions (network_id, owner, place_id, endpoint, p256dh, auth, created_at)
      select ${net!.id}, 'place', p.id, ${`https://localhost:${peerPort}/push/`} || p.id, ${keys.p256dh}, ${keys.auth}, now()
      from (select id from places where network_id = ${net!.id} order by random() limit ${SUBSCRIPTIONS}) p`
    console.log(`setup: ${PLACES} places, ${SUBSCRIPTIONS} subscriptions in ${Math.round(performance.now() - t0)} ms`)

    const vapid = webpush.generateVAPIDKeys()
    const push = webPushSender({
      publicKey: vapid.publicKey,
      privateKey: vapid.privateKey,
      subject: 'mailto:bench@example.org',
      ca: tls.ca,
      allowedHosts: [`localhost:${peerPort}`],
    })
    const clock = { now: () => new Date() }
    const outbox = outboxRunner({ sql, clock, log, push, concurrency: 32, batch: 100 })
    let wake = true
    const app = createApp({
      sql,
      clock,
      logger: log,
      config: loadConfig({ LOG_LEVEL: 'silent' }),
      signal: localSignal(),
      push,
      wakeOutbox: () => {
        if (wake) outbox.wake()
      },
    })
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((r) => server.once('listening', r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const point = () => ({ lat: 47.2 + Math.random() * 0.05, lon: 6.05 + Math.random() * 0.1 })

    // 1. Delivery latency, one alert at a time.
    const latencies: number[] = []
    const answered: number[] = []
    let notifications = 0
    for (let i = 0; i < ALERTS; i++) {
      // Measured from the request: pushes may land before the client has read its 201.
      const sent = performance.now()
      const res = await fetch(`${base}/v1/networks/bench/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.1.${i >> 8}.${i & 255}` },
        body: JSON.stringify({ location: point() }),
      })
      const answeredAt = performance.now()
      if (res.status !== 201) throw new Error(`POST /alerts answered ${res.status}: ${await res.text()}`)
      const { id } = (await res.json()) as { id: string }
      const [{ n: expected }] = (await sql`select count(*)::int as n from outbox where alert_id = ${id}`) as unknown as [{ n: number }]
      const topic = id.replace(/-/g, '')
      const deadline = sent + 30_000
      while ((arrivals.get(topic)?.length ?? 0) < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2))
      const got = arrivals.get(topic) ?? []
      if (got.length < expected) throw new Error(`alert ${id}: ${got.length}/${expected} notifications after 30 s`)
      notifications += expected
      answered.push(answeredAt - sent)
      latencies.push(expected ? Math.max(...got) - sent : 0)
    }
    printTable(`delivery: POST sent → 201 and every notification at the push peer (${ALERTS} alerts, ${notifications} pushes)`, [
      {
        p50_ms: Math.round(percentile(latencies, 50)),
        p99_ms: Math.round(percentile(latencies, 99)),
        max_ms: Math.round(Math.max(...latencies)),
        pushes_per_alert: Math.round(notifications / ALERTS),
        answer_p50_ms: Math.round(percentile(answered, 50)),
        goal: 'p99 < 1000 ms',
      },
    ])

    // 2. Creation throughput: 32 clients, dispatcher paused (its rows wait in the outbox).
    wake = false
    let n = 0
    const body = JSON.stringify({ location: point() })
    const r = await autocannon({
      url: `${base}/v1/networks/bench/alerts`,
      connections: 32,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            n++
            return { ...req, body, headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.2.${(n >> 8) & 255}.${n & 255}` } }
          },
        },
      ],
    })
    const [{ id: netId }] = [net!]
    const bare = join(dir, 'insert.sql')
    writeFileSync(
      bare,
      `insert into ${schema}.alerts (network_id, source, location, created_at, updated_at, access_token_hash)
       values ('${netId}', 'web', st_setsrid(st_makepoint(6.05 + random() * 0.1, 47.2 + random() * 0.05), 4326)::geography,
               now(), now(), md5(random()::text));\n`,
    )
    const pgOpts = { ...process.env, PGOPTIONS: `-c search_path=${schema},public` }
    const bareRun = pgbench(['-c', '32', '-j', '2', '-T', String(SECONDS), '-f', bare, REAL_PG], pgOpts)
    const script = join(dir, 'endpoint.sql')
    writeFileSync(script, await endpointScript(schema, log, point()))
    if (process.env.BENCH_SHOW_SQL) console.log(readFileSync(script, 'utf8'))
    const same = pgbench(['-r', '-c', '32', '-j', '2', '-T', String(SECONDS), '-f', script, REAL_PG], pgOpts)
    // Per-statement latencies of the endpoint's SQL, to see where its time goes.
    if (process.env.BENCH_SHOW_SQL) console.log(same.report)
    printTable('creation throughput, 32 clients', [
      { case: 'POST /alerts (HTTP, fan-out rows, nearest refuges)', per_s: Math.round(r.requests.average), p50_ms: r.latency.p50, p99_ms: r.latency.p99, errors: r.errors + r.non2xx },
      { case: 'pgbench: the endpoint’s own SQL, same transaction', per_s: Math.round(same.tps), p50_ms: '', p99_ms: '', errors: '' },
      { case: 'pgbench: the bare INSERT into alerts', per_s: Math.round(bareRun.tps), p50_ms: '', p99_ms: '', errors: '' },
    ])
    console.log(`ratio HTTP / pgbench on the endpoint's SQL: ${(r.requests.average / same.tps).toFixed(2)} (goal ≥ 0.5)`)
    console.log(`ratio HTTP / pgbench on the bare INSERT: ${(r.requests.average / bareRun.tps).toFixed(3)}`)
    server.close()
    peer.close()
  } finally {
    await sql`drop schema if exists ${sql(schema)} cascade`.catch(() => {})
    await sql.end({ timeout: 2 })
    rmSync(dir, { recursive: true, force: true })
  }
}

// The SQL one POST /alerts sends, captured from the driver, as a pgbench script that
// runs it the same way (same transaction), with what must differ per run (the alert
// id, the client address's rate-limit bucket) drawn per transaction.
async function endpointScript(schema: string, log: ReturnType<typeof createLogger>, at: { lat: number; lon: number }) {
  const { sql: spy, statements } = captureSql(REAL_PG, schema)
  const app = createApp({ sql: spy, clock: { now: () => new Date() }, logger: log, config: loadConfig({ LOG_LEVEL: 'silent' }) })
  const res = await app.request('/v1/networks/bench/alerts', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.9.9.9' },
    body: JSON.stringify({ location: at }),
  })
  const { id } = (await res.json()) as { id: string }
  await spy.end()
  // The hashes (rate-limit bucket, access token) are unique per request too.
  const hashes = [...new Set(statements.join('\n').match(/'[0-9a-f]{64}'/g) ?? [])]
  let script = statements.join(';\n').replaceAll(`'${id}'`, `md5(:client_id::text || '-' || :r::text)::uuid`)
  hashes.forEach((h, i) => {
    script = script.replaceAll(h, `md5(:client_id::text || '/${i}/' || :r::text)`)
  })
  return `\\set r random(1, 1000000000000)\n${script};\n`
}
