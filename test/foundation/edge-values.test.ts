import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createNetwork, type TestApp, testApp } from '../helpers/app.ts'

// Values that pass a loose check and then mean something else (an empty query number read
// as 0) or break the database (a world-sized polygon) are refused where they come in.

let t: TestApp
let slug: string

beforeAll(async () => {
  t = await testApp()
  slug = (await createNetwork(t)).slug
})
afterAll(() => t?.close())

type Problem = { status: number; code: string; errors?: { path: string; message: string }[] }

async function problem(res: Response): Promise<Problem> {
  const text = await res.text()
  expect(res.headers.get('content-type'), text).toMatch(/problem\+json/)
  return JSON.parse(text) as Problem
}

const box = (w: number, s: number, e: number, n: number) => ({
  type: 'MultiPolygon',
  coordinates: [[[[w, s], [e, s], [e, n], [w, n], [w, s]]]],
})
// Mulhouse and around, about 20 km by 17 km.
const MULHOUSE = box(7.2, 47.68, 7.47, 47.83)
// The same corners joined in the wrong order: the outline crosses itself.
const BOW_TIE = { type: 'MultiPolygon', coordinates: [[[[7.2, 47.68], [7.47, 47.83], [7.47, 47.68], [7.2, 47.83], [7.2, 47.68]]]] }
const WORLD = box(-180, -90, 180, 90)

describe('numbers in query strings', () => {
  const routes = [
    (q: string) => `/v1/networks/${slug}/places/nearest?${q}`,
    (q: string) => `/v1/networks/${slug}/stops?${q}`,
  ]
  const bad: Array<[string, string]> = [
    ['lat=&lon=', 'lat'],
    ['lat=&lon=7.3', 'lat'],
    ['lat=47.75&lon=', 'lon'],
    ['lat=%20&lon=7.3', 'lat'],
    ['lat=abc&lon=7.3', 'lat'],
    ['lat=0x2F&lon=7.3', 'lat'],
    ['lat=91&lon=7.3', 'lat'],
    ['lat=47.75&lon=181', 'lon'],
    ['lon=7.3', 'lat'],
    ['lat=47.75', 'lon'],
  ]

  for (const [query, field] of bad) {
    it(`refuses ${query} naming ${field}, on every route that reads a position`, async () => {
      for (const route of routes) {
        const res = await t.request(route(query))
        const p = await problem(res)
        expect(res.status, `${route(query)} ${JSON.stringify(p)}`).toBe(400)
        expect(p.code).toBe('validation_failed')
        expect(p.errors?.map((e) => e.path)).toContain(field)
      }
    })
  }

  it('still answers a well-written position', async () => {
    for (const route of routes) expect((await t.request(route('lat=47.75&lon=7.3'))).status).toBe(200)
    expect((await t.request(`/v1/networks/${slug}/stops?lat=+47.75&lon=7.30&limit=3`)).status).toBe(200)
  })

  it('refuses a bbox with an empty or non-numeric part', async () => {
    for (const bbox of ['7.2,,7.4,47.8', ',47.7,7.4,47.8', '7.2,47.7,7.4,abc', '7.2,47.7,7.4', '7.2 47.7 7.4 47.8']) {
      const res = await t.request(`/v1/networks/${slug}/places?bbox=${bbox}`)
      const p = await problem(res)
      expect(res.status, bbox).toBe(400)
      expect(p.code).toBe('validation_failed')
      expect(p.errors?.map((e) => e.path)).toContain('bbox')
    }
    expect((await t.request(`/v1/networks/${slug}/places?bbox=7.2,47.7,7.4,47.8`)).status).toBe(200)
  })
})

describe("a network's area and country", () => {
  const create = (overrides: Record<string, unknown>) =>
    t.request('/v1/networks', {
      method: 'POST',
      token: ADMIN_TOKEN,
      json: { slug: `n-${crypto.randomUUID().slice(0, 8)}`, name: 'Test', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR', ...overrides },
    })

  it('refuses a world-covering area, a bow-tie, a country-sized box: invalid_area naming the field', async () => {
    for (const area of [WORLD, BOW_TIE, box(-5, 42, 8, 51)]) {
      const res = await create({ area })
      const p = await problem(res)
      expect(res.status, JSON.stringify(p)).toBe(400)
      expect(p.code).toBe('invalid_area')
      expect(p.errors?.[0]?.path).toBe('area')
    }
    const zones = await create({ dropoff: { excluded_zones: BOW_TIE } })
    const pz = await problem(zones)
    expect(zones.status).toBe(400)
    expect(pz).toMatchObject({ code: 'invalid_area', errors: [{ path: 'dropoff.excluded_zones' }] })
  })

  it('accepts a real area, and a patch cannot swap it for an invalid one', async () => {
    const res = await create({ area: MULHOUSE })
    expect(res.status, await res.clone().text()).toBe(201)
    const n = (await res.json()) as { slug: string }
    for (const area of [WORLD, BOW_TIE]) {
      const patch = await t.request(`/v1/networks/${n.slug}`, { method: 'PATCH', token: ADMIN_TOKEN, json: { area } })
      expect(patch.status).toBe(400)
      expect((await problem(patch)).code).toBe('invalid_area')
    }
    const now = (await (await t.request(`/v1/networks/${n.slug}`)).json()) as { area: { coordinates: number[][][][] } }
    expect(now.area.coordinates[0]![0]![1]).toEqual([7.47, 47.68])
  })

  it('refuses country codes that are not assigned countries', async () => {
    for (const code of ['ZZ', 'EU', 'UK', 'XK', 'QQ']) {
      const res = await create({ country_code: code })
      const p = await problem(res)
      expect(res.status, code).toBe(400)
      expect(p.code).toBe('validation_failed')
      expect(p.errors?.map((e) => e.path)).toContain('country_code')
    }
    const patch = await t.request(`/v1/networks/${slug}`, { method: 'PATCH', token: ADMIN_TOKEN, json: { country_code: 'ZZ' } })
    expect(patch.status).toBe(400)
    for (const code of ['FR', 'be', 'CA', 'GB', 'RE']) expect((await create({ country_code: code })).status, code).toBe(201)
  })
})
