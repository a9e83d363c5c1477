import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { boolArray, numberArray, parseArray, textArray } from '../../src/db/types.ts'
import { type TestDb, testDatabase } from '../helpers/db.ts'

// Workers reach PostgreSQL without fetching its types, and a JS array bound there failed
// ("malformed array literal") while the same query passed every test on Node, which
// fetched them. What keeps that from coming back: every connection halte opens, on
// Node, in tests and on Workers, has the same type settings (TYPE_OPTIONS), and under
// them a plain JS array bound as a parameter throws. So any query the suite runs, on
// either runtime, fails the suite if it binds an array any other way than the helpers
// below; a lint or grep would only catch the spellings someone thought of. This file
// checks the settings themselves and the helpers' round trip through the server.

let db: TestDb
beforeAll(async () => {
  db = await testDatabase({ migrate: false })
})
afterAll(() => db?.close())

describe('connections', () => {
  it("fetch no types: Node's pool is the Workers' one", () => {
    expect(db.sql.options.fetch_types).toBe(false)
  })

  it('every postgres.js client in src/ takes the shared type settings', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
    const opened = files('src').filter((f) => /\bpostgres\(/.test(readFileSync(f, 'utf8')))
    expect(opened.length).toBeGreaterThan(0)
    for (const f of opened) expect(readFileSync(f, 'utf8'), f).toMatch(/\.\.\.TYPE_OPTIONS/)
  })

  it('refuse a plain JS array, saying what to use, and stay usable', async () => {
    await expect(db.sql`select ${['open', 'acknowledged'] as unknown as string}::text[]`).rejects.toThrow(/textArray/)
    await expect(db.sql`select ${[1, 2] as unknown as number}::int[]`).rejects.toThrow(/numberArray/)
    await expect(
      db.sql.begin(async (tx) => {
        await tx`select 1`
        await tx`select 1 where 'a' = any(${['a'] as unknown as string})`
      }),
    ).rejects.toThrow(/textArray/)
    expect(await db.sql`select 1 as ok`).toEqual([{ ok: 1 }])
  })

  it('read array columns as JS arrays', async () => {
    const [row] = await db.sql`
      select array['a', 'b,c', '"q"', null, 'NULL', '', 'é\\']::text[] as texts, array[1, -2]::int[] as ints,
        array[1.5, 2]::float8[] as floats, array[true, false] as bools, '{}'::text[] as empty,
        array[[1, 2], [3, 4]]::int[] as grid, array[gen_random_uuid()] as uuids, array['2026-11-24T22:00:00Z'::timestamptz] as instants,
        array['{"a":1}'::jsonb] as docs, '[0:1]={x,y}'::text[] as shifted`
    expect(row).toMatchObject({
      texts: ['a', 'b,c', '"q"', null, 'NULL', '', 'é\\'],
      ints: [1, -2],
      floats: [1.5, 2],
      bools: [true, false],
      empty: [],
      grid: [
        [1, 2],
        [3, 4],
      ],
      instants: [new Date('2026-11-24T22:00:00Z')],
      docs: [{ a: 1 }],
      shifted: ['x', 'y'],
    })
    expect(row!.uuids[0]).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('array helpers', () => {
  // Text as PostgreSQL stores it: anything but NUL.
  const text = fc.string({ unit: 'binary' }).map((s) => s.replace(/\0/g, ''))

  it('textArray round-trips any text, NULL and the word "NULL" included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(text, fc.constant(null), fc.constantFrom('NULL', '{}', ',', '"', '\\', ' a '))), async (values) => {
        const [row] = await db.sql`select ${textArray(values)}::text[] as a, cardinality(${textArray(values)}::text[]) as n`
        expect(row!.a).toEqual(values)
        expect(row!.n).toBe(values.length)
      }),
      { numRuns: 60 },
    )
  })

  it('numberArray and boolArray round-trip', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), fc.array(fc.double({ noNaN: true, noDefaultInfinity: true })), fc.array(fc.boolean()), async (ints, floats, bools) => {
        const [row] = await db.sql`select ${numberArray(ints)}::int[] as i, ${numberArray(floats)}::float8[] as f, ${boolArray(bools)}::boolean[] as b`
        expect(row).toEqual({ i: ints, f: floats.map((x) => (Object.is(x, -0) ? 0 : x)), b: bools })
      }),
      { numRuns: 40 },
    )
    expect(() => numberArray([Number.NaN])).toThrow(RangeError)
  })

  it('a uuid list is a textArray cast to uuid[]', async () => {
    const ids = [crypto.randomUUID(), crypto.randomUUID()]
    const rows = await db.sql`select id from unnest(${textArray(ids)}::uuid[]) as id`
    expect(rows.map((r) => r.id)).toEqual(ids)
  })

  it('parseArray reads what the server writes', () => {
    expect(parseArray('{}', Number)).toEqual([])
    expect(parseArray('{1,NULL,"NULL"}', (x) => x)).toEqual(['1', null, 'NULL'])
    expect(parseArray('{{"a\\"b",c},{d,"e,f"}}', (x) => x)).toEqual([
      ['a"b', 'c'],
      ['d', 'e,f'],
    ])
  })
})
