import { afterAll, beforeAll, expect, it } from 'vitest'
import { placesIndexState, tidyPlacesIndex } from '../../src/places/index-upkeep.ts'
import { refreshDuePeriods } from '../../src/places/periods.ts'
import { createNetwork, type TestApp, testApp } from '../helpers/app.ts'

// The Mercator index loosens as the periods refresh rewrites rows; the hourly job
// rebuilds it once it is well past a fresh build's size, and only then.
let t: TestApp
let networkId: string

beforeAll(async () => {
  t = await testApp()
  networkId = (await createNetwork(t, { slug: 'index' })).id
  // Places spread over a city, inserted in random order as applications arrive.
  await t.db.sql`
    insert into places (network_id, status, name, kind, address, location, opening_hours, charter_accepted_at)
    select ${networkId}, 'active', 'Lieu ' || g, 'bar', 'rue', st_setsrid(st_makepoint(7.3 + random() / 10, 47.7 + random() / 10), 4326)::geography, '24/7', now()
    from generate_series(1, 3000) g`
}, 60_000)
afterAll(() => t?.close())

const indexOid = async () => (await t.db.sql<{ oid: number }[]>`select to_regclass('places_active_merc_idx')::oid::int8 as oid`)[0]!.oid

it('leaves a tight index alone, however small the threshold', async () => {
  await t.db.sql.unsafe('reindex index places_active_merc_idx')
  const before = await indexOid()
  expect(await tidyPlacesIndex(t.db.sql, { minRows: 0 })).toBe(false)
  expect(await indexOid()).toBe(before)
})

it('rebuilds, without a lock on searches, an index the periods refresh has loosened', async () => {
  // What the periods refresh does to every active place every few days.
  for (let i = 0; i < 3; i++) expect(await refreshDuePeriods(t.db.sql, new Date(), { force: true })).toBe(3000)
  await t.db.sql`vacuum places`
  const loose = await placesIndexState(t.db.sql)
  expect(loose!.looseness).toBeGreaterThan(1.5)
  const before = await indexOid()
  // A rebuild cut short earlier left its invalid copy behind (a unique build that
  // fails leaves one the same way).
  await expect(t.db.sql.unsafe('create unique index concurrently places_active_merc_idx_ccnew on places (kind)')).rejects.toThrow()
  const leftover = () => t.db.sql`select 1 from pg_class where relname = 'places_active_merc_idx_ccnew' and relnamespace = (select relnamespace from pg_class where oid = to_regclass('places'))`
  expect(await leftover()).toHaveLength(1)
  // Below the size where a rebuild pays off, nothing happens.
  expect(await tidyPlacesIndex(t.db.sql)).toBe(false)
  expect(await tidyPlacesIndex(t.db.sql, { minRows: 0 })).toBe(true)
  const after = await placesIndexState(t.db.sql)
  expect(after!.pages).toBeLessThan(loose!.pages)
  expect(after!.looseness).toBeLessThan(1.5)
  expect(await indexOid()).not.toBe(before)
  expect(await leftover()).toHaveLength(0)
  // Still the index the search uses, and valid.
  const [idx] = await t.db.sql<{ valid: boolean; def: string }[]>`
    select i.indisvalid as valid, pg_get_indexdef(i.indexrelid) as def from pg_index i where i.indexrelid = to_regclass('places_active_merc_idx')`
  expect(idx).toMatchObject({ valid: true })
  expect(idx!.def).toMatch(/gist \(merc\) WHERE \(status = 'active'/)
  const res = await t.request('/v1/networks/index/places/nearest?lat=47.75&lon=7.35&limit=3')
  expect(res.status).toBe(200)
  expect(((await res.json()) as { features: unknown[] }).features).toHaveLength(3)
})
