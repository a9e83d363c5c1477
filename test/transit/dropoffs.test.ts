import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { calendarFeed, LAT, uploadFeed } from './feed.ts'

// 21:00 UTC = 22:00 in Paris, inside the network's 21:00–06:00 window.
const clock = { now: () => new Date('2026-11-20T21:00:00Z') }
let t: TestApp
let slug: string

const zone = (lon: number) => ({
  type: 'MultiPolygon',
  coordinates: [[[[lon - 0.001, LAT - 0.001], [lon + 0.001, LAT - 0.001], [lon + 0.001, LAT + 0.001], [lon - 0.001, LAT + 0.001], [lon - 0.001, LAT - 0.001]]]],
})

async function networkWithFeed(overrides: Record<string, unknown> = {}) {
  const n = await createNetwork(t, { region_code: 'FR-68', dropoff: { hours: 'Mo-Su 21:00-06:00', excluded_zones: zone(7.333) }, ...overrides })
  await uploadFeed(t, n.slug, calendarFeed())
  return n.slug
}

beforeAll(async () => {
  t = await testApp({ clock })
  slug = await networkWithFeed()
})
afterAll(() => t?.close())

const ask = (body: Record<string, unknown>, to = slug, headers: Record<string, string> = {}) =>
  t.request(`/v1/networks/${to}/dropoffs`, { method: 'POST', json: body, headers })
const at = (lon: number, dLat = 0) => ({ lat: LAT + dLat, lon })

async function expectRefusal(body: Record<string, unknown>, code: string, to = slug) {
  const res = await ask(body, to)
  const p = (await res.json()) as { code: string; detail: string; message: string }
  expect(res.status, JSON.stringify(p)).toBe(422)
  expect(p.code).toBe(code)
  expect(p.message.length).toBeGreaterThan(10)
  return p
}

async function driver(vehicle: string, to = slug) {
  return createToken(t, to, { role: 'driver', label: vehicle, vehicle })
}
const report = (token: string, body: Record<string, unknown>) => t.request('/v1/driver/position', { method: 'POST', token, json: body })

describe('rider requests', () => {
  it('accepts a point between two stops, snapped, with the stops around it', async () => {
    const res = await ask({ trip_id: 'TR1', location: at(7.315, 0.0001), rider_position: at(7.3) })
    const body = (await res.json()) as Record<string, unknown>
    expect(res.status, JSON.stringify(body)).toBe(201)
    expect(body).toMatchObject({ status: 'pending', after_stop: { id: 'S2', name: 'Arrêt 2, rue Test' }, before_stop: { id: 'S3' } })
    expect(body.offset_m as number).toBeGreaterThan(9)
    expect(body.offset_m as number).toBeLessThan(13)
    expect((body.snapped as { lat: number }).lat).toBeCloseTo(LAT, 5)
    expect(Math.abs((body.distance_along_m as number) - 1124)).toBeLessThan(10)
    expect(Math.abs((body.after_stop_m as number) - 375)).toBeLessThan(10)
    expect(body.text).toMatch(/^Entre Arrêt 2, rue Test et Arrêt 3, rue Test, 37\d m après/)
    expect(body.created_at).toBe('2026-11-20T22:00:00+01:00')
    // Only the snapped point is kept, never what the rider sent.
    const [row] = await t.db.sql`select st_y(snapped::geometry) as lat from dropoffs where id = ${body.id as string}`
    expect(row!.lat).toBeCloseTo(LAT, 5)
  })

  it('refuses a point 200 m off the line', async () => {
    const p = await expectRefusal({ trip_id: 'TR1', location: at(7.315, 0.0018) }, 'off_route')
    expect(p.detail).toMatch(/à (199|20\d) m du trajet/)
  })

  it('refuses a tram route, an unknown trip and an unknown vehicle', async () => {
    await expectRefusal({ trip_id: 'TT1', location: at(7.315) }, 'route_not_eligible')
    await expectRefusal({ trip_id: 'NOPE', location: at(7.315) }, 'unknown_trip')
    await expectRefusal({ vehicle: 'ghost', location: at(7.315) }, 'unknown_trip')
  })

  it('judges hours in the network zone: refused at 15:00, accepted at 01:12 across midnight', async () => {
    await expectRefusal({ trip_id: 'TR1', location: at(7.315), at: '2026-11-20T15:00:00+01:00' }, 'outside_hours')
    // 00:12 UTC is 01:12 in Paris, inside 21:00-06:00, while the night trip TRN runs.
    const res = await ask({ trip_id: 'TRN', location: at(7.315), at: '2026-11-21T00:12:00Z' })
    expect(res.status, await res.text()).toBe(201)
  })

  it('refuses a point in an excluded zone', async () => {
    await expectRefusal({ trip_id: 'TR1', location: at(7.333) }, 'excluded_zone')
  })

  it('uses the driver position: behind the bus and too close are refused', async () => {
    const bus = await driver('bus-behind')
    expect((await report(bus, { ...at(7.32), trip_id: 'TR1b' })).status).toBe(204)
    await expectRefusal({ trip_id: 'TR1b', location: at(7.31), rider_position: at(7.3) }, 'behind_vehicle')
    await expectRefusal({ trip_id: 'TR1b', location: at(7.3215) }, 'too_close')
    expect((await ask({ vehicle: 'bus-behind', location: at(7.328) })).status).toBe(201)
  })

  it('on a loop, snaps to the pass ahead of the bus, not the nearest one', async () => {
    const bus = await driver('bus-loop')
    for (const lon of [7.31, 7.318, 7.315]) expect((await report(bus, { ...at(lon), trip_id: 'TL' })).status).toBe(204)
    const res = await ask({ trip_id: 'TL', location: at(7.305) })
    const body = (await res.json()) as { distance_along_m: number; after_stop: { id: string }; before_stop: { id: string } }
    expect(res.status, JSON.stringify(body)).toBe(201)
    expect(body.distance_along_m).toBeGreaterThan(2500)
    expect(body.after_stop.id).toBe('S2')
    expect(body.before_stop.id).toBe('S1')
  })

  it("explains refusals in the network's language", async () => {
    const en = await networkWithFeed({ locale: 'en' })
    const p = await expectRefusal({ trip_id: 'TT1', location: at(7.315) }, 'route_not_eligible', en)
    expect(p.message).toMatch(/does not offer/)
    expect(p.detail).toMatch(/does not offer/)
    const fr = await expectRefusal({ trip_id: 'TT1', location: at(7.315) }, 'route_not_eligible')
    expect(fr.message).toMatch(/ne propose pas/)
  })

  it('follows the network route_ids rule instead of the bus default', async () => {
    const trams = await networkWithFeed({ dropoff: { route_ids: ['T1'], hours: 'Mo-Su 21:00-06:00' } })
    expect((await ask({ trip_id: 'TT1', location: at(7.315) }, trams)).status).toBe(201)
    await expectRefusal({ trip_id: 'TR1', location: at(7.315) }, 'route_not_eligible', trams)
  })

  it('refuses malformed input with 400', async () => {
    expect((await ask({ location: at(7.315) })).status).toBe(400)
    expect((await ask({ trip_id: 'TR1', vehicle: 'x', location: at(7.315) })).status).toBe(400)
    expect((await ask({ trip_id: 'TR1', location: { lat: 95, lon: 7 } })).status).toBe(400)
  })
})

// TR1 runs every day 22:10-22:14 (Paris); TRS on Saturdays; TRN on Friday nights at 25:10.
describe('service calendar', () => {
  const notRunning = async (body: Record<string, unknown>) => {
    const p = await expectRefusal({ location: at(7.315), ...body }, 'unknown_trip')
    expect(p.detail).toMatch(/ne circule pas à ce moment-là/)
    return p
  }

  it('accepts from 30 min before the first departure to 30 min after the last arrival, not beyond', async () => {
    expect((await ask({ trip_id: 'TR1', location: at(7.315), at: '2026-11-20T21:41:00+01:00' })).status).toBe(201)
    expect((await ask({ trip_id: 'TR1', location: at(7.315), at: '2026-11-20T22:43:00+01:00' })).status).toBe(201)
    const p = await notRunning({ trip_id: 'TR1', at: '2026-11-20T21:39:00+01:00' })
    expect(p.detail).toContain('(2026-11-20 21:39)')
    await notRunning({ trip_id: 'TR1', at: '2026-11-20T22:45:00+01:00' })
  })

  it('refuses a trip on a day its calendar does not run, and on a removed date', async () => {
    expect((await ask({ trip_id: 'TRS', location: at(7.315), at: '2026-11-21T22:05:00+01:00' })).status).toBe(201)
    // Friday: the Saturday service does not run.
    await notRunning({ trip_id: 'TRS', at: '2026-11-20T22:05:00+01:00' })
    // Saturday 28 November is removed by calendar_dates (exception_type 2).
    await notRunning({ trip_id: 'TRS', at: '2026-11-28T22:05:00+01:00' })
    // Past the calendar's end date: the whole timetable is over, and the rider is told so.
    await expectRefusal({ trip_id: 'TRS', location: at(7.315), at: '2028-01-01T22:05:00+01:00' }, 'timetable_expired')
  })

  it('accepts a trip on a date added by calendar_dates', async () => {
    // Wednesday 25 November is added (exception_type 1); the Wednesday after is not.
    expect((await ask({ trip_id: 'TRS', location: at(7.315), at: '2026-11-25T22:05:00+01:00' })).status).toBe(201)
    await notRunning({ trip_id: 'TRS', at: '2026-12-02T22:05:00+01:00' })
  })

  it("a trip past midnight (25:10:00) runs on the previous day's service", async () => {
    // Saturday 01:12 is Friday's service: it runs. Friday 01:12 is Thursday's: it does not.
    const res = await ask({ trip_id: 'TRN', location: at(7.315), at: '2026-11-21T01:12:00+01:00' })
    const body = (await res.json()) as { created_at: string }
    expect(res.status, JSON.stringify(body)).toBe(201)
    expect(body.created_at).toBe('2026-11-21T01:12:00+01:00')
    await notRunning({ trip_id: 'TRN', at: '2026-11-20T01:12:00+01:00' })
    // Friday 23:00 is hours before that run starts.
    await notRunning({ trip_id: 'TRN', at: '2026-11-20T23:00:00+01:00' })
  })

  it("judges the vehicle's announced trip the same way", async () => {
    const bus = await driver('bus-saturday')
    expect((await report(bus, { ...at(7.3), trip_id: 'TRS' })).status).toBe(204)
    await notRunning({ vehicle: 'bus-saturday', at: '2026-11-20T22:05:00+01:00' })
    expect((await ask({ vehicle: 'bus-saturday', location: at(7.315), at: '2026-11-21T22:05:00+01:00' })).status).toBe(201)
  })

  it("explains in English on an English-speaking network, judged in that network's zone", async () => {
    // 22:05 in Toronto is 04:05 in Paris: the trip's times are Toronto's there.
    const en = await networkWithFeed({ locale: 'en', timezone: 'America/Toronto', region_code: null, country_code: 'CA' })
    expect((await ask({ trip_id: 'TR1', location: at(7.315), at: '2026-11-20T22:05:00-05:00' }, en)).status).toBe(201)
    const p = await expectRefusal({ trip_id: 'TR1', location: at(7.315), at: '2026-11-20T23:30:00-05:00' }, 'unknown_trip', en)
    expect(p.message).toMatch(/^Trip TR1 does not run at that time \(2026-11-20 23:30\)/)
  })
})
