import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { postgis } from '@electric-sql/pglite-postgis'
import postgres from 'postgres'

// Embedded runs: build once (and cache) a PGlite data directory with PostGIS already
// created, so each test file starts its own instance in seconds instead of ~20 s.
export const SNAPSHOT = resolve('node_modules/.cache/halte/pglite-postgis.tgz')

export default async function setup() {
  const url = process.env.DATABASE_URL
  if (url) {
    // Create the extension once, before files race to do it in their own schemas.
    const sql = postgres(url, { max: 1, onnotice: () => {} })
    try {
      await sql`create extension if not exists postgis`
      await sql`create extension if not exists pg_trgm`
    } finally {
      await sql.end()
    }
    console.log(`[halte tests] real PostgreSQL at ${new URL(url).host}, one schema per test file`)
    return
  }
  console.log('[halte tests] no DATABASE_URL: running on the embedded PGlite + PostGIS, one instance per test file')
  if (existsSync(SNAPSHOT)) return
  const db = await PGlite.create({ extensions: { postgis, pg_trgm } })
  await db.exec('create extension postgis')
  const blob = await db.dumpDataDir('gzip')
  mkdirSync(dirname(SNAPSHOT), { recursive: true })
  writeFileSync(SNAPSHOT, Buffer.from(await blob.arrayBuffer()))
  await db.close()
}
