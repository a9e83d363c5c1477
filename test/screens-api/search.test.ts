import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace } from '../alerts/fixtures.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { baseFeed, LAT, lonOf, uploadFeed } from '../transit/feed.ts'

// The widgets' search box: refuges (active only) and stops of the feed in force, by name.
let t: TestApp
let operator: string
let bar: { id: string }

type Result = { kind: 'place' | 'stop'; id: string; name: string; lat: number; lon: number }
const search = async (q: string, extra = '', slug = 'mulhouse') => {
  const res = await t.request(`/v1/networks/${slug}/search?q=${encodeURIComponent(q)}${extra}`)
  return { res, body: (await res.json()) as { results: Result[]; code?: string } }
}

beforeAll(async () => {
  t = await testApp()
  await createNetwork(t, { slug: 'mulhouse' })
  await createNetwork(t, { slug: 'colmar' })
  operator = await createToken(t, 'mulhouse', { role: 'operator', label: 'CSU' })
  const colmarOperator = await createToken(t, 'colmar', { role: 'operator', label: 'CSU Colmar' })
  const feed = baseFeed()
  feed['stops.txt'] = feed['stops.txt']!.replace('"Arrêt 1, rue Test"', '"Gare Viotte"').replace('"Arrêt 2, rue Test"', '"Gare Sud"')
  await uploadFeed(t, 'mulhouse', feed)
  bar = await activePlace(t, 'mulhouse', operator, { lat: 47.749, lon: 7.301, name: 'Bar de la Gare' })
  await activePlace(t, 'mulhouse', operator, { lat: 47.749, lon: 7.302, name: 'Pharmacie Centrale' })
  await activePlace(t, 'colmar', colmarOperator, { lat: 48.08, lon: 7.36, name: 'Gare de Colmar' })
  // Applied, never approved: not a refuge yet, never served.
  const pending = await t.request('/v1/networks/mulhouse/applications', {
    method: 'POST',
    json: { name: 'Café de la Gare', kind: 'bar', address: '2 rue X', location: { lat: 47.75, lon: 7.3 }, opening_hours: '24/7', contact_name: 'A', charter_accepted: true },
  })
  expect(pending.status).toBe(201)
})
afterAll(() => t?.close())

describe('search by name', () => {
  it('finds stops and active refuges of this network only, the name typed at its start first', async () => {
    const { res, body } = await search('gare')
    expect(res.status).toBe(200)
    expect(body.results.map((r) => `${r.kind}:${r.name}`)).toEqual(['stop:Gare Sud', 'stop:Gare Viotte', 'place:Bar de la Gare'])
    const viotte = body.results.find((r) => r.name === 'Gare Viotte')!
    expect(viotte).toEqual({ kind: 'stop', id: 'S1', name: 'Gare Viotte', lat: LAT, lon: lonOf(1) })
    expect(body.results.find((r) => r.kind === 'place')).toMatchObject({ id: bar.id, lat: 47.749, lon: 7.301 })
  })

  it('folds accents and case, and needs every word typed (the last one may be half typed)', async () => {
    const { body } = await search('GÂRE viot')
    expect(body.results.map((r) => r.name)).toEqual(['Gare Viotte'])
    expect((await search('pharma')).body.results.map((r) => r.name)).toEqual(['Pharmacie Centrale'])
    expect((await search('centrale gare')).body.results).toEqual([])
  })

  it('ranks names that begin as typed first, then the closest name', async () => {
    const { body } = await search('gare sud')
    expect(body.results[0]!.name).toBe('Gare Sud')
    // "Bar de la Gare" is closer to "gare" than "Gare de Lyon-Perrache" is, but does not begin with it.
    await activePlace(t, 'mulhouse', operator, { lat: 47.748, lon: 7.303, name: 'Gare de Lyon-Perrache' })
    const names = (await search('gare')).body.results.map((r) => r.name)
    expect(names.indexOf('Gare de Lyon-Perrache')).toBeLessThan(names.indexOf('Bar de la Gare'))
  })

  it('honours limit', async () => {
    expect((await search('gare', '&limit=1')).body.results).toHaveLength(1)
    expect((await search('gare', '&limit=21')).res.status).toBe(400)
    expect((await search('gare', '&limit=0')).res.status).toBe(400)
  })

  it('refuses a query shorter than 2 or longer than 100 characters, or none', async () => {
    for (const q of ['g', ' g ', 'x'.repeat(101)]) {
      const { res, body } = await search(q)
      expect(res.status, q).toBe(400)
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/)
      expect(body.code).toBe('validation_failed')
    }
    const none = await t.request('/v1/networks/mulhouse/search')
    expect(none.status).toBe(400)
    expect((await search('x'.repeat(100))).res.status).toBe(200)
  })

  it('answers the usual 404 for an unknown network', async () => {
    const { res, body } = await search('gare', '', 'nowhere')
    expect(res.status).toBe(404)
    expect(body.code).toBe('network_not_found')
  })

  it('is in the OpenAPI document', async () => {
    const doc = (await (await t.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> }
    expect(doc.paths['/v1/networks/{slug}/search']).toHaveProperty('get')
  })
})
