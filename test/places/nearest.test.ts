import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findNetworkBySlug } from '../../src/networks/queries.ts'
import { importPlaces } from '../../src/places/import.ts'
import { searchNearest } from '../../src/places/nearest.ts'
import { createNetwork, type TestApp, testApp } from '../helpers/app.ts'

// A street of 150 refuges going north from a point, 40 m apart, all closed except a
// few far down the street: the search must look past its first batches of neighbours.
const NOW = new Date('2026-11-24T10:00:00Z') // a Tuesday
const OPEN = new Set([97, 131])
let t: TestApp

beforeAll(async () => {
  t = await testApp({ clock: { now: () => NOW } })
  await createNetwork(t, { slug: 'rue', search_radius_m: 10000 })
  const network = (await findNetworkBySlug(t.db.sql, 'rue'))!
  const rows = Array.from({ length: 150 }, (_, i) => ({
    name: `Refuge ${i}`,
    kind: 'shop',
    address: `${i} rue Longue`,
    lat: 45 + (i * 40) / 111_320,
    lon: 5,
    opening_hours: OPEN.has(i) ? '24/7' : 'Mo-Su 20:00-21:00',
    features: i % 2 ? 'toilets' : '',
  }))
  const report = await importPlaces(t.db.sql, network, rows, { approve: true, now: NOW })
  expect(report.rejected).toEqual([])
})
afterAll(() => t?.close())

const names = async (query: string) => {
  const res = await t.request(`/v1/networks/rue/places/nearest?lat=45&lon=5&${query}`)
  expect(res.status).toBe(200)
  const body = (await res.json()) as { features: { properties: { name: string; distance_m: number; open_now: boolean } }[] }
  return body.features.map((f) => f.properties)
}

describe('nearest open refuges', () => {
  it('looks past closed neighbours, nearest first, with geodesic distances', async () => {
    const found = await names('limit=5')
    expect(found.map((p) => p.name)).toEqual(['Refuge 97', 'Refuge 131'])
    // 40 m steps in latitude at 111,320 m per degree; a meridian degree at 45° is 111,132 m.
    expect(found[0]!.distance_m).toBe(Math.round((97 * 40 * 111_132) / 111_320))
    expect(found.every((p) => p.open_now)).toBe(true)
  })

  it('evaluates with the library when the instant is outside the materialised window', async () => {
    // The API accepts instants inside the window only; the search itself still answers
    // outside it (a window the hourly job has not renewed yet).
    const search = async (at: string, limit: number) =>
      (await searchNearest(t.db.sql, { slug: 'rue' }, { lat: 45, lon: 5, at: new Date(at), limit, openOnly: true, features: [], radiusM: null })).places
    const found = await search('2027-03-02T11:00:00+01:00', 5)
    expect(found.map((p) => p.name)).toEqual(['Refuge 97', 'Refuge 131'])
    const evening = await search('2027-03-02T20:30:00+01:00', 3)
    expect(evening.map((p) => p.name)).toEqual(['Refuge 0', 'Refuge 1', 'Refuge 2'])
  })

  it('open=false lists closed places too, and features filter', async () => {
    expect((await names('limit=3&open=false')).map((p) => p.name)).toEqual(['Refuge 0', 'Refuge 1', 'Refuge 2'])
    expect((await names('limit=2&open=false&features=toilets')).map((p) => p.name)).toEqual(['Refuge 1', 'Refuge 3'])
    expect((await names('limit=5&features=toilets')).map((p) => p.name)).toEqual(['Refuge 97', 'Refuge 131'])
  })

  it('the search radius is geodesic: a place 10 m inside is found, one 10 m outside is not', async () => {
    await createNetwork(t, { slug: 'bord', search_radius_m: 1000 })
    const network = (await findNetworkBySlug(t.db.sql, 'bord'))!
    // At 45°N a metre of meridian is 1/111,132 of a degree.
    const rows = [990, 1010, 1400].map((m) => ({
      name: `À ${m} m`,
      kind: 'shop',
      address: `${m} chemin du Bord`,
      lat: 45 + m / 111_132,
      lon: 5,
      opening_hours: '24/7',
    }))
    const report = await importPlaces(t.db.sql, network, rows, { approve: true, now: NOW })
    expect(report.rejected).toEqual([])
    for (const open of ['true', 'false']) {
      const res = await t.request(`/v1/networks/bord/places/nearest?lat=45&lon=5&limit=5&open=${open}`)
      const body = (await res.json()) as { features: { properties: { name: string; distance_m: number } }[] }
      expect(body.features.map((f) => f.properties.name)).toEqual(['À 990 m'])
    }
  })

  it('beyond the search radius the answer is empty, with the emergency numbers', async () => {
    const res = await t.request('/v1/networks/rue/places/nearest?lat=45.5&lon=5.5')
    const body = (await res.json()) as { features: unknown[]; emergency: Record<string, string> }
    expect(body.features).toEqual([])
    expect(body.emergency).toEqual({ police: '17', eu: '112', sms: '114' })
  })
})
