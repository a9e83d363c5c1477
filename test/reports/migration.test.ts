import { afterAll, beforeAll, expect, it } from 'vitest'
import { migrate } from '../../src/db/migrate.ts'
import { readMigrations } from '../../src/runtime/migrations.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'

// A network that existed before reports came gets the same categories as a new one.
let db: TestDb
beforeAll(async () => {
  db = await testDatabase({ migrate: false })
})
afterAll(() => db.close())

it('0014 seeds every existing network, and later networks through the trigger, once each', async () => {
  const all = readMigrations()
  await migrate(db.sql, all.filter((m) => m.name < '0014'))
  const [old] = await db.sql<{ id: string }[]>`
    insert into networks (slug, name, timezone, locale, country_code) values ('avant', 'Avant', 'Europe/Paris', 'fr', 'FR') returning id`
  await migrate(db.sql, all)
  const codes = async (id: string) =>
    (await db.sql<{ code: string; visibility: string }[]>`select code, visibility from report_categories where network_id = ${id} order by position`).map((r) => `${r.code}:${r.visibility}`)
  const expected = [
    'harassment:private', 'poor_lighting:public', 'dangerous_spot_night:public', 'drug_dealing:private', 'nitrous_oxide:public',
    'damage:public', 'noise:public', 'abandoned_object:public', 'other:private',
  ]
  expect(await codes(old!.id)).toEqual(expected)
  const [fresh] = await db.sql<{ id: string }[]>`
    insert into networks (slug, name, timezone, locale, country_code) values ('apres', 'Après', 'Europe/Paris', 'fr', 'FR') returning id`
  expect(await codes(fresh!.id)).toEqual(expected)
  // Applying again changes nothing (the migration is recorded; the seed itself is idempotent).
  await migrate(db.sql, all)
  await db.sql`select seed_report_categories(${old!.id})`
  expect(await codes(old!.id)).toEqual(expected)
})
