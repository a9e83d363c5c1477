import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { publicFeature } from '../../src/places/present.ts'
import { findPlace } from '../../src/places/queries.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { besanconApplication } from '../helpers/places.ts'

// The map's box is built by the database as one JSON text (publicFeaturesInBbox); each
// feature must be exactly what publicFeature says of the same place everywhere else.
const NOW = new Date('2026-11-24T14:00:00+01:00')
let t: TestApp
let operator: string
const partnerTokens = new Map<string, string>()

beforeAll(async () => {
  t = await testApp({ clock: { now: () => NOW } })
  await createNetwork(t, { slug: 'besancon' })
  operator = await createToken(t, 'besancon', { role: 'operator', label: 'CSU' })
})
afterAll(() => t?.close())

async function activePlace(overrides: Record<string, unknown>) {
  const body = besanconApplication(overrides)
  const res = await t.request('/v1/networks/besancon/applications', { method: 'POST', json: body })
  expect(res.status).toBe(201)
  const { id, partner_token } = (await res.json()) as { id: string; partner_token: string }
  partnerTokens.set(id, partner_token)
  expect((await t.request(`/v1/networks/besancon/places/${id}/approve`, { method: 'POST', token: operator })).status).toBe(200)
  return id
}

describe('GET /v1/networks/{slug}/places?bbox=', () => {
  it('gives each place in the box as publicFeature does, and nothing private', async () => {
    const ids = [
      await activePlace({ name: 'Café « Chez Zoé »', phone: '+33381000000', features: ['toilets', 'step_free'], location: { lat: 47.23812345, lon: 6.02456789 } }),
      await activePlace({ name: 'Pharmacie', kind: 'pharmacy', features: [], location: { lat: 47.2401, lon: 6.0212 } }),
      // Event mode: open for one night only, and saying so.
      await activePlace({ name: 'Festival', valid_from: '2026-11-24T10:00:00+01:00', valid_until: '2026-11-25T02:00:00+01:00', location: { lat: 47.2371, lon: 6.0263 } }),
    ]
    const res = await t.request('/v1/networks/besancon/places?bbox=6.0,47.2,6.1,47.3')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const body = (await res.json()) as { type: string; features: { properties: { id: string } }[] }
    expect(body.type).toBe('FeatureCollection')
    expect(body.features.map((f) => f.properties.id).sort()).toEqual([...ids].sort())
    for (const f of body.features) expect(f).toEqual(publicFeature((await findPlace(t.db.sql, f.properties.id))!))
    const text = JSON.stringify(body)
    for (const secret of ['Camille', 'contact_name', 'email', 'training_date', 'hours_warnings']) expect(text).not.toContain(secret)
  })

  it('shows a partner’s new hours at once, and a new name only once an operator approves it', async () => {
    const id = await activePlace({ name: 'Le Quai', location: { lat: 47.2455, lon: 6.0301 } })
    const partner = partnerTokens.get(id)!
    const inBox = async () => {
      const res = await t.request('/v1/networks/besancon/places?bbox=6.02,47.24,6.04,47.25')
      const { features } = (await res.json()) as { features: { properties: Record<string, unknown> }[] }
      return features.find((f) => f.properties.id === id)!
    }
    const hours = await t.request('/v1/partner/place', { method: 'PATCH', token: partner, json: { opening_hours: 'Mo-Su 18:00-02:00', features: ['toilets'] } })
    expect(hours.status).toBe(200)
    expect((await inBox()).properties).toMatchObject({ opening_hours: 'Mo-Su 18:00-02:00', features: ['toilets'], name: 'Le Quai' })

    const rename = await t.request('/v1/partner/place', { method: 'PATCH', token: partner, json: { name: 'Chez Paulo' } })
    expect(rename.status).toBe(202)
    expect((await inBox()).properties.name).toBe('Le Quai')
    const change = ((await rename.json()) as { properties: { pending_change: { id: string } } }).properties.pending_change
    const approve = await t.request(`/v1/networks/besancon/places/${id}/changes/approve`, { method: 'POST', token: operator, json: { change_id: change.id } })
    expect(approve.status).toBe(200)
    const shown = await inBox()
    expect(shown.properties.name).toBe('Chez Paulo')
    expect(shown).toEqual(publicFeature((await findPlace(t.db.sql, id))!))
  })

  it('answers an empty collection for a box with no place', async () => {
    const res = await t.request('/v1/networks/besancon/places?bbox=1,45,1.1,45.1')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ type: 'FeatureCollection', features: [] })
  })
})
