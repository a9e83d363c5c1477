// Coverage gaps for a city: 500 refuges over 100 km² (a 10 km square drawn as the
// network's area, cut in 200 m cells: 2,500 cells), with the hours such places keep.
// - a typical week (168 hours): the time the service takes to compute it, as a function
//   call and as the endpoint answers in-process (median of repeats);
// - the database's own time for the same statements, captured from the driver as the
//   service sends them and run under EXPLAIN ANALYZE (execution time, median of
//   repeats, summed over the statements); the ratio says what the service adds;
// - the same for one instant (the map's cells, with the nearest open refuge of each).
import postgres from 'postgres'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { coverageAt, coverageOver } from '../../src/coverage/compute.ts'
import { typicalWeek } from '../../src/coverage/week.ts'
import { createLogger } from '../../src/logger.ts'
import type { Network } from '../../src/networks/schemas.ts'
import { findNetworkBySlug, insertNetwork } from '../../src/networks/queries.ts'
import { importPlaces } from '../../src/places/import.ts'
import { refreshDuePeriods } from '../../src/places/periods.ts'
import { localSignal } from '../../src/realtime/signal.ts'
import { connect, ensureSchema } from '../../src/runtime/database.ts'
import { migrateFromDisk } from '../../src/runtime/migrations.ts'
import { TYPE_OPTIONS } from '../../src/db/types.ts'
import { median } from './lib.ts'

const URL_ = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = 'bench_coverage'
const REFUGES = 500
const REPEATS = Number(process.env.BENCH_ROUNDS ?? 7)
const ADMIN = 'bench-admin-token-0123456789abcdef'
// Lyon's centre; 10 km a side on the ground.
const LAT = 45.76
const LON = 4.84
const HALF_LAT = 5000 / 111_132
const HALF_LON = 5000 / (111_320 * Math.cos((LAT * Math.PI) / 180))

// The hours a city's partners keep, in proportion (shops, bars, pharmacies,
// restaurants, hotels and station desks, libraries).
const HOURS: [string, number][] = [
  ['Mo-Sa 09:00-19:00', 35],
  ['Mo-Su 18:00-02:00', 25],
  ['Mo-Fr 08:30-20:00; Sa 09:00-13:00; PH off', 15],
  ['Tu-Su 11:00-23:00', 15],
  ['24/7', 5],
  ['Mo-Fr 10:00-18:00; PH off', 5],
]

// A deterministic spread, denser towards the centre as a city's partners are.
function refuges() {
  let seed = 42
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
  const weights = HOURS.flatMap(([h, w]) => Array.from({ length: w }, () => h))
  return Array.from({ length: REFUGES }, (_, i) => {
    const r = Math.sqrt(rand()) ** 1.5
    const a = rand() * 2 * Math.PI
    return {
      name: `Refuge ${i}`,
      kind: 'shop',
      address: `${i} rue de la Ville`,
      lat: Number((LAT + r * HALF_LAT * Math.sin(a) * 0.98).toFixed(6)),
      lon: Number((LON + r * HALF_LON * Math.cos(a) * 0.98).toFixed(6)),
      opening_hours: weights[Math.floor(rand() * weights.length)]!,
    }
  })
}

const AREA = {
  type: 'MultiPolygon' as const,
  coordinates: [
    [
      [
        [LON - HALF_LON, LAT - HALF_LAT],
        [LON + HALF_LON, LAT - HALF_LAT],
        [LON + HALF_LON, LAT + HALF_LAT],
        [LON - HALF_LON, LAT + HALF_LAT],
        [LON - HALF_LON, LAT - HALF_LAT],
      ],
    ],
  ],
}

async function prepare(sql: postgres.Sql): Promise<Network> {
  await migrateFromDisk(sql)
  let network = await findNetworkBySlug(sql, 'ville')
  if (!network) {
    network = await insertNetwork(sql, { slug: 'ville', name: 'Ville', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR', area: AREA as Network['area'] })
  }
  const [{ n }] = (await sql`select count(*)::int as n from places where status = 'active'`) as unknown as [{ n: number }]
  if (n !== REFUGES) {
    await sql`delete from places`
    const t0 = performance.now()
    const report = await importPlaces(sql, network, refuges(), { approve: true, now: new Date() })
    if (report.rejected.length) throw new Error(`refuges refused: ${JSON.stringify(report.rejected.slice(0, 3))}`)
    console.log(`imported ${REFUGES} refuges in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  }
  await refreshDuePeriods(sql, new Date())
  await sql`vacuum analyze places`
  return network
}

// The database's own time for statements as sent: EXPLAIN ANALYZE's execution time,
// the median of repeats (after one run that loads PostGIS's caches in the session).
async function databaseMs(sql: postgres.Sql, statements: string[]) {
  const per: number[] = []
  for (const statement of statements) {
    const runs: number[] = []
    for (let i = 0; i <= REPEATS; i++) {
      const plan = await sql.unsafe(`explain (analyze, timing off) ${statement}`)
      const line = plan.map((r) => String(r['QUERY PLAN'])).find((l) => l.startsWith('Execution Time'))
      if (i > 0) runs.push(Number(/([\d.]+) ms/.exec(line ?? '')?.[1]))
    }
    per.push(median(runs))
  }
  return { total: per.reduce((a, b) => a + b, 0), per }
}

// A client that records each statement with its parameters written in, typed as the
// service's own clients are (arrays come back as arrays).
function capture() {
  const statements: string[] = []
  const literal = (v: unknown) => (v === null || v === undefined ? 'null' : `'${String(v instanceof Date ? v.toISOString() : v).replace(/'/g, "''")}'`)
  const sql = postgres(URL_, {
    ...TYPE_OPTIONS,
    max: 1,
    onnotice: () => {},
    connection: { search_path: `${SCHEMA},public`, TimeZone: 'UTC' },
    debug: (_c, query, params) => {
      statements.push(query.trim().replace(/\$(\d+)/g, (_, n) => literal((params as unknown[])[Number(n) - 1])))
    },
  })
  return { sql, statements }
}

async function timed(work: () => Promise<unknown>) {
  await work()
  const runs: number[] = []
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now()
    await work()
    runs.push(performance.now() - t0)
  }
  return median(runs)
}

const ms = (x: number) => `${x.toFixed(1)} ms`

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
  const admin = connect(URL_, { max: 1 })
  await ensureSchema(admin, SCHEMA)
  await admin.end()
  const sql = connect(URL_, { schema: SCHEMA, max: 4 })
  try {
    const network = await prepare(sql)
    const now = new Date()
    const o = { distanceM: 400, cellM: 200, now }
    const week = typicalWeek(network, LAT, LON, now)
    const instants = week.map((h) => h.at)
    const first = await coverageOver(sql, network, { ...o, instants })
    const worst = first.worst.map((i) => week[i]!)
    console.log(
      `${first.cells.toLocaleString('en')} cells of 200 m, ${REFUGES} refuges, 400 m; worst hours: ${worst.map((h) => `${['lun', 'mar', 'mer', 'jeu', 'ven', 'sam', 'dim'][h.weekday - 1]} ${String(h.hour).padStart(2, '0')}:00 ${((first.hours[week.indexOf(h)]?.covered_share ?? 0) * 100).toFixed(1)} %`).join(', ')}`,
    )
    const night = week.find((h) => h.weekday === 2 && h.hour === 4)!.at

    // The same statements as the service sends them, for the database's own time.
    const spy = capture()
    await coverageOver(spy.sql, network, { ...o, instants })
    const weekStatements = [...spy.statements]
    spy.statements.length = 0
    await coverageAt(spy.sql, network, { ...o, at: night })
    const atStatements = [...spy.statements]
    await spy.sql.end()

    const app = createApp({
      sql,
      clock: { now: () => now },
      logger: createLogger('error', () => {}),
      config: loadConfig({ HALTE_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'error', HALTE_HASH_SECRET: 'bench-hash-secret-0123456789abcdef0123456789' }),
      signal: localSignal(),
    })
    const get = async (path: string) => {
      const res = await app.request(path, { headers: { authorization: `Bearer ${ADMIN}` } })
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
      return res.text()
    }
    const rows: Record<string, string | number>[] = []
    for (const [label, fn, endpoint, statements] of [
      ['week (168 hours)', () => coverageOver(sql, network, { ...o, instants }), '/v1/networks/ville/coverage/week', weekStatements],
      ['one instant (Tue 04:00)', () => coverageAt(sql, network, { ...o, at: night }), `/v1/networks/ville/coverage?at=${encodeURIComponent(night.toISOString())}`, atStatements],
    ] as const) {
      const compute = await timed(fn)
      const http = await timed(() => get(endpoint))
      const db = await databaseMs(sql, statements)
      rows.push({
        what: label,
        'compute (median)': ms(compute),
        'endpoint in-process (median)': ms(http),
        'database (EXPLAIN ANALYZE)': ms(db.total),
        statements: db.per.map((x) => x.toFixed(1)).join(' + '),
        'database / compute': (db.total / compute).toFixed(2),
      })
    }
    console.table(rows)
  } finally {
    await sql.end()
  }
}
