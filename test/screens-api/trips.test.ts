import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { type Files, LAT, lonOf, uploadFeed } from '../transit/feed.ts'

// 2026-11-24 is a Tuesday; 22:12 in Mulhouse, in the middle of the evening trips.
const NOW = new Date('2026-11-24T22:12:00+01:00')
let t: TestApp

// Line 1 along lat 47.75 (S1..S5); TA runs every day, TB on Saturdays only, both
// 22:10-22:14. Line 4 runs every day 22:12-22:14 on a parallel street 78 m north. Line 9 runs
// every day 5 km away, 22:12-22:13. TN (line 1, no shape in the feed) runs after midnight, at 25:10.
function feed(): Files {
  const stops = [1, 2, 3, 4, 5].map((i) => `S${i},Arrêt ${i},${LAT},${lonOf(i).toFixed(6)}`)
  const shape = (id: string, lat: number) => Array.from({ length: 9 }, (_, k) => `${id},${lat},${(7.3 + 0.005 * k).toFixed(6)},${k + 1}`)
  const times = (trip: string, stopIds: string[], h = 22, m = 10) =>
    stopIds.map((s, n) => `${trip},${s},${n + 1},${h}:${m + n}:00,${h}:${m + n}:00`)
  return {
    'agency.txt': 'agency_id,agency_name,agency_url,agency_timezone\nA,Test,https://example.org,Europe/Paris\n',
    'routes.txt': 'route_id,route_short_name,route_long_name,route_type,agency_id\nL1,1,Gare - Hôpital,3,A\nL4,4,Nord,3,A\nL9,9,Loin,3,A\n',
    'stops.txt': `stop_id,stop_name,stop_lat,stop_lon\n${stops.join('\n')}\nN1,Nord 1,47.7507,7.30\nN3,Nord 3,47.7507,7.32\nN5,Nord 5,47.7507,7.34\nF1,Loin 1,47.80,7.30\nF5,Loin 5,47.80,7.34\n`,
    'trips.txt': 'trip_id,route_id,service_id,shape_id,trip_headsign\nTA,L1,WK,SH1,Hôpital\nTB,L1,SA,SH1,Hôpital\nTC,L4,WK,SH4,Nord\nTF,L9,WK,SH9,Loin\nTN,L1,WK,,Gare\n',
    'stop_times.txt': `trip_id,stop_id,stop_sequence,arrival_time,departure_time\n${[
      ...times('TA', ['S1', 'S2', 'S3', 'S4', 'S5']),
      ...times('TB', ['S1', 'S2', 'S3', 'S4', 'S5']),
      ...times('TC', ['N1', 'N3', 'N5'], 22, 12),
      ...times('TF', ['F1', 'F5'], 22, 12),
      ...times('TN', ['S1', 'S2', 'S3'], 25),
    ].join('\n')}\n`,
    'shapes.txt': `shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n${[...shape('SH1', LAT), ...shape('SH4', 47.7507), ...shape('SH9', 47.8)].join('\n')}\n`,
    'calendar.txt':
      'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,1,1,20260101,20271231\nSA,0,0,0,0,0,1,0,20260101,20271231\n',
  }
}

// Coordinates as the feed writes them (6 decimals).
const lon6 = (i: number) => Number(lonOf(i).toFixed(6))

type Trip = {
  trip_id: string
  route_short_name: string | null
  route_long_name: string | null
  headsign: string | null
  vehicle_label: string | null
  distance_m: number
  next_stops: { stop_id: string; name: string; lat: number; lon: number; arrival: string }[]
}
type Fc = { type: string; features: { geometry: { type: string; coordinates: unknown }; properties: Record<string, unknown> }[] }

// 44 m north of line 1 at S3, 34 m south of line 4.
const point = `lat=47.7504&lon=${lonOf(3)}`
const near = async (query: string, slug = 'mulhouse') => {
  const res = await t.request(`/v1/networks/${slug}/trips/near?${query}`)
  return { res, body: (await res.json()) as { trips: Trip[]; code?: string } }
}

beforeAll(async () => {
  t = await testApp({ clock: { now: () => NOW } })
  await createNetwork(t, { slug: 'mulhouse' })
  await uploadFeed(t, 'mulhouse', feed())
})
afterAll(() => t?.close())

describe('trips near a point', () => {
  it('lists the trips running now whose line passes within the radius, nearest line first, with the stops ahead', async () => {
    const { res, body } = await near(point)
    expect(res.status).toBe(200)
    // TB does not run on a Tuesday, TF is 5 km away, TN runs after midnight.
    expect(body.trips.map((x) => x.trip_id)).toEqual(['TC', 'TA'])
    const ta = body.trips[1]!
    expect(ta).toMatchObject({ route_id: 'L1', route_short_name: '1', route_long_name: 'Gare - Hôpital', headsign: 'Hôpital', vehicle_label: null })
    expect(ta.distance_m).toBeGreaterThan(40)
    expect(ta.distance_m).toBeLessThan(50)
    expect(ta.next_stops).toEqual([
      { stop_id: 'S3', name: 'Arrêt 3', lat: LAT, lon: lon6(3), arrival: '2026-11-24T22:12:00+01:00' },
      { stop_id: 'S4', name: 'Arrêt 4', lat: LAT, lon: lon6(4), arrival: '2026-11-24T22:13:00+01:00' },
      { stop_id: 'S5', name: 'Arrêt 5', lat: LAT, lon: lon6(5), arrival: '2026-11-24T22:14:00+01:00' },
    ])
  })

  it('honours the radius and the limit', async () => {
    expect((await near(`${point}&radius_m=40`)).body.trips.map((x) => x.trip_id)).toEqual(['TC'])
    expect((await near(`${point}&limit=1`)).body.trips.map((x) => x.trip_id)).toEqual(['TC'])
    expect((await near(`lat=47.80&lon=7.32&radius_m=2000`)).body.trips.map((x) => x.trip_id)).toEqual(['TF'])
  })

  it('judges the day by the calendar in the network’s zone: on a Saturday TB runs too', async () => {
    const sat = await near(`${point}&at=2026-11-28T22:11`)
    expect(sat.body.trips.map((x) => x.trip_id).sort()).toEqual(['TA', 'TB', 'TC'])
    expect(sat.body.trips.find((x) => x.trip_id === 'TB')!.next_stops[0]).toMatchObject({ stop_id: 'S2', arrival: '2026-11-28T22:11:00+01:00' })
    // After midnight, the run of TN that started on Tuesday's service day.
    const late = await near(`${point}&at=2026-11-25T01:10:30%2B01:00`)
    expect(late.body.trips.map((x) => x.trip_id)).toEqual(['TN'])
    expect(late.body.trips[0]!.next_stops.map((s) => [s.stop_id, s.arrival])).toEqual([
      ['S2', '2026-11-25T01:11:00+01:00'],
      ['S3', '2026-11-25T01:12:00+01:00'],
    ])
    // A trip that has arrived is no longer listed.
    expect((await near(`${point}&at=2026-11-24T22:15`)).body.trips).toEqual([])
  })

  it('names the vehicle whose driver took the trip', async () => {
    const driver = await createToken(t, 'mulhouse', { role: 'driver', label: 'Bus 12', vehicle: '12' })
    const pos = await t.request('/v1/driver/position', { method: 'POST', token: driver, json: { lat: LAT, lon: lonOf(2), trip_id: 'TA' } })
    expect(pos.status).toBe(204)
    const { body } = await near(point)
    expect(body.trips.find((x) => x.trip_id === 'TA')!.vehicle_label).toBe('12')
    expect(body.trips.find((x) => x.trip_id === 'TC')!.vehicle_label).toBeNull()
  })

  it('refuses bad input with a 400 and an unknown network with the usual 404', async () => {
    for (const q of ['lat=47.75', `${point}&radius_m=2001`, `${point}&radius_m=0`, `${point}&limit=21`, `${point}&at=demain`, `${point}&at=2026-12-31T22:00`]) {
      const { res, body } = await near(q)
      expect(res.status, q).toBe(400)
      expect(body.code, q).toMatch(/^(validation_failed|instant_out_of_range)$/)
    }
    const { res, body } = await near(point, 'nowhere')
    expect(res.status).toBe(404)
    expect(body.code).toBe('network_not_found')
  })

  it('answers an empty list on a network without a timetable', async () => {
    await createNetwork(t, { slug: 'sans-bus' })
    const { res, body } = await near(point, 'sans-bus')
    expect(res.status).toBe(200)
    expect(body.trips).toEqual([])
    const trip = await t.request('/v1/networks/sans-bus/trips/TA')
    expect(trip.status).toBe(404)
    expect(((await trip.json()) as { code: string }).code).toBe('trip_not_found')
  })
})

describe('one trip as GeoJSON', () => {
  it('is its shape as a LineString and its stops as Points, with the times as the feed writes them', async () => {
    const res = await t.request('/v1/networks/mulhouse/trips/TA')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/)
    const fc = (await res.json()) as Fc
    expect(fc.type).toBe('FeatureCollection')
    const [line, ...stops] = fc.features
    expect(line!.geometry.type).toBe('LineString')
    expect((line!.geometry.coordinates as number[][]).length).toBe(9)
    expect(line!.properties).toEqual({ trip_id: 'TA', route_short_name: '1', headsign: 'Hôpital' })
    expect(stops.map((f) => f.properties.stop_id)).toEqual(['S1', 'S2', 'S3', 'S4', 'S5'])
    expect(stops[0]).toEqual({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [lon6(1), LAT] },
      properties: { stop_id: 'S1', name: 'Arrêt 1', sequence: 1, arrival: '22:10:00', arrival_at: null },
    })
  })

  it('gives each arrival as an instant on a given service day, past midnight included', async () => {
    const fc = (await (await t.request('/v1/networks/mulhouse/trips/TN?on=2026-11-24')).json()) as Fc
    const [line, ...stops] = fc.features
    // No shape in the feed: the line joins the stops.
    expect(line!.geometry.coordinates).toEqual([1, 2, 3].map((i) => [lon6(i), LAT]))
    expect(stops.map((f) => [f.properties.arrival, f.properties.arrival_at])).toEqual([
      ['25:10:00', '2026-11-25T01:10:00+01:00'],
      ['25:11:00', '2026-11-25T01:11:00+01:00'],
      ['25:12:00', '2026-11-25T01:12:00+01:00'],
    ])
  })

  it('answers 404 trip_not_found for an unknown trip, in the reader’s language, and 400 for a bad date', async () => {
    const fr = await t.request('/v1/networks/mulhouse/trips/NOPE')
    expect(fr.status).toBe(404)
    expect(fr.headers.get('content-type')).toMatch(/application\/problem\+json/)
    const body = (await fr.json()) as { code: string; title: string; detail: string }
    expect(body.code).toBe('trip_not_found')
    expect(body.title).toBe('Course introuvable')
    const en = (await (await t.request('/v1/networks/mulhouse/trips/NOPE', { headers: { 'accept-language': 'en' } })).json()) as { title: string }
    expect(en.title).toBe('Trip not found')
    expect((await t.request('/v1/networks/nowhere/trips/TA')).status).toBe(404)
    const bad = await t.request('/v1/networks/mulhouse/trips/TA?on=24-11-2026')
    expect(bad.status).toBe(400)
  })
})
