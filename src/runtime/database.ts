import postgres, { type Sql } from 'postgres'
import type { Config } from '../config.ts'
import { TYPE_OPTIONS } from '../db/types.ts'
import type { Logger } from '../logger.ts'
import { type Embedded, startEmbedded } from './embedded.ts'

export interface Database {
  sql: Sql
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
  return {
    sql,
    max,
    kind: embedded ? 'embedded' : 'postgres',
    embedded,
    async close() {
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

export function connect(url: string, opts: { schema?: string; max?: number; idleTimeout?: number } = {}): Sql {
  return postgres(url, {
    // The same type settings as on Workers: a query that works here works there.
    ...TYPE_OPTIONS,
    max: opts.max ?? 10,
    connect_timeout: 5,
    // Seconds; 0 keeps idle sessions.
    idle_timeout: opts.idleTimeout ?? 60,
    onnotice: () => {},
    connection: {
      TimeZone: 'UTC',
      application_name: 'halte',
      // Short queries: compiling a plan (hundreds of ms) never pays off here.
      jit: 'off',
      ...(opts.schema ? { search_path: `${opts.schema},public` } : {}),
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
  await sql`create schema if not exists ${sql(schema)}`.catch((e) => {
    if (!raced(e)) throw e
  })
}
