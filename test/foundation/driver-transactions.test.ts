import { once } from 'node:events'
import { connect as tcpConnect, type Socket } from 'node:net'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../src/runtime/database.ts'
import { tcpProxy } from '../helpers/proxy.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'

// Two postgres.js 3.4.9 faults patched in patches/ (upstream fixes unreleased), each of
// which left a session inside a transaction that no code owned: its row locks held, and
// every query the pool sent there afterwards inside it. The soak met them after a
// database restart: both instances stopped answering for 40 s.
let db: TestDb

beforeAll(async () => {
  db = await testDatabase({ migrate: false })
})
afterAll(() => db?.close())

// A session outside any transaction draws a new transaction id for each statement.
async function autocommits(sql: postgres.Sql) {
  const [a] = await sql<{ x: string }[]>`select pg_current_xact_id()::text as x`
  const [b] = await sql<{ x: string }[]>`select pg_current_xact_id()::text as x`
  return a!.x !== b!.x
}

describe('transactions on the pooled driver', () => {
  it('a BEGIN written at the pipeline boundary still reserves its connection', async () => {
    // max_pipeline is an option of the driver its types leave out.
    const sql = postgres(db.url, { max: 1, max_pipeline: 1, onnotice: () => {} } as postgres.Options<Record<string, never>>)
    try {
      await sql`select 1`
      // The one connection is open and busy: BEGIN is pipelined behind a query and fills the pipeline.
      const busy = sql`select pg_sleep(0.2)`.execute()
      const result = await sql.begin(async (tx) => (await tx<{ n: number }[]>`select 1 as n`)[0]!.n)
      await busy
      expect(result).toBe(1)
      expect(await autocommits(sql)).toBe(true)
    } finally {
      await sql.end({ timeout: 1 })
    }
  })

  it.skipIf(!process.env.DATABASE_URL)('a transaction cut from its database sends nothing on the session that replaces it (real PostgreSQL: the cut needs a proxy in front of a server)', async () => {
    const pg = new URL(db.url)
    const proxy = await tcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) })
    const url = new URL(db.url)
    url.host = `127.0.0.1:${proxy.port}`
    const sql = connect(url.toString(), { max: 1, schema: db.schema })
    try {
      await sql`create table driver_probe (n int)`
      let release!: () => void
      const held = new Promise<void>((r) => {
        release = r
      })
      // The first transaction loses its connection while its callback waits; when it goes
      // on and fails, postgres.js sends its ROLLBACK through the same connection object.
      const first = sql.begin(async (tx) => {
        await tx`select 1`
        await held
        throw new Error('the callback failed after the cut')
      })
      const outcome = first.then(
        () => 'committed',
        (e: { code?: string }) => e.code,
      )
      await new Promise((r) => setTimeout(r, 100))
      await proxy.cut()
      expect(await outcome).toBe('CONNECTION_CLOSED')
      await proxy.restore()
      // A second transaction on the reconnected session, with the first's ROLLBACK in between.
      await sql.begin(async (tx) => {
        await tx`insert into driver_probe values (1)`
        release()
        await new Promise((r) => setTimeout(r, 200))
        await tx`insert into driver_probe values (2)`
      })
      const rows = await sql<{ n: number }[]>`select n from driver_probe order by n`
      expect(rows.map((r) => r.n)).toEqual([1, 2])
      expect(await autocommits(sql)).toBe(true)
    } finally {
      await sql.end({ timeout: 1 })
      await proxy.close()
    }
  })

  it.skipIf(!process.env.DATABASE_URL)('a transaction keeps its connection when the socket drains between two statements (real PostgreSQL)', async () => {
    const pg = new URL(db.url)
    let socket: Socket | undefined
    const sql = postgres(db.url, {
      max: 1,
      onnotice: () => {},
      connection: db.schema ? { search_path: `${db.schema},public` } : {},
      // The driver's own socket (an option its types leave out), to signal what the kernel
      // signals after a write pushed back.
      socket: async () => {
        const s = tcpConnect(Number(pg.port || 5432), pg.hostname)
        await once(s, 'connect')
        socket = s
        return s
      },
    } as postgres.Options<Record<string, never>>)
    try {
      await sql`create table drain_probe (n int)`
      let outside: Promise<number> | undefined
      await sql
        .begin(async (tx) => {
          await tx`insert into drain_probe values (1)`
          socket!.emit('drain')
          // Another request's query, sent while the transaction is between statements.
          outside = sql<{ n: number }[]>`select count(*)::int as n from drain_probe`.then((r) => r[0]!.n)
          await new Promise((r) => setTimeout(r, 100))
          throw new Error('rolled back')
        })
        .catch(() => {})
      // It waited for the transaction's end: the rolled-back row was never visible to it.
      expect(await outside).toBe(0)
    } finally {
      await sql.end({ timeout: 1 })
    }
  })
})
