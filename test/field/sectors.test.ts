import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sectorAt } from '../../src/sectors/queries.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { collection, feature, IN_A, IN_B, importSectors, OUTSIDE, SECTOR_A, SECTOR_B } from './fixtures.ts'

let t: TestApp
let operator: string
let networkId: string

beforeAll(async () => {
  t = await testApp()
  networkId = (await createNetwork(t, { slug: 'larochelle' })).id
  await createNetwork(t, { slug: 'nantes' })
  operator = await createToken(t, 'larochelle', { role: 'operator', label: 'CSU' })
})
afterAll(async () => {
  await t?.close()
})

const names = async () => (await t.db.sql<{ name: string }[]>`select name from sectors where network_id = ${networkId} order by name`).map((r) => r.name)

describe('sectors', () => {
  it('imports a FeatureCollection, answers it as GeoJSON, and places a point in its sector', async () => {
    const res = await importSectors(t, 'larochelle', operator)
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.type).toBe('FeatureCollection')
    expect(body.features.map((f: { properties: { name: string } }) => f.properties.name)).toEqual(['Centre', 'Port'])
    expect(body.features[0].geometry.type).toBe('MultiPolygon')
    expect(body.features[0].properties.on_duty).toBe(0)
    expect((await sectorAt(t.db.sql, networkId, IN_A.lat, IN_A.lon))?.name).toBe('Centre')
    expect((await sectorAt(t.db.sql, networkId, IN_B.lat, IN_B.lon))?.name).toBe('Port')
    expect(await sectorAt(t.db.sql, networkId, OUTSIDE.lat, OUTSIDE.lon)).toBeNull()
    const got = await t.request('/v1/networks/larochelle/sectors', { token: operator })
    expect(got.status).toBe(200)
    expect((await got.json()).features).toHaveLength(2)
  })

  it('a re-import keeps a kept name’s id, redraws it, adds and drops the others', async () => {
    await importSectors(t, 'larochelle', operator)
    const [before] = await t.db.sql<{ id: string }[]>`select id from sectors where network_id = ${networkId} and name = 'Centre'`
    const res = await importSectors(t, 'larochelle', operator, collection(feature('Centre', SECTOR_B), feature('Gare', SECTOR_A)))
    expect(res.status).toBe(200)
    expect(await names()).toEqual(['Centre', 'Gare'])
    const [after] = await t.db.sql<{ id: string }[]>`select id from sectors where network_id = ${networkId} and name = 'Centre'`
    expect(after!.id).toBe(before!.id)
    expect((await sectorAt(t.db.sql, networkId, IN_B.lat, IN_B.lon))?.name).toBe('Centre')
    await importSectors(t, 'larochelle', operator)
  })

  const refusals: [string, unknown, number, string][] = [
    ['a feature without a name', collection(feature('Centre'), { type: 'Feature', properties: {}, geometry: SECTOR_B }), 422, 'sector_name_missing'],
    ['a blank name', collection(feature('  ', SECTOR_B)), 422, 'sector_name_missing'],
    ['the same name twice (any case)', collection(feature('Centre', SECTOR_A), feature('centre', SECTOR_B)), 422, 'duplicate_sector_name'],
    ['more than 200 sectors', collection(...Array.from({ length: 201 }, (_, i) => feature(`S${i}`))), 422, 'too_many_sectors'],
    [
      'a bow-tie polygon',
      collection(feature('Noeud', { type: 'Polygon', coordinates: [[[-1.17, 46.15], [-1.15, 46.17], [-1.15, 46.15], [-1.17, 46.17], [-1.17, 46.15]]] })),
      400,
      'invalid_area',
    ],
    ['an open ring', collection(feature('Ouvert', { type: 'Polygon', coordinates: [[[-1.17, 46.15], [-1.15, 46.15], [-1.15, 46.17], [-1.17, 46.17]]] })), 400, 'validation_failed'],
    ['a point instead of a polygon', collection(feature('Point', { type: 'Point', coordinates: [-1.16, 46.16] })), 400, 'validation_failed'],
    ['not a FeatureCollection', { type: 'Feature', properties: { name: 'x' }, geometry: SECTOR_A }, 400, 'validation_failed'],
    ['a continent-sized sector', collection(feature('Europe', { type: 'Polygon', coordinates: [[[-10, 35], [30, 35], [30, 60], [-10, 60], [-10, 35]]] })), 400, 'invalid_area'],
  ]
  for (const [what, body, status, code] of refusals) {
    it(`refuses ${what} (${status} ${code}) and writes nothing`, async () => {
      const res = await importSectors(t, 'larochelle', operator, body)
      expect(res.status).toBe(status)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      expect((await res.json()).code).toBe(code)
      expect(await names()).toEqual(['Centre', 'Port'])
    })
  }

  it('refuses to drop a sector a live token is scoped to (409), and lets it go once the token is revoked', async () => {
    const created = await t.request('/v1/networks/larochelle/tokens', { method: 'POST', token: operator, json: { role: 'mediator', label: 'Médiateur port', sectors: ['Port'] } })
    expect(created.status).toBe(201)
    const { id } = await created.json()
    const res = await importSectors(t, 'larochelle', operator, collection(feature('Centre')))
    expect(res.status).toBe(409)
    const problem = await res.json()
    expect(problem.code).toBe('sector_in_use')
    expect(problem.sectors).toEqual(['Port'])
    expect(await names()).toEqual(['Centre', 'Port'])
    expect((await t.request(`/v1/networks/larochelle/tokens/${id}`, { method: 'DELETE', token: operator })).status).toBe(204)
    expect((await importSectors(t, 'larochelle', operator, collection(feature('Centre')))).status).toBe(200)
    expect(await names()).toEqual(['Centre'])
    await importSectors(t, 'larochelle', operator)
  })

  it('who may import and read', async () => {
    const mediator = await createToken(t, 'larochelle', { role: 'mediator', label: 'Médiatrice' })
    const driver = await createToken(t, 'larochelle', { role: 'driver', label: 'Bus', vehicle: 'bus-1' })
    const stranger = await createToken(t, 'nantes', { role: 'operator', label: 'Nantes' })
    expect((await t.request('/v1/networks/larochelle/sectors')).status).toBe(401)
    expect((await t.request('/v1/networks/larochelle/sectors', { token: mediator })).status).toBe(200)
    expect((await t.request('/v1/networks/larochelle/sectors', { token: driver })).status).toBe(403)
    expect((await t.request('/v1/networks/larochelle/sectors', { token: stranger })).status).toBe(403)
    expect((await importSectors(t, 'larochelle', mediator)).status).toBe(403)
    expect((await importSectors(t, 'larochelle', stranger)).status).toBe(403)
    expect((await importSectors(t, 'larochelle', ADMIN_TOKEN)).status).toBe(200)
    expect((await importSectors(t, 'nowhere', ADMIN_TOKEN)).status).toBe(404)
  })
})

describe('field tokens', () => {
  it('a mediator or police token is scoped to sectors named or given by id; unknown ones are refused', async () => {
    const [port] = await t.db.sql<{ id: string }[]>`select id from sectors where network_id = ${networkId} and name = 'Port'`
    const res = await t.request('/v1/networks/larochelle/tokens', {
      method: 'POST',
      token: operator,
      json: { role: 'police', label: 'PM brigade 2', sectors: ['centre', port!.id] },
    })
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body.token).toMatch(/^halte_police_/)
    expect(body.sectors.sort()).toEqual(['Centre', 'Port'])
    const duty = await t.request('/v1/field/duty', { token: body.token })
    expect(await duty.json()).toMatchObject({ on: false, sectors: ['Centre', 'Port'] })
    const listed = (await (await t.request('/v1/networks/larochelle/tokens', { token: operator })).json()) as { tokens: { id: string; role: string; sectors?: string[] }[] }
    expect(listed.tokens.find((x) => x.id === body.id)!.sectors).toEqual(['Centre', 'Port'])
    expect(listed.tokens.find((x) => x.role === 'operator')!.sectors).toBeUndefined()

    const unknown = await t.request('/v1/networks/larochelle/tokens', { method: 'POST', token: operator, json: { role: 'mediator', label: 'M', sectors: ['Lune'] } })
    expect(unknown.status).toBe(422)
    expect((await unknown.json()).code).toBe('unknown_sector')
    const notField = await t.request('/v1/networks/larochelle/tokens', { method: 'POST', token: operator, json: { role: 'operator', label: 'O', sectors: ['Centre'] } })
    expect(notField.status).toBe(400)
    const [count] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from tokens where label in ('M', 'O')`
    expect(count!.n).toBe(0)
  })

  it('a field token cannot use the operators’ routes', async () => {
    const mediator = await createToken(t, 'larochelle', { role: 'mediator', label: 'Médiateur', sectors: ['Centre'] })
    expect((await t.request('/v1/networks/larochelle/alerts', { token: mediator })).status).toBe(403)
    expect((await t.request('/v1/networks/larochelle/alerts/stream', { token: mediator })).status).toBe(403)
    expect((await t.request('/v1/networks/larochelle/tokens', { token: mediator })).status).toBe(403)
    expect((await t.request('/v1/networks/larochelle/contacts', { token: mediator })).status).toBe(403)
  })
})
