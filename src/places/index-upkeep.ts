import type { Sql } from 'postgres'

// The nearest search and the alert fan-out walk the GiST index on places.merc. Every
// refresh of the materialised periods rewrites the rows it covers (all active places
// every few days), and PostgreSQL 15 cannot make those updates HOT because periods_to
// is indexed; so the GiST index gets a new entry per row each time, and vacuum leaves
// its pages half empty with overlapping boxes. Measured at 1,000,000 places: 80 MB,
// and a bare nearest-5 walk reading 39 pages in 1.7 ms; rebuilt (a sorted build, 3 s),
// 39 MB, 13 pages, 0.23 ms. So the index is rebuilt, without blocking searches or
// writes, once it is well past the size a fresh build has.

const INDEX = 'places_active_merc_idx'
// A fresh build holds about 190 points per 8 kB page (measured: 1M points in 4,992
// pages, 20k uniform points in 104).
const ROWS_PER_PAGE_FRESH = 190
const LOOSE_RATIO = 1.5
// Below this a whole walk reads a handful of pages whatever their state: not worth a rebuild.
const MIN_ROWS = 10_000

export interface IndexState {
  rows: number
  pages: number
  // pages now / pages of a fresh build
  looseness: number
}

export async function placesIndexState(sql: Sql): Promise<IndexState | null> {
  const [row] = await sql<{ rows: number; pages: number }[]>`
    select (select count(*) from places where status = 'active')::float8 as rows,
      (pg_relation_size(to_regclass(${INDEX})) / current_setting('block_size')::int)::float8 as pages
    where to_regclass(${INDEX}) is not null`
  if (!row) return null
  const fresh = Math.max(1, Math.ceil(row.rows / ROWS_PER_PAGE_FRESH))
  return { ...row, looseness: row.pages / fresh }
}

// Rebuilds the index when it has loosened; true when it did. Several instances run
// this job: a session advisory lock (on one reserved connection, since REINDEX
// CONCURRENTLY cannot run inside a transaction) lets one rebuild while the others skip.
export async function tidyPlacesIndex(sql: Sql, opts: { minRows?: number } = {}): Promise<boolean> {
  const loose = async (db: Sql) => {
    const state = await placesIndexState(db)
    return state !== null && state.rows >= (opts.minRows ?? MIN_ROWS) && state.looseness >= LOOSE_RATIO
  }
  if (!(await loose(sql))) return false
  const conn = await sql.reserve()
  try {
    const [lock] = await conn<{ locked: boolean }[]>`select pg_try_advisory_lock(hashtext('halte:places-merc-reindex')) as locked`
    if (!lock?.locked) return false
    try {
      // Another instance may have rebuilt it between our look and our lock.
      if (!(await loose(conn))) return false
      // A rebuild cut short (a restart, a lost connection) leaves an invalid copy that
      // every write would keep updating: drop it before trying again.
      const leftovers = await conn<{ name: string }[]>`
        select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid
        where not i.indisvalid and c.relname like ${`${INDEX}_ccnew%`}
          and c.relnamespace = (select relnamespace from pg_class where oid = to_regclass(${INDEX}))`
      for (const { name } of leftovers) await conn.unsafe(`drop index concurrently if exists "${name.replaceAll('"', '""')}"`)
      await conn.unsafe(`reindex index concurrently ${INDEX}`)
      return true
    } finally {
      await conn`select pg_advisory_unlock(hashtext('halte:places-merc-reindex'))`
    }
  } finally {
    conn.release()
  }
}
