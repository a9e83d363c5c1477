import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertToken } from '../../src/auth/tokens.ts'
import { insertNetwork } from '../../src/networks/queries.ts'
import { createNetworkSchema } from '../../src/networks/schemas.ts'
import { importPlaces } from '../../src/places/import.ts'
import { BACKUP_MARK, loadBackup, readBackup, writeBackup } from '../../src/runtime/backup.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'

const NOW = new Date('2026-11-24T10:00:00Z')
const dir = mkdtempSync(join(tmpdir(), 'halte-backup-'))
let db: TestDb

// Every table's rows, as text, in a stable order: what a round trip must give back.
async function content(): Promise<Record<string, string[]>> {
  const tables = await db.sql<{ name: string }[]>`
    select c.relname as name from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r' and c.relname <> 'halte_migrations'
      and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
    order by 1`
  const out: Record<string, string[]> = {}
  for (const { name } of tables) {
    const rows = await db.sql.unsafe(`select t::text as row from ${name} t`)
    out[name] = (rows as unknown as { row: string }[]).map((r) => r.row).sort()
  }
  return out
}

beforeAll(async () => {
  db = await testDatabase()
  const network = await insertNetwork(
    db.sql,
    createNetworkSchema.parse({ slug: 'dole', name: 'Dole « centre »', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR', region_code: 'FR-39' }),
  )
  await insertToken(db.sql, { role: 'operator', label: "l'équipe\nde nuit", networkId: network.id, vehicle: null, expiresAt: null })
  const rows = Array.from({ length: 450 }, (_, i) => ({
    name: `Refuge ${i} "quote" ' \\ ✓`,
    kind: 'shop',
    address: `${i} rue des Arènes`,
    lat: 47.09 + i / 10_000,
    lon: 5.49,
    opening_hours: i % 3 ? 'Mo-Sa 09:00-19:00; PH off' : '24/7',
    features: i % 2 ? 'toilets' : '',
  }))
  const report = await importPlaces(db.sql, network, rows, { approve: true, now: NOW })
  expect(report.rejected).toEqual([])
}, 120_000)

afterAll(async () => {
  await db?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('backup and restore', () => {
  it('a backup restored over changed data gives every table its rows back', async () => {
    const before = await content()
    expect(before.places).toHaveLength(450)
    expect(before.tokens!.length).toBeGreaterThan(450)
    const file = join(dir, 'halte.sql')
    const counts = await writeBackup(db.sql, file)
    for (const [table, rows] of Object.entries(before)) expect(counts[table], table).toBe(rows.length)
    const text = await readBackup(file)
    expect(text.startsWith(BACKUP_MARK)).toBe(true)
    expect(text).not.toMatch(/^copy /im)

    await db.sql`delete from places where name like 'Refuge 1%'`
    await db.sql`update networks set name = 'changed'`
    await db.sql`insert into networks (slug, name, timezone, locale, country_code) values ('extra', 'Extra', 'Europe/Paris', 'fr', 'FR')`
    expect(await content()).not.toEqual(before)

    await loadBackup(db.sql, text)
    expect(await content()).toEqual(before)
  }, 120_000)

  it('a file that is not a backup is refused before touching anything', async () => {
    const file = join(dir, 'other.sql')
    await import('node:fs').then((fs) => fs.writeFileSync(file, 'drop table places;'))
    await expect(readBackup(file)).rejects.toThrow(/not a halte backup/)
    expect(readFileSync(file, 'utf8')).toBe('drop table places;')
  })
})
