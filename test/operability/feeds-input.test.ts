import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createNetwork, type TestApp, testApp } from '../helpers/app.ts'
import { baseFeed, type Files, LAT, zipOf } from '../transit/feed.ts'

// Transit feeds that age, and input people type by hand: `at` as a wall-clock time,
// and 400s that say what was expected, in the language asked for.

// 22:00 in Paris on Friday 20 November 2026, inside the drop-off window.
const clock = { now: () => new Date('2026-11-20T21:00:00Z') }
let t: TestApp

const feedEnding = (end: string): Files => {
  const f = baseFeed()
  f['calendar.txt'] = `service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,1,1,20260101,${end}\n`
  return f
}

async function importFeed(slug: string, files: Files) {
  const res = await t.request(`/v1/networks/${slug}/gtfs`, {
    method: 'POST',
    token: ADMIN_TOKEN,
    body: new Blob([zipOf(files) as Uint8Array<ArrayBuffer>]),
    headers: { 'content-type': 'application/zip' },
  })
  expect(res.status).toBe(200)
  return (await res.json()) as { validity: Record<string, unknown>; warnings: string[] }
}

const network = (overrides: Record<string, unknown> = {}) => createNetwork(t, { dropoff: { hours: 'Mo-Su 21:00-06:00' }, ...overrides })

beforeAll(async () => {
  t = await testApp({ clock })
})
afterAll(() => t?.close())

describe('transit feeds that age', () => {
  it('flags a feed that ends within 14 days, in the report, the operator data and /metrics', async () => {
    const { slug } = await network()
    const report = await importFeed(slug, feedEnding('20261130'))
    expect(report.validity).toEqual({ start_date: '2026-01-01', end_date: '2026-11-30', days_left: 10, state: 'ending_soon' })
    expect(report.warnings.some((w) => /ends on 2026-11-30 \(in 10 day/.test(w))).toBe(true)
    const state = (await (await t.request(`/v1/networks/${slug}/gtfs`, { token: ADMIN_TOKEN })).json()) as { feed: unknown; warning: string }
    expect(state.feed).toEqual(report.validity)
    expect(state.warning).toMatch(/2026-11-30/)
    const metrics = await (await t.request('/metrics', { token: ADMIN_TOKEN })).text()
    expect(metrics).toContain(`halte_transit_feed_expiring{network="${slug}"} 1`)
    expect(metrics).toContain(`halte_transit_feed_days_left{network="${slug}"} 10`)
  })

  it('a current feed is not flagged', async () => {
    const { slug } = await network()
    const report = await importFeed(slug, feedEnding('20271231'))
    expect(report.validity).toMatchObject({ state: 'current' })
    expect(report.warnings.filter((w) => /calendar/.test(w))).toEqual([])
    expect(await (await t.request('/metrics', { token: ADMIN_TOKEN })).text()).toContain(`halte_transit_feed_expiring{network="${slug}"} 0`)
  })

  it('refuses a drop-off on an expired feed with timetable_expired, not unknown_trip', async () => {
    const { slug } = await network()
    const report = await importFeed(slug, feedEnding('20261031'))
    expect(report.validity).toMatchObject({ state: 'expired', days_left: -20 })
    expect(report.warnings.some((w) => /ended on 2026-10-31/.test(w))).toBe(true)
    const res = await t.request(`/v1/networks/${slug}/dropoffs`, {
      method: 'POST',
      json: { trip_id: 'TR1', location: { lat: LAT + 0.0001, lon: 7.315 }, rider_position: { lat: LAT, lon: 7.3 } },
      headers: { 'accept-language': 'en' },
    })
    const p = (await res.json()) as { code: string; title: string; detail: string }
    expect(res.status).toBe(422)
    expect(p.code).toBe('timetable_expired')
    expect(p.title).toBe('Timetable out of date')
    expect(p.detail).toMatch(/out of date since 2026-10-31/)
  })
})

describe('`at` as a wall-clock time', () => {
  it('the nearest search reads it in the network’s zone', async () => {
    const { slug } = await network()
    const res = await t.request(`/v1/networks/${slug}/places/nearest?lat=47.75&lon=7.33&at=2026-11-24T23:30`)
    const body = (await res.json()) as { at: string }
    expect(res.status, JSON.stringify(body)).toBe(200)
    // 23:30 in Paris in November is 22:30 UTC.
    expect(body.at).toBe('2026-11-24T22:30:00.000Z')
    const withOffset = (await (await t.request(`/v1/networks/${slug}/places/nearest?lat=47.75&lon=7.33&at=2026-11-24T23:30:00%2B01:00`)).json()) as { at: string }
    expect(withOffset.at).toBe(body.at)
  })

  it('a drop-off request reads it in the network’s zone', async () => {
    const { slug } = await network()
    await importFeed(slug, feedEnding('20271231'))
    // TR1 runs 22:10–22:14 local; 22:12 local is inside the run, 22:12 UTC (23:12 local) is not within the slack of a Paris reading.
    const ask = (at: string) =>
      t.request(`/v1/networks/${slug}/dropoffs`, {
        method: 'POST',
        json: { trip_id: 'TR1', location: { lat: LAT + 0.0001, lon: 7.315 }, rider_position: { lat: LAT, lon: 7.3 }, at },
      })
    const ok = await ask('2026-11-20T22:12')
    expect(ok.status, await ok.clone().text()).toBe(201)
    const late = await ask('2026-11-21T02:00')
    expect(late.status).toBe(422)
  })
})

describe('400s that say what was expected', () => {
  it('a missing lat is "required", with an example, in the language asked for', async () => {
    const { slug } = await network()
    const en = await t.request(`/v1/networks/${slug}/places/nearest?lon=7.33`, { headers: { 'accept-language': 'en' } })
    const pe = (await en.json()) as { detail: string; errors: { path: string; message: string }[] }
    expect(en.status).toBe(400)
    expect(pe.errors).toEqual([{ path: 'lat', message: 'lat is required, e.g. 47.7508' }])
    expect(pe.detail).toBe('Invalid input: lat is required, e.g. 47.7508.')
    expect(pe.detail).not.toMatch(/received|NaN|undefined/)
    const fr = await t.request(`/v1/networks/${slug}/places/nearest?lon=7.33`)
    const pf = (await fr.json()) as { detail: string; errors: { message: string }[] }
    expect(pf.errors[0]!.message).toBe('lat est obligatoire, par ex. 47.7508')
    expect(pf.detail).not.toMatch(/required/)
  })

  it('a body field of the wrong type says what it must be', async () => {
    const { slug } = await network()
    const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: { lat: 'here', lon: 7.33 } }, headers: { 'accept-language': 'en' } })
    const p = (await res.json()) as { errors: { path: string; message: string }[] }
    expect(res.status).toBe(400)
    expect(p.errors).toEqual([{ path: 'location.lat', message: 'location.lat must be a number, not text, e.g. 47.7508' }])
    const missing = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: {} })
    const pm = (await missing.json()) as { errors: { message: string }[] }
    expect(pm.errors[0]!.message).toBe('location est obligatoire (un objet { … })')
  })

  it('a malformed `at` shows the accepted forms', async () => {
    const { slug } = await network()
    const res = await t.request(`/v1/networks/${slug}/places/nearest?lat=47.75&lon=7.33&at=tomorrow`, { headers: { 'accept-language': 'en' } })
    const p = (await res.json()) as { errors: { message: string }[] }
    expect(res.status).toBe(400)
    expect(p.errors[0]!.message).toMatch(/^at must be a date and time, e\.g\. 2026-12-24T23:30 .* or 2026-12-24T23:30:00\+01:00$/)
  })

  it('a schema’s own message comes in one language too', async () => {
    const { slug } = await network()
    const fr = (await (await t.request(`/v1/networks/${slug}/places?bbox=1,2,3`)).json()) as { errors: { message: string }[]; detail: string }
    expect(fr.errors[0]!.message).toBe('bbox : quatre nombres, par ex. 7.30,47.73,7.36,47.77')
    const en = (await (await t.request(`/v1/networks/${slug}/places?bbox=1,2,3`, { headers: { 'accept-language': 'en' } })).json()) as { errors: { message: string }[] }
    expect(en.errors[0]!.message).toBe('bbox: minLon,minLat,maxLon,maxLat: four numbers, e.g. 7.30,47.73,7.36,47.77')
  })

  it('unknown fields are named', async () => {
    const { slug } = await network()
    const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: { lat: 47.75, lon: 7.33 }, mesage: 'x' }, headers: { 'accept-language': 'en' } })
    const p = (await res.json()) as { errors: { message: string }[] }
    expect(p.errors[0]!.message).toBe('(body): unknown field(s) mesage: check the spelling')
  })

  it('opening-hours warnings come in the language asked for, French by default', async () => {
    const { slug } = await network()
    const apply = (lang?: string) =>
      t.request(`/v1/networks/${slug}/applications`, {
        method: 'POST',
        json: { name: 'Bar test', kind: 'bar', address: '1 rue Test', location: { lat: 47.75, lon: 7.33 }, opening_hours: 'Mo-Fr 9-17', contact_name: 'M', charter_accepted: true },
        headers: lang ? { 'accept-language': lang } : {},
      })
    const fr = (await (await apply()).json()) as { warnings: string[] }
    expect(fr.warnings.join(' ')).toMatch(/Plage horaire spécifiée sans minutes/)
    const en = (await (await apply('en')).json()) as { warnings: string[] }
    expect(en.warnings.join(' ')).toMatch(/Time range without minutes/)
  })
})
