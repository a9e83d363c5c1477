import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertNetwork } from '../../src/networks/queries.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'
import { runCli } from '../helpers/process.ts'
import { baseFeed, zipOf } from './feed.ts'

let db: TestDb
let dir: string
beforeAll(async () => {
  db = await testDatabase()
  dir = mkdtempSync(join(tmpdir(), 'halte-gtfs-'))
  await insertNetwork(db.sql, { slug: 'cli', name: 'CLI', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR' })
})
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await db?.close()
})

const env = () => ({ DATABASE_URL: db.url, HALTE_DB_SCHEMA: db.schema, LOG_LEVEL: 'warn' })

describe('halte gtfs import', () => {
  it('imports a zip and prints the report; a broken feed exits 1 saying what and where', async () => {
    const good = join(dir, 'good.zip')
    writeFileSync(good, zipOf(baseFeed()))
    const ok = runCli(['gtfs', 'import', good, '--network', 'cli'], env())
    expect(await ok.exited, ok.output()).toBe(0)
    expect(JSON.parse(ok.output().slice(ok.output().indexOf('{')))).toMatchObject({ routes: 4, trips: 5, stops: 5 })

    const bad = join(dir, 'bad.zip')
    writeFileSync(bad, zipOf({ ...baseFeed(), 'trips.txt': 'trip_id,route_id,service_id\nTR1,NOPE,WK\n' }))
    const ko = runCli(['gtfs', 'import', bad, '--network', 'cli'], env())
    expect(await ko.exited).toBe(1)
    expect(ko.output()).toMatch(/invalid_gtfs: .*trips\.txt : trip TR1: route_id "NOPE" is not in routes\.txt/)
    const [n] = await db.sql`select count(*)::int as n from transit_routes`
    expect(n!.n).toBe(4)
  })
})
