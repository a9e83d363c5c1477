import postgres, { type Sql } from 'postgres'
import type { Config } from '../config.ts'
import { TYPE_OPTIONS } from '../db/types.ts'
import type { Logger } from '../logger.ts'
import { type Embedded, startEmbedded } from './embedded.ts'

export interface Database {
  sql: Sql
  // The nearest search's own sessions: `sql` itself on the embedded database.
  search: Sql
  // /readyz's own session: `sql` itself on the embedded database.
  probe: Sql
  max: number
  kind: 'postgres' | 'embedded'
  embedded?: Embedded
  close(): Promise<void>
}

// A real PostgreSQL when DATABASE_URL is set, else the embedded one; the rest of the
// service cannot tell them apart.
export async function openDatabase(config: Config, log: Logger, opts: { max?: number } = {}): Promise<Database> {
  const embedded = config.DATABASE_URL
    ? undefined
    : await startEmbedded(config.HALTE_DATA_DIR, log, { schema: config.HALTE_DB_SCHEMA })
  const url = config.DATABASE_URL ?? embedded!.url
  const max = embedded ? EMBEDDED_POOL : (opts.max ?? config.HALTE_DB_POOL)
  // The service's sessions stay open while idle (postgres.js still renews each within
  // the hour): a new one pays ~20 ms loading PostGIS on its first spatial query, and
  // at night, when requests come minutes apart, every one of them would.
  const sql = connect(url, { schema: config.HALTE_DB_SCHEMA, max, idleTimeout: 0 })
  // The public search is one statement run thousands of times a second whose plan never
  // depends on its values (the KNN walk of the Mercator index, checked at a busy and a
  // quiet instant, with and without features); left to choose, PostgreSQL re-plans it on
  // every execution, which cost as much as running it (0.25 ms each). Its sessions plan
  // it once. Not the pool's other statements: the bounding-box listing, for one, is
  // 18 times slower on a large box with a generic plan (1.7 s instead of 91 ms). A
  // session-level SET around each search cost more than it saved (1,200 and 1,380
  // searches/s against 2,350 without and 3,830 with sessions of their own).
  const search = embedded ? sql : connect(url, { schema: config.HALTE_DB_SCHEMA, max, idleTimeout: 0, genericPlans: true })
  // Readiness asks whether the database answers, not how long the pool's queue is: in
  // the pool, a probe waited behind the queries of 2,500 cab screens reconnecting at
  // once and read as "database down" for 55 s after the database was back (the soak).
  const probe = embedded ? sql : connect(url, { schema: config.HALTE_DB_SCHEMA, max: 1, idleTimeout: 0 })
  return {
    sql,
    search,
    probe,
    max,
    kind: embedded ? 'embedded' : 'postgres',
    embedded,
    async close() {
      if (search !== sql) await search.end({ timeout: 5 })
      if (probe !== sql) await probe.end({ timeout: 5 })
      await sql.end({ timeout: 5 })
      await embedded?.close()
    },
  }
}

// PGlite is one backend session behind its socket server: the unnamed statements and
// portals of two connections' extended-protocol messages overwrite each other when
// they interleave ("portal does not exist", then a stuck transaction). One connection
// serialises what the database serialises anyway; postgres.js still pipelines on it.
export const EMBEDDED_POOL = 1

// Seconds before a new connection is tried after one failed, by failures in a row
// across the pool. postgres.js's default grows to 20 s (3^n / 100), so after a database
// restart of a few seconds requests waited up to 19 s for a connection (measured through
// a cut proxy); capped at 1 s, they wait about as long as the database is away.
export const reconnectDelayS = (retries: number) => Math.min(1, 0.05 * 1.5 ** retries) * (0.5 + Math.random() / 2)

export function connect(url: string, opts: { schema?: string; max?: number; idleTimeout?: number; genericPlans?: boolean } = {}): Sql {
  return postgres(url, {
    // The same type settings as on Workers: a query that works here works there.
    ...TYPE_OPTIONS,
    max: opts.max ?? 10,
    connect_timeout: 5,
    backoff: reconnectDelayS,
    // Seconds; 0 keeps idle sessions.
    idle_timeout: opts.idleTimeout ?? 60,
    onnotice: () => {},
    connection: {
      TimeZone: 'UTC',
      application_name: 'halte',
      // Short queries: compiling a plan (hundreds of ms) never pays off here.
      jit: 'off',
      ...(opts.schema ? { search_path: `${opts.schema},public` } : {}),
      // For statements whose best plan is the same whatever their values: see openDatabase.
      ...(opts.genericPlans ? { plan_cache_mode: 'force_generic_plan' } : {}),
    },
  })
}

// Opens the whole pool and loads PostGIS in every session, so that the first requests
// after a start do not each pay for it (measured: the first second of the drop-off
// feed bench had p99 336 ms, the rest 35 ms).
export async function warmPool(sql: Sql, size: number) {
  await Promise.all(Array.from({ length: size }, () => sql`select postgis_lib_version()`))
}

// Two instances may start at once; losing the race to create the schema is fine.
export async function ensureSchema(sql: Sql, schema: string | undefined) {
  if (!schema) return
  // The first migration creates PostGIS if missing; run inside this schema it would
  // put the extension there, out of reach of every other schema. Create it where the
  // database's other users expect it first (a no-op when it exists anywhere).
  // Both may race with another process doing the same: its win is as good as ours.
  const raced = (e: unknown) => ['23505', '42P06', '42710'].includes((e as { code?: string }).code ?? '')
  await sql`create extension if not exists postgis schema public`.catch((e) => {
    if (!raced(e)) throw e
  })
  await sql`create extension if not exists pg_trgm schema public`.catch((e) => {
    if (!raced(e)) throw e
  })
  await sql`create schema if not exists ${sql(schema)}`.catch((e) => {
    if (!raced(e)) throw e
  })
}
