// The safety council's figures over a year: 100,000 alerts with their events (raised,
// acknowledged, resolved), 500 refuges, 20,000 drop-offs, a year of refusal counters,
// reports and mediators' contacts, in nine sectors. p99 of GET /stats over the year
// (ROUNDS rounds of REQUESTS sequential requests, median of the rounds' p99s) against
// the database's own time for the same SQL: the statements one request sends, captured
// from the driver, run by pgbench in one session (-M prepared), p99 of its steady part.
// Real PostgreSQL only (skipped, with the reason, without).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { connect, ensureSchema } from '../../src/runtime/database.ts'
import { migrateFromDisk } from '../../src/runtime/migrations.ts'
import { captureSql, median, parameterisedScripts, percentile, pgbench, printTable } from './lib.ts'

const REAL_PG = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const ALERTS = Number(process.env.BENCH_ALERTS ?? 100_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 40)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const ADMIN = 'bench-stats-admin-token-0123456789abcdef'

export async function run() {
  const schema = `bench_stats_${Date.now()}`
  const sql = connect(REAL_PG, { schema, max: 10 })
  try {
    await sql`select 1`
  } catch (e) {
    console.log(`(real PostgreSQL at ${REAL_PG} not reachable: stats benchmark skipped — ${(e as Error).message})`)
    await sql.end({ timeout: 1 })
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'halte-bench-stats-'))
  const log = createLogger('silent', () => {})
  try {
    await ensureSchema(sql, schema)
    await migrateFromDisk(sql)
    const t0 = performance.now()
    const [net] = await sql<{ id: string }[]>`
      insert into networks (slug, name, timezone, locale, country_code) values ('bench', 'Bench', 'Europe/Paris', 'fr', 'FR') returning id`
    const id = net!.id
    // Nine sectors on a 3 × 3 grid over the city (0.2° × 0.15°); a margin around it is outside.
    await sql`
      insert into sectors (network_id, name, area)
      select ${id}, 'Secteur ' || i || '-' || j,
        st_multi(st_makeenvelope(6.0 + i * 0.2 / 3, 47.15 + j * 0.05, 6.0 + (i + 1) * 0.2 / 3, 47.15 + (j + 1) * 0.05, 4326))
      from generate_series(0, 2) i, generate_series(0, 2) j`
    // A year of alerts, night-heavy, 10 % by SMS; the trigger files each in its sector.
    await sql`
      insert into alerts (network_id, status, source, location, created_at, updated_at, escalated_at)
      select ${id}, (array['resolved', 'resolved', 'resolved', 'false_alarm', 'cancelled', 'acknowledged'])[1 + (g % 6)],
        case when g % 10 = 0 then 'sms' else 'web' end,
        st_setsrid(st_makepoint(5.98 + random() * 0.24, 47.13 + random() * 0.19), 4326)::geography,
        c, c, case when g % 10 = 3 then c + interval '2 minutes' end
      from (select g, now() - random() * interval '365 days' as c from generate_series(1, ${ALERTS}) g) x`
    await sql`
      insert into alert_events (alert_id, network_id, kind, from_status, to_status, actor_role, at)
      select a.id, a.network_id, 'raised', null, 'open', 'public', a.created_at from alerts a`
    await sql`
      insert into alert_events (alert_id, network_id, kind, from_status, to_status, actor_role, at)
      select a.id, a.network_id, 'acknowledged', 'open', 'acknowledged', 'partner', a.created_at + (10 + random() * 600) * interval '1 second'
      from alerts a where random() < 0.85`
    await sql`
      insert into alert_events (alert_id, network_id, kind, from_status, to_status, actor_role, at)
      select a.id, a.network_id, 'resolved', 'acknowledged', 'resolved', 'operator', a.created_at + interval '20 minutes'
      from alerts a where a.status = 'resolved'`
    await sql`
      insert into places (network_id, status, name, kind, address, location, opening_hours, charter_accepted_at, training_date)
      select ${id}, 'active', 'Lieu ' || g, 'bar', g || ' rue du Banc', st_setsrid(st_makepoint(6.0 + random() * 0.2, 47.15 + random() * 0.15), 4326)::geography,
        '24/7', now(), case when g % 7 = 0 then null else (now() - random() * interval '900 days')::date end
      from generate_series(1, 500) g`
    await sql`
      insert into dropoffs (network_id, trip_id, route_id, access_token_hash, status, snapped, offset_m, distance_along_m,
        after_stop_id, after_stop_name, after_stop_m, before_stop_id, before_stop_name, created_at, decision_reason)
      select ${id}, 'T' || (g % 300), 'L' || (g % 12), md5(g::text),
        (array['accepted', 'done', 'declined', 'expired', 'accepted'])[1 + (g % 5)],
        st_setsrid(st_makepoint(6.0 + random() * 0.2, 47.15 + random() * 0.15), 4326)::geography, 3, 800, 'S1', 'Arrêt', 300, 'S2', 'Arrêt', c,
        case when g % 5 = 2 then (array['unsafe_spot', 'traffic', 'too_late', 'other'])[1 + (g % 4)] end
      from (select g, now() - random() * interval '365 days' as c from generate_series(1, 20000) g) x`
    // Refusal counters: some hour of most nights, on some line, for some rule.
    await sql`
      insert into dropoff_refusals (network_id, route_id, code, hour, count)
      select distinct on (h, r, c) ${id}, r, c, h, 1 + (random() * 3)::int
      from (select date_trunc('hour', now() - random() * interval '365 days') as h, 'L' || (g % 12) as r,
                   (array['off_route', 'too_close', 'outside_hours', 'behind_vehicle', 'excluded_zone'])[1 + (g % 5)] as c
            from generate_series(1, 20000) g) x`
    await sql`
      insert into reports (network_id, category_id, private, status, location, created_at, updated_at)
      select ${id}, c.id, c.visibility = 'private', (array['open', 'in_progress', 'closed'])[1 + (g % 3)],
        st_setsrid(st_makepoint(6.0 + random() * 0.2, 47.15 + random() * 0.15), 4326)::geography, t, t
      from (select g, now() - random() * interval '365 days' as t from generate_series(1, 5000) g) x
      join lateral (select id, visibility from report_categories where network_id = ${id} order by code offset (x.g % 9) limit 1) c on true`
    await sql`
      insert into field_contacts (network_id, sector_id, sector_name, kind, at, created_at)
      select ${id}, s.id, s.name, (array['conversation', 'orientation', 'conflict_mediation', 'assistance', 'other'])[1 + (g % 5)], t, t
      from (select g, now() - random() * interval '365 days' as t from generate_series(1, 20000) g) x
      join lateral (select id, name from sectors where network_id = ${id} order by name offset (x.g % 9) limit 1) s on true`
    for (const table of ['alerts', 'alert_events', 'places', 'dropoffs', 'dropoff_refusals', 'reports', 'field_contacts']) await sql`vacuum analyze ${sql(table)}`
    const [counts] = await sql<{ a: number; e: number }[]>`select (select count(*) from alerts)::int as a, (select count(*) from alert_events)::int as e`
    console.log(`setup: ${counts!.a} alerts, ${counts!.e} events, 500 refuges, 20,000 drop-offs, reports and contacts in ${Math.round(performance.now() - t0)} ms`)

    const clock = { now: () => new Date() }
    const config = loadConfig({ LOG_LEVEL: 'silent', HALTE_ADMIN_TOKEN: ADMIN })
    const app = createApp({ sql, clock, logger: log, config })
    const issued = await app.request('/v1/networks/bench/tokens', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'operator', label: 'Conseil' }),
    })
    if (issued.status !== 201) throw new Error(`token: ${issued.status} ${await issued.text()}`)
    const TOKEN = ((await issued.json()) as { token: string }).token
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((r) => server.once('listening', r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const day = (d: Date) => d.toISOString().slice(0, 10)
    const query = `from=${day(new Date(Date.now() - 365 * 86_400_000))}&to=${day(new Date())}`
    const url = `${base}/v1/networks/bench/stats?${query}`
    const get = async (accept = 'application/json') => {
      const t = performance.now()
      const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}`, accept } })
      const text = await res.text()
      if (res.status !== 200) throw new Error(`GET /stats answered ${res.status}: ${text}`)
      return { ms: performance.now() - t, text }
    }
    const first = await get()
    const body = JSON.parse(first.text) as { alerts: { total: { count: number } } }
    console.log(`one year: ${body.alerts.total.count} alerts counted; first request ${Math.round(first.ms)} ms; ${first.text.length} bytes of JSON`)
    for (let i = 0; i < 3; i++) await get()

    const p99s: number[] = []
    const p50s: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      const ms: number[] = []
      for (let i = 0; i < REQUESTS; i++) ms.push((await get()).ms)
      p99s.push(percentile(ms, 99))
      p50s.push(percentile(ms, 50))
    }
    const csv: number[] = []
    for (let i = 0; i < 10; i++) csv.push((await get('text/csv')).ms)

    // The same SQL, as the driver sent it for one request, run by pgbench in one session.
    const { sql: spy, raw } = captureSql(REAL_PG, schema)
    const capture = createApp({ sql: spy, clock, logger: log, config })
    const res = await capture.request(`/v1/networks/bench/stats?${query}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    if (res.status !== 200) throw new Error(`captured GET /stats answered ${res.status}`)
    await spy.end()
    const bound = parameterisedScripts([raw])
    const script = join(dir, 'stats.sql')
    writeFileSync(script, bound.scripts[0]!)
    const pgOpts = { ...process.env, PGOPTIONS: `-c search_path=${schema},public -c TimeZone=UTC` }
    const db = pgbench(['-r', '-c', '1', '-j', '1', '-T', String(SECONDS), '-M', 'prepared', ...bound.defines, '-f', script, REAL_PG], pgOpts)
    if (process.env.BENCH_SHOW_SQL) console.log(db.report)

    const endpoint = median(p99s)
    printTable(`GET /stats over one year (${ALERTS.toLocaleString('en')} alerts), ${ROUNDS} rounds of ${REQUESTS} sequential requests`, [
      { case: 'HTTP, JSON: median of the rounds’ p99', ms: Math.round(endpoint), p50_ms: Math.round(median(p50s)), rounds_p99_ms: p99s.map(Math.round).join(' / ') },
      { case: 'HTTP, CSV: p50 of 10', ms: Math.round(percentile(csv, 50)), p50_ms: '', rounds_p99_ms: '' },
      { case: `pgbench: the request’s ${raw.length} statements in one session, p99`, ms: Math.round(db.p99), p50_ms: Math.round(db.latency), rounds_p99_ms: '' },
    ])
    console.log(`ratio endpoint p99 / database p99 on the same SQL: ${(endpoint / db.p99).toFixed(2)} (the endpoint runs its statements concurrently on its pool; pgbench one after another)`)
    server.close()
  } finally {
    if (!process.env.BENCH_KEEP) await sql`drop schema if exists ${sql(schema)} cascade`.catch(() => {})
    await sql.end({ timeout: 2 })
    rmSync(dir, { recursive: true, force: true })
  }
}
