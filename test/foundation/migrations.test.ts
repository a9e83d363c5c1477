import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MigrationChecksumError, migrate } from '../../src/db/migrate.ts'
import { connect } from '../../src/runtime/database.ts'
import { readMigrations } from '../../src/runtime/migrations.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'
import { runCli } from '../helpers/process.ts'

let db: TestDb
beforeAll(async () => {
  db = await testDatabase({ migrate: false })
})
afterAll(() => db?.close())

const appliedNames = async () =>
  (await db.sql<{ name: string }[]>`select name from halte_migrations order by name`).map((r) => r.name)

// The files a `halte migrate` process said it applied, read from its JSON log lines.
const appliedIn = (output: string): string[] =>
  output
    .split('\n')
    .filter((line) => line.includes('"migrations applied"'))
    .flatMap((line) => (JSON.parse(line) as { applied: string[] }).applied)

describe('migrations', () => {
  it('two processes migrating one fresh database at once apply each file exactly once', async () => {
    const env = { DATABASE_URL: db.url, HALTE_DB_SCHEMA: db.schema, LOG_LEVEL: 'info' }
    const a = runCli(['migrate'], env)
    const b = runCli(['migrate'], env)
    const [ca, cb] = await Promise.all([a.exited, b.exited])
    expect([ca, cb], a.output() + b.output()).toEqual([0, 0])
    const files = readMigrations().map((m) => m.name)
    expect(await appliedNames()).toEqual(files)
    // Between them the two processes report each file applied exactly once. Which one
    // applies which file may interleave (each file takes the lock in its own transaction).
    const reported = [a.output(), b.output()].flatMap(appliedIn)
    expect(reported.sort()).toEqual(files)
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from networks`
    expect(row?.n).toBe(0)
  })

  it('a second run applies nothing', async () => {
    expect(await migrate(db.sql, readMigrations())).toEqual([])
  })

  it('refuses to start when an applied migration was changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halte-sql-'))
    for (const m of readMigrations()) writeFileSync(join(dir, m.name), m.sql)
    const first = readMigrations()[0]!
    writeFileSync(join(dir, first.name), `${readFileSync(join(dir, first.name), 'utf8')}\n-- edited\n`)
    const changed = readMigrations(dir)
    await expect(migrate(db.sql, changed)).rejects.toBeInstanceOf(MigrationChecksumError)
    await expect(migrate(db.sql, changed)).rejects.toThrow(first.name)
  })

  it('a failing migration leaves nothing half-applied', async () => {
    const broken = [
      ...readMigrations(),
      { name: '9998_ok_part.sql', sql: 'create table half_a (id int);' },
      { name: '9999_broken.sql', sql: 'create table half_b (id int); select * from no_such_table;' },
    ]
    await expect(migrate(db.sql, broken)).rejects.toThrow(/no_such_table/)
    const names = await appliedNames()
    expect(names).toContain('9998_ok_part.sql')
    expect(names).not.toContain('9999_broken.sql')
    const [reg] = await db.sql<{ t: string | null }[]>`select to_regclass('half_b')::text as t`
    expect(reg?.t).toBeNull()
  })

  it('concurrent in-process migrators on separate pools agree', async () => {
    const extra = [{ name: '9999_more.sql', sql: 'create table more_stuff (id int primary key);' }]
    const all = [...readMigrations(), { name: '9998_ok_part.sql', sql: 'create table half_a (id int);' }, ...extra]
    const other = connect(db.url, { schema: db.schema, max: 2 })
    try {
      const results = await Promise.all([migrate(db.sql, all), migrate(other, all)])
      expect(results.flat()).toEqual(['9999_more.sql'])
    } finally {
      await other.end()
    }
  })
})
