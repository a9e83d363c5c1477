import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { besanconApplication } from '../helpers/places.ts'

// 2026-11-24 is a Tuesday. Fixed clock: the test must not depend on when it runs.
const NOW = new Date('2026-11-24T14:00:00+01:00')
let t: TestApp
let operator: string
let otherOperator: string

beforeAll(async () => {
  t = await testApp({ clock: { now: () => NOW } })
  await createNetwork(t, { slug: 'besancon' })
  await createNetwork(t, { slug: 'dole' })
  operator = await createToken(t, 'besancon', { role: 'operator', label: 'CSU' })
  otherOperator = await createToken(t, 'dole', { role: 'operator', label: 'CSU Dole' })
})
afterAll(() => t?.close())

const application = besanconApplication

async function apply(body = application()) {
  const res = await t.request('/v1/networks/besancon/applications', { method: 'POST', json: body })
  return { res, body: (await res.json()) as { id: string; partner_token: string; status: string; warnings: string[]; code?: string } }
}

const nearest = (q: string) =>
  t.request(`/v1/networks/besancon/places/nearest?lat=47.2380&lon=6.0240&${q}`).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { features: { properties: Record<string, unknown> }[]; emergency: Record<string, string> },
  }))

describe('search input', () => {
  it('refuses coordinates outside the served range and malformed parameters', async () => {
    for (const q of ['lat=89.9&lon=6', 'lat=abc&lon=6', 'lat=47&lon=181', 'lat=47&lon=6&limit=51', 'lat=47&lon=6&features=sauna', 'lat=47&lon=6&at=tomorrow', 'lon=6']) {
      const res = await t.request(`/v1/networks/besancon/places/nearest?${q}`)
      expect(res.status, q).toBe(400)
      expect(((await res.json()) as { code: string }).code, q).toBe('validation_failed')
    }
    expect((await t.request('/v1/networks/besancon/places?bbox=1,2,3')).status).toBe(400)
    expect((await t.request('/v1/networks/nowhere/places/nearest?lat=47&lon=6')).status).toBe(404)
  })
})

describe('partner application and moderation', () => {
  it('an application is pending, not served, and gets a partner token once', async () => {
    const { res, body } = await apply()
    expect(res.status).toBe(201)
    expect(body.status).toBe('pending')
    expect(body.partner_token).toMatch(/^halte_partner_/)
    const n = await nearest('open=false')
    expect(n.body.features.map((f) => f.properties.id)).not.toContain(body.id)
    expect((await t.request(`/v1/places/${body.id}`)).status).toBe(404)
    const mine = await t.request('/v1/partner/place', { token: body.partner_token })
    expect(mine.status).toBe(200)
    expect(((await mine.json()) as { properties: { status: string } }).properties.status).toBe('pending')
  })

  it('invalid opening hours → 400 invalid_opening_hours with the parser message, nothing stored', async () => {
    const before = await t.db.sql`select count(*)::int as n from places`
    const { res, body } = await apply(application({ opening_hours: 'Lundi au vendredi le matin' }))
    expect(res.status).toBe(400)
    expect(body.code).toBe('invalid_opening_hours')
    expect((body as unknown as { errors: { message: string }[] }).errors[0]!.message.length).toBeGreaterThan(5)
    const after = await t.db.sql`select count(*)::int as n from places`
    expect(after[0]!.n).toBe(before[0]!.n)
  })

  it('hours the library parses but cannot evaluate (school holidays in France) are refused too', async () => {
    const { res, body } = await apply(application({ opening_hours: 'Mo-Fr 09:00-18:00; SH off' }))
    expect(res.status).toBe(400)
    expect(body.code).toBe('invalid_opening_hours')
    expect((body as unknown as { errors: { message: string }[] }).errors[0]!.message).toMatch(/SH/)
  })

  it('hours accepted with warnings are stored and the warnings returned', async () => {
    const { res, body } = await apply(application({ opening_hours: 'Mo-Fr 9-17' }))
    expect(res.status).toBe(201)
    expect(body.warnings.length).toBeGreaterThan(0)
  })

  it('refuses a missing charter, bad coordinates, a bad phone, unknown features', async () => {
    for (const bad of [
      { charter_accepted: false },
      { location: { lat: 95, lon: 6 } },
      { location: { lat: 89.9, lon: 6 } },
      { phone: 'call me' },
      { features: ['jacuzzi'] },
      { email: 'not-an-email' },
    ]) {
      const { res, body } = await apply(application(bad))
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect(body.code).toBe('validation_failed')
    }
  })

  it('approval makes a place public and open-now aware; suspension hides it again', async () => {
    const { body } = await apply()
    const forbidden = await t.request(`/v1/networks/besancon/places/${body.id}/approve`, { method: 'POST', token: otherOperator })
    expect(forbidden.status).toBe(403)
    const byPartner = await t.request(`/v1/networks/besancon/places/${body.id}/approve`, { method: 'POST', token: body.partner_token })
    expect(byPartner.status).toBe(403)
    const ok = await t.request(`/v1/networks/besancon/places/${body.id}/approve`, { method: 'POST', token: operator })
    expect(ok.status).toBe(200)
    const approved = (await ok.json()) as { properties: { status: string; history: { to_status: string; actor_role: string }[] } }
    expect(approved.properties.status).toBe('active')
    expect(approved.properties.history.map((h) => h.to_status)).toEqual(['pending', 'active'])

    const n = await nearest('')
    const mine = n.body.features.find((f) => f.properties.id === body.id)
    expect(mine?.properties).toMatchObject({ open_now: true, open_until: '2026-11-24T19:00:00+01:00', next_open: null })
    expect(n.body.emergency).toEqual({ police: '17', eu: '112', sms: '114' })
    expect((await t.request(`/v1/places/${body.id}`)).status).toBe(200)

    const again = await t.request(`/v1/networks/besancon/places/${body.id}/approve`, { method: 'POST', token: operator })
    expect(again.status).toBe(409)

    const suspend = await t.request(`/v1/networks/besancon/places/${body.id}/suspend`, {
      method: 'POST',
      token: operator,
      json: { reason: 'test mystère échoué' },
    })
    expect(suspend.status).toBe(200)
    expect((await nearest('open=false')).body.features.map((f) => f.properties.id)).not.toContain(body.id)
    expect((await t.request(`/v1/places/${body.id}`)).status).toBe(404)
    const bbox = await t.request('/v1/networks/besancon/places?bbox=5.9,47.1,6.1,47.3')
    const ids = ((await bbox.json()) as { features: { properties: { id: string } }[] }).features.map((f) => f.properties.id)
    expect(ids).not.toContain(body.id)
  })

  it('a partner cannot touch another place, and a closure closes the place', async () => {
    const a = (await apply(application({ name: 'A' }))).body
    const b = (await apply(application({ name: 'B', location: { lat: 47.2391, lon: 6.0251 } }))).body
    for (const id of [a.id, b.id]) {
      expect((await t.request(`/v1/networks/besancon/places/${id}/approve`, { method: 'POST', token: operator })).status).toBe(200)
    }
    // A's token only ever reaches A.
    const patch = await t.request('/v1/partner/place', { method: 'PATCH', token: a.partner_token, json: { name: 'A renamed' } })
    // A rename of an approved place waits for an operator (see moderation.test.ts).
    expect(patch.status).toBe(202)
    expect(((await (await t.request(`/v1/places/${b.id}`)).json()) as { properties: { name: string } }).properties.name).toBe('B')
    const approveB = await t.request(`/v1/networks/besancon/places/${b.id}/suspend`, { method: 'POST', token: a.partner_token })
    expect(approveB.status).toBe(403)

    const closure = await t.request('/v1/partner/closures', {
      method: 'POST',
      token: b.partner_token,
      json: { from: '2026-11-24T13:00:00+01:00', to: '2026-11-24T16:00:00+01:00', reason: 'inventaire' },
    })
    expect(closure.status).toBe(201)
    const n = await nearest('open=false&limit=50')
    const bNow = n.body.features.find((f) => f.properties.id === b.id)
    expect(bNow?.properties).toMatchObject({ open_now: false, next_open: '2026-11-24T16:00:00+01:00' })
    const openOnly = await nearest('limit=50')
    expect(openOnly.body.features.map((f) => f.properties.id)).not.toContain(b.id)

    const past = await t.request('/v1/partner/closures', {
      method: 'POST',
      token: b.partner_token,
      json: { from: '2026-11-20T13:00:00+01:00', to: '2026-11-21T16:00:00+01:00' },
    })
    expect(past.status).toBe(422)
    expect(((await past.json()) as { code: string }).code).toBe('closure_in_past')
  })
})

describe('network area and staff training', () => {
  it('refuses an application outside the network area (422), accepts one inside', async () => {
    const square = (lat: number, lon: number, d: number) => ({
      type: 'MultiPolygon',
      coordinates: [[[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]]],
    })
    const set = await t.request('/v1/networks/besancon', { method: 'PATCH', token: operator, json: { area: square(47.25, 6, 0.125) } })
    expect(set.status).toBe(200)
    expect(((await set.json()) as { area: unknown }).area).toEqual(square(47.25, 6, 0.125))
    const outside = await apply(application({ location: { lat: 47.5, lon: 6.5 } }))
    expect(outside.res.status).toBe(422)
    expect(outside.body.code).toBe('outside_network_area')
    expect((await apply()).res.status).toBe(201)
    await t.request('/v1/networks/besancon', { method: 'PATCH', token: operator, json: { area: null } })
    expect((await apply(application({ location: { lat: 47.5, lon: 6.5 } }))).res.status).toBe(201)
  })

  it('lists active places whose training is missing or older than the validity, for operators only', async () => {
    const fresh = (await apply(application({ name: 'Formé', training_date: '2026-01-10' }))).body
    const old = (await apply(application({ name: 'Ancien', training_date: '2024-06-01' }))).body
    const never = (await apply(application({ name: 'Jamais' }))).body
    for (const p of [fresh, old, never]) {
      await t.request(`/v1/networks/besancon/places/${p.id}/approve`, { method: 'POST', token: operator })
    }
    const res = await t.request('/v1/networks/besancon/places/renewals', { token: operator })
    expect(res.status).toBe(200)
    const due = (await res.json()) as { features: { properties: { id: string; renewal_due: string | null } }[] }
    const ids = due.features.map((f) => f.properties.id)
    expect(ids).toContain(old.id)
    expect(ids).toContain(never.id)
    expect(ids).not.toContain(fresh.id)
    expect(due.features.find((f) => f.properties.id === old.id)!.properties.renewal_due).toBe('2026-06-01')
    // The partner renews: the place leaves the list.
    const renewed = await t.request('/v1/partner/place', { method: 'PATCH', token: old.partner_token, json: { training_date: '2026-11-20', trained_staff: 3 } })
    expect(renewed.status).toBe(200)
    const after = (await (await t.request('/v1/networks/besancon/places/renewals', { token: operator })).json()) as typeof due
    expect(after.features.map((f) => f.properties.id)).not.toContain(old.id)
    expect((await t.request('/v1/networks/besancon/places/renewals', { token: otherOperator })).status).toBe(403)
    expect((await t.request('/v1/networks/besancon/places/renewals')).status).toBe(401)
  })

  it('a partner changes its hours: refused when unreadable, served at once when valid', async () => {
    const { body } = await apply(application({ name: 'Horaires', opening_hours: 'Mo-Sa 10:00-19:00' }))
    await t.request(`/v1/networks/besancon/places/${body.id}/approve`, { method: 'POST', token: operator })
    const bad = await t.request('/v1/partner/place', { method: 'PATCH', token: body.partner_token, json: { opening_hours: 'tous les jours' } })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { code: string }).code).toBe('invalid_opening_hours')
    const ok = await t.request('/v1/partner/place', { method: 'PATCH', token: body.partner_token, json: { opening_hours: 'Mo-Su 16:00-02:00' } })
    expect(ok.status).toBe(200)
    const n = await nearest('open=false&limit=50')
    expect(n.body.features.find((f) => f.properties.id === body.id)?.properties).toMatchObject({
      open_now: false,
      next_open: '2026-11-24T16:00:00+01:00',
    })
    const withdraw = await t.request('/v1/partner/place/withdraw', { method: 'POST', token: body.partner_token })
    expect(withdraw.status).toBe(200)
    expect((await nearest('open=false&limit=50')).body.features.map((f) => f.properties.id)).not.toContain(body.id)
  })
})
