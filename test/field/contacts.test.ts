import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { IN_A, IN_B, importSectors, OUTSIDE } from './fixtures.ts'

// "Personne rencontrée": a kind, a time, a sector. Nothing that names the person, and not
// the mediator's point either.

let now = new Date('2026-12-01T23:30:00+01:00')
const clock = { now: () => now }
let t: TestApp
let operator: string
let mediatorA: string
let mediatorAB: string
let police: string

const contact = (token: string, json: unknown) => t.request('/v1/field/contacts', { method: 'POST', token, json })

beforeAll(async () => {
  t = await testApp({ clock })
  await createNetwork(t, { slug: 'bordeaux' })
  await createNetwork(t, { slug: 'nantes' })
  operator = await createToken(t, 'bordeaux', { role: 'operator', label: 'Direction prévention' })
  expect((await importSectors(t, 'bordeaux', operator)).status).toBe(200)
  mediatorA = await createToken(t, 'bordeaux', { role: 'mediator', label: 'Médiatrice Centre', sectors: ['Centre'] }, operator)
  mediatorAB = await createToken(t, 'bordeaux', { role: 'mediator', label: 'Médiateur volant', sectors: ['Centre', 'Port'] }, operator)
  police = await createToken(t, 'bordeaux', { role: 'police', label: 'PM' }, operator)
})
afterAll(async () => {
  await t?.close()
})

describe('contacts', () => {
  it('two taps: a kind, and the sector comes from the point or the token’s only sector', async () => {
    const tap = await contact(mediatorA, { kind: 'conversation' })
    expect(tap.status).toBe(201)
    expect(await tap.json()).toMatchObject({ kind: 'conversation', sector: 'Centre', at: '2026-12-01T23:30:00+01:00' })
    expect((await (await contact(mediatorAB, { kind: 'orientation', lat: IN_B.lat, lon: IN_B.lon })).json()).sector).toBe('Port')
    // Several sectors and no point: counted, in no sector.
    expect((await (await contact(mediatorAB, { kind: 'assistance' })).json()).sector).toBeNull()
    // A point outside every sector, from a one-sector token: its sector.
    expect((await (await contact(mediatorA, { kind: 'other', lat: OUTSIDE.lat, lon: OUTSIDE.lon })).json()).sector).toBe('Centre')
    expect((await (await contact(police, { kind: 'conflict_mediation', lat: IN_A.lat, lon: IN_A.lon, at: '2026-12-01T20:00:00+01:00' })).json()).sector).toBe('Centre')
  })

  it('keeps no point, no name, no text: the table has no column for them', async () => {
    const columns = (await t.db.sql<{ column_name: string }[]>`
      select column_name from information_schema.columns where table_name = 'field_contacts' and table_schema = current_schema() order by ordinal_position`).map((c) => c.column_name)
    expect(columns).toEqual(['id', 'network_id', 'sector_id', 'sector_name', 'kind', 'at', 'token_id', 'created_at'])
    const [geo] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from information_schema.columns
      where table_name = 'field_contacts' and table_schema = current_schema() and udt_name in ('geometry', 'geography', 'float8', 'numeric', 'point')`
    expect(geo!.n).toBe(0)
    // Nothing sent beyond the listed fields is accepted either.
    const named = await contact(mediatorA, { kind: 'conversation', name: 'Jean Dupont' })
    expect(named.status).toBe(400)
  })

  const refusals: [string, unknown, number, string][] = [
    ['an unknown kind', { kind: 'arrest' }, 400, 'validation_failed'],
    ['no kind', {}, 400, 'validation_failed'],
    ['a latitude without longitude', { kind: 'conversation', lat: 44.8 }, 400, 'validation_failed'],
    ['a latitude out of range', { kind: 'conversation', lat: 95, lon: 0 }, 400, 'validation_failed'],
    ['a time in the future', { kind: 'conversation', at: '2026-12-02T01:00:00+01:00' }, 422, 'contact_time_out_of_range'],
    ['a time more than 7 days ago', { kind: 'conversation', at: '2026-11-20T20:00:00+01:00' }, 422, 'contact_time_out_of_range'],
    ['a time that is no time', { kind: 'conversation', at: 'hier soir' }, 400, 'validation_failed'],
  ]
  for (const [what, body, status, code] of refusals) {
    it(`refuses ${what} (${status} ${code}) and stores nothing`, async () => {
      const [before] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from field_contacts`
      const res = await contact(mediatorA, body)
      expect(res.status).toBe(status)
      expect((await res.json()).code).toBe(code)
      const [after] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from field_contacts`
      expect(after!.n).toBe(before!.n)
    })
  }

  it('only field tokens record contacts', async () => {
    expect((await contact(operator, { kind: 'conversation' })).status).toBe(403)
    expect((await t.request('/v1/field/contacts', { method: 'POST', json: { kind: 'conversation' } })).status).toBe(401)
  })

  it('operators count them by day (network time), sector and kind', async () => {
    // 00:30 in Bordeaux on 2 December is 23:30 UTC on 1 December: it counts for the 2nd.
    now = new Date('2026-12-02T00:30:00+01:00')
    expect((await contact(mediatorA, { kind: 'conversation' })).status).toBe(201)
    const res = await t.request('/v1/networks/bordeaux/contacts?from=2026-12-01&to=2026-12-02', { token: operator })
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.total).toBe(6)
    expect(body.counts).toEqual([
      { day: '2026-12-01', sector: 'Centre', kind: 'conflict_mediation', count: 1 },
      { day: '2026-12-01', sector: 'Centre', kind: 'conversation', count: 1 },
      { day: '2026-12-01', sector: 'Centre', kind: 'other', count: 1 },
      { day: '2026-12-01', sector: 'Port', kind: 'orientation', count: 1 },
      { day: '2026-12-01', sector: null, kind: 'assistance', count: 1 },
      { day: '2026-12-02', sector: 'Centre', kind: 'conversation', count: 1 },
    ])
    const one = await (await t.request('/v1/networks/bordeaux/contacts?from=2026-12-02&to=2026-12-02', { token: operator })).json()
    expect(one.total).toBe(1)
    // Default: the last 30 days up to today.
    expect((await (await t.request('/v1/networks/bordeaux/contacts', { token: operator })).json()).total).toBe(6)
  })

  it('counts survive a re-import that drops the sector', async () => {
    const res = await t.request('/v1/networks/bordeaux/sectors', {
      method: 'PUT',
      token: operator,
      json: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Centre' }, geometry: { type: 'Polygon', coordinates: [[[-1.17, 46.15], [-1.15, 46.15], [-1.15, 46.17], [-1.17, 46.17], [-1.17, 46.15]]] } }] },
    })
    // Port is still a live token's sector: the import is refused, counts untouched either way.
    expect(res.status).toBe(409)
    const body = await (await t.request('/v1/networks/bordeaux/contacts?from=2026-12-01&to=2026-12-02', { token: operator })).json()
    expect(body.counts.find((c: { sector: string }) => c.sector === 'Port')).toBeDefined()
  })

  it('refuses bad ranges and strangers', async () => {
    for (const q of ['from=2026-12-05&to=2026-12-01', 'from=2025-01-01&to=2026-12-01', 'from=2026-13-01', 'from=hier']) {
      const res = await t.request(`/v1/networks/bordeaux/contacts?${q}`, { token: operator })
      expect(res.status, q).toBe(400)
    }
    const stranger = await createToken(t, 'nantes', { role: 'operator', label: 'Nantes' })
    expect((await t.request('/v1/networks/bordeaux/contacts', { token: stranger })).status).toBe(403)
    expect((await t.request('/v1/networks/bordeaux/contacts', { token: mediatorA })).status).toBe(403)
  })
})
