import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse } from 'csv-parse/sync'
import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeLine, pointAt } from '../../src/transit/geometry.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

const DIR = resolve('../shared/data/gtfs')
const SOLEA = `${DIR}/solea-mulhouse.zip`
const CAR_JAUNE = `${DIR}/car-jaune-reunion.zip`
const TALLIS = `${DIR}/tallis-lons-le-saunier.zip`
const present = existsSync(SOLEA) && existsSync(CAR_JAUNE) && existsSync(TALLIS)
if (!present) console.log(`[real-data transit] skipped: ${DIR} is absent`)

function rowsOf(zip: Uint8Array, file: string): number {
  const entry = unzipSync(zip, { filter: (f) => f.name === file })[file]
  if (!entry) return 0
  return (parse(new TextDecoder().decode(entry), { bom: true, skip_empty_lines: true, relax_column_count: true }) as unknown[]).length - 1
}

let t: TestApp
let now = new Date('2026-04-15T20:30:00Z') // 22:30 in Paris, 00:30 in Réunion
beforeAll(async () => {
  if (present) t = await testApp({ clock: { now: () => now } })
})
afterAll(() => t?.close())

async function importInto(slug: string, path: string) {
  const zip = new Uint8Array(readFileSync(path))
  const res = await t.request(`/v1/networks/${slug}/gtfs`, {
    method: 'POST',
    token: ADMIN_TOKEN,
    body: new Blob([zip]),
    headers: { 'content-type': 'application/zip' },
  })
  const report = (await res.json()) as Record<string, number>
  expect(res.status, JSON.stringify(report)).toBe(200)
  return { zip, report }
}

function expectCounts(zip: Uint8Array, report: Record<string, number>) {
  expect(report.routes).toBe(rowsOf(zip, 'routes.txt'))
  expect(report.trips).toBe(rowsOf(zip, 'trips.txt'))
  expect(report.stops).toBe(rowsOf(zip, 'stops.txt'))
  expect(report.stop_times).toBe(rowsOf(zip, 'stop_times.txt'))
}

interface Pick {
  trip_id: string
  stop_ids: string[]
  stop_names: string[]
  dists_m: number[]
  coords: [number, number][]
  first_s: number
  last_s: number
}

// A bus trip with a real shape, two consecutive stops far enough apart to ask between
// them, and a run at night (inside 21:00-06:00): `at` is an instant of that run, after
// 21:00, on the first service day its calendar gives it.
async function pickTrip(networkId: string, routeType: number, tz: string): Promise<Pick & { i: number; at: string; before: string }> {
  const rows = await t.db.sql<Pick[]>`
    select t.trip_id, p.stop_ids, p.dists_m, (st_asgeojson(sh.geog)::json)->'coordinates' as coords,
           array(select s.name from unnest(p.stop_ids) with ordinality u(id, n)
                 join transit_stops s on s.feed_id = t.feed_id and s.stop_id = u.id order by u.n) as stop_names,
           tm.first_s, tm.last_s
    from gtfs_feeds f
    join transit_trips t on t.feed_id = f.id
    join transit_routes r on r.feed_id = t.feed_id and r.route_id = t.route_id and r.route_type = ${routeType}
    join transit_patterns p on p.feed_id = t.feed_id and p.pattern_id = t.pattern_id
    join transit_shapes sh on sh.feed_id = t.feed_id and sh.shape_id = p.shape_id and not sh.built_from_stops
    cross join lateral (
      select min(gtfs_time_s(coalesce(st.departure_time, st.arrival_time))) as first_s,
             max(gtfs_time_s(coalesce(st.arrival_time, st.departure_time))) as last_s
      from transit_stop_times st where st.feed_id = t.feed_id and st.trip_id = t.trip_id) tm
    where f.network_id = ${networkId} and tm.last_s >= ${21 * 3600 + 600} and tm.first_s <= ${29 * 3600}
    order by t.trip_id limit 200`
  for (const r of rows) {
    for (let i = 1; i + 1 < r.dists_m.length; i++) {
      if (r.dists_m[i + 1]! - r.dists_m[i]! > 500 && r.dists_m[i]! - r.dists_m[i - 1]! > 100) {
        const when = await nightInstant(networkId, r, tz)
        if (when) return { ...r, i, ...when }
      }
    }
  }
  throw new Error('no suitable trip')
}

// The first day the trip's calendar runs it, and an instant of that run after 21:00;
// `before`: the same wall-clock time 400 days earlier, when no calendar runs it.
async function nightInstant(networkId: string, trip: Pick, tz: string) {
  const secs = Math.max(trip.first_s + 60, 21 * 3600 + 300)
  const [row] = await t.db.sql<{ at: Date; before: Date }[]>`
    with trip as (select feed_id, service_id from transit_trips
                  where trip_id = ${trip.trip_id} and feed_id = (select max(id) from gtfs_feeds where network_id = ${networkId})),
    days as (
      select d::date as day from trip join transit_calendar c using (feed_id, service_id),
        generate_series(c.start_date::timestamp, c.end_date::timestamp, interval '1 day') d
      where c.days[extract(isodow from d)::int]
        and not exists (select 1 from transit_calendar_dates cd, trip
                        where cd.feed_id = trip.feed_id and cd.service_id = trip.service_id and cd.date = d::date and cd.exception_type = 2)
      union all
      select cd.date from trip join transit_calendar_dates cd using (feed_id, service_id) where cd.exception_type = 1),
    first as (select min(day) as day from days)
    select ((day + time '12:00') at time zone ${tz}) - interval '12 hours' + make_interval(secs => ${secs}) as at,
           ((day - 400 + time '12:00') at time zone ${tz}) - interval '12 hours' + make_interval(secs => ${secs}) as before
    from first where day is not null`
  return row ? { at: row.at.toISOString(), before: row.before.toISOString() } : null
}

async function rulesOnRealTrip(slug: string, networkId: string, tz: string, trip: Pick & { i: number; at: string; before: string }) {
  const { i } = trip
  const line = makeLine(trip.coords)
  const mid = trip.dists_m[i]! + (trip.dists_m[i + 1]! - trip.dists_m[i]!) / 2
  const [lon, lat] = pointAt(line, mid)
  const [blon, blat] = pointAt(line, trip.dists_m[i - 1]!)
  const ask = (extra: Record<string, unknown> = {}) =>
    t.request(`/v1/networks/${slug}/dropoffs`, {
      method: 'POST',
      json: { trip_id: trip.trip_id, location: { lat, lon }, rider_position: { lat: blat, lon: blon }, at: trip.at, ...extra },
    })
  const refused = async (code: string, extra: Record<string, unknown> = {}) => {
    const res = await ask(extra)
    const body = (await res.json()) as { code: string }
    expect(res.status, JSON.stringify(body)).toBe(422)
    expect(body.code).toBe(code)
  }

  const ok = await ask()
  const body = (await ok.json()) as { after_stop: { id: string; name: string }; before_stop: { id: string }; offset_m: number }
  expect(ok.status, JSON.stringify(body)).toBe(201)
  expect(body.after_stop).toEqual({ id: trip.stop_ids[i], name: trip.stop_names[i] })
  expect(body.before_stop.id).toBe(trip.stop_ids[i + 1])
  expect(body.offset_m).toBeLessThan(1)

  // 200 m north of a point of the line, checked to be that far from all of it.
  const off = { lat: lat + 200 / 110_574, lon }
  const [far] = await t.db.sql<{ d: number }[]>`
    select st_distance(st_setsrid(st_makepoint(${off.lon}, ${off.lat}), 4326)::geography,
      st_setsrid(st_geomfromgeojson(${JSON.stringify({ type: 'LineString', coordinates: trip.coords })}), 4326)::geography) as d`
  if (far!.d > 60) await refused('off_route', { location: off })

  await refused('outside_hours', { at: isoAt(tz, 15) })
  // The same hour, on a day the calendar does not run the trip.
  await refused('unknown_trip', { at: trip.before })

  const zone = {
    type: 'MultiPolygon',
    coordinates: [[[[lon - 0.0005, lat - 0.0005], [lon + 0.0005, lat - 0.0005], [lon + 0.0005, lat + 0.0005], [lon - 0.0005, lat + 0.0005], [lon - 0.0005, lat - 0.0005]]]],
  }
  const patch = (z: unknown) => t.request(`/v1/networks/${slug}`, { method: 'PATCH', token: ADMIN_TOKEN, json: { dropoff: { excluded_zones: z } } })
  expect((await patch(zone)).status).toBe(200)
  await refused('excluded_zone')
  expect((await patch(null)).status).toBe(200)

  const driver = await createToken(t, slug, { role: 'driver', label: 'bus', vehicle: `bus-${networkId.slice(0, 6)}` })
  const [alon, alat] = pointAt(line, trip.dists_m[i + 1]!)
  const pos = await t.request('/v1/driver/position', { method: 'POST', token: driver, json: { lat: alat, lon: alon, trip_id: trip.trip_id } })
  expect(pos.status).toBe(204)
  await refused('behind_vehicle')
}

// The wall-clock hour, on the night of 2026-04-15, in the network's zone, as an instant.
function isoAt(tz: string, hour: number, minute = 0) {
  const offset = tz === 'Indian/Reunion' ? '+04:00' : '+02:00'
  const day = hour < 12 ? '16' : '15'
  return `2026-04-${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00${offset}`
}

describe.skipIf(!present)('real GTFS feeds', () => {
  it('SOLEA (Mulhouse): counts, a real night request, every refusal', { timeout: 300_000 }, async () => {
    const n = await createNetwork(t, { region_code: 'FR-68', dropoff: { hours: 'Mo-Su 21:00-06:00' } })
    const { zip, report } = await importInto(n.slug, SOLEA)
    expectCounts(zip, report)
    expect(report).toMatchObject({ routes: 33, trips: 9115, stops: 963, shapes: 162, stop_times: 192_345, trips_without_shape: 33 })
    await rulesOnRealTrip(n.slug, n.id, 'Europe/Paris', await pickTrip(n.id, 3, 'Europe/Paris'))
    const [tram] = await t.db.sql<{ trip_id: string }[]>`
      select t.trip_id from gtfs_feeds f join transit_trips t on t.feed_id = f.id
      join transit_routes r on r.feed_id = t.feed_id and r.route_id = t.route_id and r.route_type = 0
      where f.network_id = ${n.id} order by t.trip_id limit 1`
    const res = await t.request(`/v1/networks/${n.slug}/dropoffs`, { method: 'POST', json: { trip_id: tram!.trip_id, location: { lat: 47.75, lon: 7.34 } } })
    expect(((await res.json()) as { code: string }).code).toBe('route_not_eligible')
  })

  it('Car Jaune (La Réunion): counts, hours judged in Indian/Reunion', { timeout: 300_000 }, async () => {
    now = new Date('2026-04-15T20:30:00Z')
    const n = await createNetwork(t, { timezone: 'Indian/Reunion', region_code: 'FR-974', dropoff: { hours: 'Mo-Su 21:00-06:00' } })
    const { zip, report } = await importInto(n.slug, CAR_JAUNE)
    expectCounts(zip, report)
    expect(report.shapes).toBe(68)
    // 04:30 in Paris is 06:30 in Réunion: inside the hours in Paris, outside them there.
    const trip = await pickTrip(n.id, 3, 'Indian/Reunion')
    const res = await t.request(`/v1/networks/${n.slug}/dropoffs`, {
      method: 'POST',
      json: { trip_id: trip.trip_id, location: { lat: -21.0, lon: 55.5 }, at: '2026-04-16T06:30:00+04:00' },
    })
    expect(((await res.json()) as { code: string }).code).toBe('outside_hours')
    await rulesOnRealTrip(n.slug, n.id, 'Indian/Reunion', trip)
  })

  it('Tallis (Lons-le-Saunier): no shapes, lines built from the stops and said so', { timeout: 120_000 }, async () => {
    const n = await createNetwork(t)
    const { zip, report } = await importInto(n.slug, TALLIS)
    expectCounts(zip, report)
    expect(report.shapes).toBe(0)
    expect(report.trips_without_shape).toBe(report.trips)
    expect(report.shapes_built_from_stops).toBeGreaterThan(0)
  })
})
