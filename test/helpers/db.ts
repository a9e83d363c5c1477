import { readFileSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { postgis } from '@electric-sql/pglite-postgis'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import type { Sql } from 'postgres'
import { connect, EMBEDDED_POOL, ensureSchema } from '../../src/runtime/database.ts'
import { migrateFromDisk } from '../../src/runtime/migrations.ts'
import { SNAPSHOT } from '../setup/global.ts'

export interface TestDb {
  url: string // what a child process sets as DATABASE_URL
  schema: string | undefined // what it sets as HALTE_DB_SCHEMA
  sql: Sql
  embedded: boolean
  close(): Promise<void>
}

// A database of this test file's own: a fresh schema on the real PostgreSQL, or a
// fresh embedded instance. Migrated unless told otherwise.
export async function testDatabase(opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const realUrl = process.env.DATABASE_URL
  let db: TestDb
  if (realUrl) {
    const schema = `t_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`
    const sql = connect(realUrl, { schema, max: 10 })
    await ensureSchema(sql, schema)
    db = {
      url: realUrl,
      schema,
      sql,
      embedded: false,
      async close() {
        await sql`drop schema if exists ${sql(schema)} cascade`
        await sql.end({ timeout: 5 })
      },
    }
  } else {
    const pg = await PGlite.create({
      loadDataDir: new Blob([readFileSync(SNAPSHOT)]),
      extensions: { postgis, pg_trgm },
    })
    await pg.exec(`set time zone 'UTC'`)
    const server = new PGLiteSocketServer({ db: pg, host: '127.0.0.1', port: 0, maxConnections: 64 })
    await server.start()
    const url = `postgres://postgres@${server.getServerConn()}/postgres`
    const sql = connect(url, { max: EMBEDDED_POOL })
    db = {
      url,
      schema: undefined,
      sql,
      embedded: true,
      async close() {
        await sql.end({ timeout: 5 })
        await server.stop()
        await pg.close()
      },
    }
  }
  if (opts.migrate !== false) await migrateFromDisk(db.sql)
  return db
}
