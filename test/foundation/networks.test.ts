import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await testApp()
})
afterAll(() => t?.close())

const zone = {
  type: 'MultiPolygon',
  coordinates: [
    [
      [
        [7.33, 47.74],
        [7.34, 47.74],
        [7.34, 47.75],
        [7.33, 47.74],
      ],
    ],
  ],
}

describe('networks', () => {
  it('creates a network with defaults, readable by anyone', async () => {
    const created = await createNetwork(t, {
      slug: 'mulhouse',
      region_code: 'FR-68',
      sms_number: '+33700000001',
      dropoff: { hours: 'Mo-Su 21:00-06:00', route_ids: ['3', '4'], excluded_zones: zone },
    })
    const res = await t.request('/v1/networks/mulhouse')
    expect(res.status).toBe(200)
    const n = (await res.json()) as Record<string, unknown> & { dropoff: Record<string, unknown> }
    expect(n).toMatchObject({
      id: created.id,
      slug: 'mulhouse',
      country_code: 'FR',
      alert_radius_m: 500,
      retention_days: 15,
      training_valid_months: 24,
      search_radius_m: 5000,
    })
    expect(n.dropoff).toMatchObject({ hours: 'Mo-Su 21:00-06:00', max_offset_m: 30, min_ahead_m: 150, route_ids: ['3', '4'] })
    expect(n.dropoff.excluded_zones).toEqual(zone)
    expect(n.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/)
  })

  it('refuses a second network with the same slug or SMS number (409)', async () => {
    await createNetwork(t, { slug: 'besancon', sms_number: '+33700000002' })
    const again = await t.request('/v1/networks', {
      method: 'POST',
      token: ADMIN_TOKEN,
      json: { slug: 'besancon', name: 'B', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR' },
    })
    expect(again.status).toBe(409)
    expect(((await again.json()) as { code: string }).code).toBe('network_exists')
    const sms = await t.request('/v1/networks', {
      method: 'POST',
      token: ADMIN_TOKEN,
      json: { slug: 'autre', name: 'A', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR', sms_number: '+33700000002' },
    })
    expect(sms.status).toBe(409)
    expect(((await sms.json()) as { code: string }).code).toBe('sms_number_taken')
  })

  it('refuses unreadable drop-off hours with the parser message, and stores nothing', async () => {
    const res = await t.request('/v1/networks', {
      method: 'POST',
      token: ADMIN_TOKEN,
      json: {
        slug: 'reunion',
        name: 'Car Jaune',
        timezone: 'Indian/Reunion',
        locale: 'fr',
        country_code: 'FR',
        dropoff: { hours: 'tous les soirs' },
      },
    })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { code: string; detail: string; errors: { path: string; message: string }[] }
    expect(body.code).toBe('invalid_opening_hours')
    expect(body.errors[0]!.path).toBe('dropoff.hours')
    expect(body.errors[0]!.message).toContain('<---')
    expect((await t.request('/v1/networks/reunion')).status).toBe(404)
  })

  it('patches some fields and keeps the others; an operator clears excluded zones', async () => {
    await createNetwork(t, { slug: 'dijon', dropoff: { hours: 'Mo-Su 20:00-05:00', excluded_zones: zone } })
    const op = await createToken(t, 'dijon', { role: 'operator', label: 'CSU' })
    const res = await t.request('/v1/networks/dijon', {
      method: 'PATCH',
      token: op,
      json: { alert_radius_m: 800, dropoff: { min_ahead_m: 200, excluded_zones: null } },
    })
    expect(res.status).toBe(200)
    const n = (await res.json()) as { alert_radius_m: number; name: string; dropoff: Record<string, unknown> }
    expect(n.alert_radius_m).toBe(800)
    expect(n.name).toBe('Réseau de test')
    expect(n.dropoff).toMatchObject({ hours: 'Mo-Su 20:00-05:00', min_ahead_m: 200, excluded_zones: null })
  })

  it('refuses unknown fields and a changed slug', async () => {
    await createNetwork(t, { slug: 'metz' })
    const res = await t.request('/v1/networks/metz', { method: 'PATCH', token: ADMIN_TOKEN, json: { slug: 'nancy' } })
    expect(res.status).toBe(400)
    expect((await t.request('/v1/networks/nancy')).status).toBe(404)
  })

  it('refuses an open polygon ring', async () => {
    const open = { type: 'MultiPolygon', coordinates: [[[[7.33, 47.74], [7.34, 47.74], [7.34, 47.75], [7.35, 47.76]]]] }
    const res = await t.request('/v1/networks', {
      method: 'POST',
      token: ADMIN_TOKEN,
      json: { slug: 'lille', name: 'L', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR', dropoff: { excluded_zones: open } },
    })
    expect(res.status).toBe(400)
  })

  it('PATCH on an unknown network is a 404', async () => {
    const res = await t.request('/v1/networks/nowhere', { method: 'PATCH', token: ADMIN_TOKEN, json: { name: 'x' } })
    expect(res.status).toBe(404)
  })
})
