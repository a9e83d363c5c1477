import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// A partner's change to what a frightened person relies on (the name on the door, the
// number they call, where the place is) waits for an operator; what keeps a place
// honest about tonight (hours, closures) does not.

// 2026-11-24 is a Tuesday, 14:00 in Besançon.
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

type Props = Record<string, unknown> & { id: string; name: string; phone: string | null }
type Feature = { geometry: { coordinates: [number, number] }; properties: Props }

// Each place gets its own spot, so one test's places never crowd another's searches.
let spot = 0
async function activePlace(overrides: Record<string, unknown> = {}) {
  spot++
  const location = { lat: 47.2 + spot * 0.01, lon: 6.0 }
  const res = await t.request('/v1/networks/besancon/applications', {
    method: 'POST',
    json: {
      name: 'Le Refuge',
      kind: 'bar',
      address: '1 place de la Révolution, Besançon',
      location,
      opening_hours: 'Mo-Sa 10:00-19:00',
      phone: '+33 3 81 00 00 00',
      contact_name: 'Camille',
      charter_accepted: true,
      ...overrides,
    },
  })
  expect(res.status).toBe(201)
  const { id, partner_token: token } = (await res.json()) as { id: string; partner_token: string }
  expect((await t.request(`/v1/networks/besancon/places/${id}/approve`, { method: 'POST', token: operator })).status).toBe(200)
  return { id, token, location }
}

const patch = (token: string, json: Record<string, unknown>) => t.request('/v1/partner/place', { method: 'PATCH', token, json })

async function nearestTo(location: { lat: number; lon: number }, id: string) {
  const res = await t.request(`/v1/networks/besancon/places/nearest?lat=${location.lat}&lon=${location.lon}&open=false&limit=50`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { features: Feature[] }).features.find((f) => f.properties.id === id)
}

async function inBbox(location: { lat: number; lon: number }, id: string) {
  const { lat, lon } = location
  const res = await t.request(`/v1/networks/besancon/places?bbox=${lon - 0.05},${lat - 0.05},${lon + 0.05},${lat + 0.05}`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { features: Feature[] }).features.find((f) => f.properties.id === id)
}

const publicPlace = async (id: string) => (await (await t.request(`/v1/places/${id}`)).json()) as Feature
const partnerView = async (token: string) => (await (await t.request('/v1/partner/place', { token })).json()) as Feature

async function servedEverywhere(place: { id: string; location: { lat: number; lon: number } }) {
  return [await nearestTo(place.location, place.id), await inBbox(place.location, place.id), await publicPlace(place.id)]
}

describe('changes to what the public is shown', () => {
  it('an active place renamed, rephoned and moved keeps serving the old values until an operator approves', async () => {
    const place = await activePlace()
    const moved = { lat: place.location.lat + 0.001, lon: place.location.lon + 0.001 }
    const res = await patch(place.token, { name: 'Chez Paulo', phone: '06 12 34 56 78', location: moved })
    expect(res.status).toBe(202)
    const answer = (await res.json()) as Feature
    expect(answer.properties.name).toBe('Le Refuge')
    expect(answer.properties.pending_change).toMatchObject({
      name: 'Chez Paulo',
      phone: '06 12 34 56 78',
      location: moved,
      submitted_at: expect.any(String),
    })

    for (const served of await servedEverywhere(place)) {
      expect(served?.properties).toMatchObject({ name: 'Le Refuge', phone: '+33 3 81 00 00 00' })
      expect(served?.geometry.coordinates[1]).toBeCloseTo(place.location.lat, 6)
      expect(served?.properties.pending_change).toBeUndefined()
    }
    expect((await partnerView(place.token)).properties.pending_change).toMatchObject({ name: 'Chez Paulo' })

    // The operator's queue shows it, as served now and as asked.
    const queue = await t.request('/v1/networks/besancon/places/changes', { token: operator })
    expect(queue.status).toBe(200)
    const queued = ((await queue.json()) as { features: Feature[] }).features.find((f) => f.properties.id === place.id)
    expect(queued?.properties.name).toBe('Le Refuge')
    const pending = queued?.properties.pending_change as { id: string; name: string }
    expect(pending.name).toBe('Chez Paulo')
    expect((await t.request('/v1/networks/besancon/places/changes', { token: otherOperator })).status).toBe(403)
    expect((await t.request('/v1/networks/besancon/places/changes', { token: place.token })).status).toBe(403)

    const approve = await t.request(`/v1/networks/besancon/places/${place.id}/changes/approve`, {
      method: 'POST',
      token: operator,
      json: { change_id: pending.id },
    })
    expect(approve.status).toBe(200)
    const approved = (await approve.json()) as Feature
    expect(approved.properties).toMatchObject({ name: 'Chez Paulo', pending_change: null, last_change: { status: 'approved' } })

    const newPlace = { id: place.id, location: moved }
    for (const served of await servedEverywhere(newPlace)) {
      expect(served?.properties).toMatchObject({ name: 'Chez Paulo', phone: '06 12 34 56 78' })
      expect(served?.geometry.coordinates[1]).toBeCloseTo(moved.lat, 6)
      expect(served?.geometry.coordinates[0]).toBeCloseTo(moved.lon, 6)
    }
    // Still open now and found where it moved to: the open periods follow the place.
    expect((await nearestTo(moved, place.id))?.properties).toMatchObject({ open_now: true, distance_m: 0 })
    const after = ((await (await t.request('/v1/networks/besancon/places/changes', { token: operator })).json()) as { features: Feature[] })
    expect(after.features.map((f) => f.properties.id)).not.toContain(place.id)

    // Who asked, who decided and when is kept.
    const audit = await t.db.sql`select status, decided_role, decided_by is not null as by_token, decided_at from place_changes where place_id = ${place.id}`
    expect(audit).toEqual([{ status: 'approved', decided_role: 'operator', by_token: true, decided_at: expect.any(Date) }])
  })

  it('a rejected change leaves the old values served, and the partner sees why', async () => {
    const place = await activePlace({ name: 'Pharmacie du Centre' })
    expect((await patch(place.token, { name: 'Pharmacie 24h/24', phone: '+33 3 81 99 99 99' })).status).toBe(202)
    const reject = await t.request(`/v1/networks/besancon/places/${place.id}/changes/reject`, {
      method: 'POST',
      token: operator,
      json: { reason: 'Le lieu n’est pas ouvert la nuit : nom trompeur.' },
    })
    expect(reject.status).toBe(200)
    for (const served of await servedEverywhere(place)) {
      expect(served?.properties).toMatchObject({ name: 'Pharmacie du Centre', phone: '+33 3 81 00 00 00' })
    }
    const mine = await partnerView(place.token)
    expect(mine.properties.pending_change).toBeNull()
    expect(mine.properties.last_change).toMatchObject({
      status: 'rejected',
      name: 'Pharmacie 24h/24',
      reason: 'Le lieu n’est pas ouvert la nuit : nom trompeur.',
      decided_at: expect.any(String),
    })
    // Nothing left to decide.
    const again = await t.request(`/v1/networks/besancon/places/${place.id}/changes/approve`, { method: 'POST', token: operator })
    expect(again.status).toBe(409)
  })

  it("another network's operator cannot decide on the change (403), and it stays pending", async () => {
    const place = await activePlace()
    expect((await patch(place.token, { name: 'Autre nom' })).status).toBe(202)
    for (const decision of ['approve', 'reject']) {
      const res = await t.request(`/v1/networks/besancon/places/${place.id}/changes/${decision}`, { method: 'POST', token: otherOperator })
      expect(res.status).toBe(403)
      // Nor through its own network's address.
      const sideways = await t.request(`/v1/networks/dole/places/${place.id}/changes/${decision}`, { method: 'POST', token: otherOperator })
      expect(sideways.status).toBe(404)
      const byPartner = await t.request(`/v1/networks/besancon/places/${place.id}/changes/${decision}`, { method: 'POST', token: place.token })
      expect(byPartner.status).toBe(403)
    }
    expect((await publicPlace(place.id)).properties.name).toBe('Le Refuge')
    expect((await partnerView(place.token)).properties.pending_change).toMatchObject({ name: 'Autre nom' })
  })

  it('a later edit joins the waiting change; an approval of what the operator did not read is refused', async () => {
    const place = await activePlace()
    await patch(place.token, { name: 'Premier nom' })
    const first = (await partnerView(place.token)).properties.pending_change as { id: string }
    const second = (await (await patch(place.token, { address: '2 rue Battant, Besançon' })).json()) as Feature
    expect(second.properties.pending_change).toMatchObject({ name: 'Premier nom', address: '2 rue Battant, Besançon' })
    const stale = await t.request(`/v1/networks/besancon/places/${place.id}/changes/approve`, {
      method: 'POST',
      token: operator,
      json: { change_id: first.id },
    })
    expect(stale.status).toBe(409)
    expect((await publicPlace(place.id)).properties.name).toBe('Le Refuge')
    // Setting everything back to what is served withdraws the request.
    const back = await patch(place.token, { name: 'Le Refuge', address: '1 place de la Révolution, Besançon' })
    expect(back.status).toBe(200)
    expect(((await back.json()) as Feature).properties.pending_change).toBeNull()
  })

  it('a pending place (never approved) edits freely: it is read whole at approval', async () => {
    const res = await t.request('/v1/networks/besancon/applications', {
      method: 'POST',
      json: {
        name: 'Brouillon',
        kind: 'cafe',
        address: '3 rue des Granges, Besançon',
        location: { lat: 47.1, lon: 6.1 },
        opening_hours: 'Mo-Su 08:00-20:00',
        contact_name: 'Lou',
        charter_accepted: true,
      },
    })
    const { partner_token: token } = (await res.json()) as { partner_token: string }
    const edit = await patch(token, { name: 'Le Café des Granges' })
    expect(edit.status).toBe(200)
    expect(((await edit.json()) as Feature).properties).toMatchObject({ name: 'Le Café des Granges', pending_change: null })
  })

  it('a suspended place records its hours at once, but its name still waits for an operator', async () => {
    const place = await activePlace()
    await t.request(`/v1/networks/besancon/places/${place.id}/suspend`, { method: 'POST', token: operator, json: { reason: 'formation échue' } })
    expect((await patch(place.token, { training_date: '2026-11-20', opening_hours: 'Mo-Su 09:00-21:00' })).status).toBe(200)
    expect((await patch(place.token, { name: 'Nouveau nom' })).status).toBe(202)
    await t.request(`/v1/networks/besancon/places/${place.id}/approve`, { method: 'POST', token: operator })
    const served = await publicPlace(place.id)
    expect(served.properties).toMatchObject({ name: 'Le Refuge', opening_hours: 'Mo-Su 09:00-21:00' })
  })
})

describe('what stays immediate', () => {
  it('hours and features are served at once while a rename waits; a closure closes the place at once', async () => {
    const place = await activePlace()
    const res = await patch(place.token, { name: 'Le Refuge de nuit', opening_hours: 'Mo-Su 16:00-02:00', features: ['toilets'] })
    expect(res.status).toBe(202)
    expect(await nearestTo(place.location, place.id)).toMatchObject({
      properties: { name: 'Le Refuge', features: ['toilets'], open_now: false, next_open: '2026-11-24T16:00:00+01:00' },
    })

    // Hours alone never wait, even with a change pending.
    const hours = await patch(place.token, { opening_hours: 'Mo-Su 12:00-02:00' })
    expect(hours.status).toBe(200)
    expect(((await hours.json()) as Feature).properties.pending_change).toMatchObject({ name: 'Le Refuge de nuit' })
    expect((await nearestTo(place.location, place.id))?.properties).toMatchObject({ open_now: true, open_until: '2026-11-25T02:00:00+01:00' })

    const closure = await t.request('/v1/partner/closures', {
      method: 'POST',
      token: place.token,
      json: { from: '2026-11-24T13:00:00+01:00', to: '2026-11-25T09:00:00+01:00', reason: 'fermé ce soir' },
    })
    expect(closure.status).toBe(201)
    expect((await nearestTo(place.location, place.id))?.properties).toMatchObject({ name: 'Le Refuge', open_now: false })
  })
})

describe('refused and departed partners', () => {
  const subscription = {
    endpoint: 'https://push.example.org/send/abc',
    keys: { p256dh: Buffer.alloc(65, 4).toString('base64url'), auth: Buffer.alloc(16, 7).toString('base64url') },
  }

  async function application() {
    const res = await t.request('/v1/networks/besancon/applications', {
      method: 'POST',
      json: {
        name: 'Candidat',
        kind: 'shop',
        address: '4 rue Pasteur, Besançon',
        location: { lat: 47.05, lon: 6.05 },
        opening_hours: 'Mo-Sa 09:00-19:00',
        contact_name: 'Sam',
        charter_accepted: true,
      },
    })
    return (await res.json()) as { id: string; partner_token: string }
  }

  async function expectNoWrites(token: string) {
    const writes = [
      patch(token, { name: 'Toujours là' }),
      patch(token, { opening_hours: 'Mo-Su 00:00-24:00' }),
      t.request('/v1/partner/closures', {
        method: 'POST',
        token,
        json: { from: '2026-11-25T13:00:00+01:00', to: '2026-11-25T16:00:00+01:00' },
      }),
      t.request(`/v1/partner/closures/${crypto.randomUUID()}`, { method: 'DELETE', token }),
      t.request('/v1/partner/push-subscriptions', { method: 'POST', token, json: subscription }),
    ]
    for (const res of await Promise.all(writes)) {
      expect(res.status, res.url).toBe(403)
      expect(((await res.json()) as { code: string }).code).toBe('place_not_editable')
    }
    // It still reads its own place, to see where it stands.
    expect((await t.request('/v1/partner/place', { token })).status).toBe(200)
  }

  it('a rejected application’s token can change nothing', async () => {
    const a = await application()
    expect((await t.request(`/v1/networks/besancon/places/${a.id}/reject`, { method: 'POST', token: operator })).status).toBe(200)
    await expectNoWrites(a.partner_token)
    const stored = await t.db.sql`select name, opening_hours from places where id = ${a.id}`
    expect(stored[0]).toEqual({ name: 'Candidat', opening_hours: 'Mo-Sa 09:00-19:00' })
    expect((await t.db.sql`select count(*)::int as n from place_closures where place_id = ${a.id}`)[0]!.n).toBe(0)
    expect((await t.db.sql`select count(*)::int as n from push_subscriptions where place_id = ${a.id}`)[0]!.n).toBe(0)
  })

  it('a withdrawn place’s token can change nothing', async () => {
    const place = await activePlace()
    expect((await t.request('/v1/partner/place/withdraw', { method: 'POST', token: place.token })).status).toBe(200)
    await expectNoWrites(place.token)
  })
})

describe('phone numbers', () => {
  it('refuses premium-rate numbers for a refuge, on application and on edit', async () => {
    for (const phone of ['08 99 12 34 56', '+33 8 92 12 34 56', '0033 (0)8 97 00 00 00', '118 218']) {
      const res = await t.request('/v1/networks/besancon/applications', {
        method: 'POST',
        json: {
          name: 'Surtaxe',
          kind: 'bar',
          address: '5 rue Claude Pouillet, Besançon',
          location: { lat: 47.24, lon: 6.02 },
          opening_hours: 'Mo-Sa 09:00-19:00',
          phone,
          contact_name: 'X',
          charter_accepted: true,
        },
      })
      expect(res.status, phone).toBe(400)
      expect(((await res.json()) as { code: string }).code).toBe('validation_failed')
    }
    const place = await activePlace()
    expect((await patch(place.token, { phone: '0899 123 456' })).status).toBe(400)
    // Free (08 00) and ordinary numbers are fine.
    expect((await patch(place.token, { phone: '0 800 05 95 95' })).status).toBe(202)
  })
})
