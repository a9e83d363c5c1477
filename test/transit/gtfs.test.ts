import { zipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { baseFeed, type Files, zipOf } from './feed.ts'

let t: TestApp
let slug: string

beforeAll(async () => {
  t = await testApp()
  slug = (await createNetwork(t)).slug
})
afterAll(() => t?.close())

const upload = (data: Uint8Array | string, token = ADMIN_TOKEN, type = 'application/zip', to = slug) =>
  t.request(`/v1/networks/${to}/gtfs`, { method: 'POST', token, body: typeof data === 'string' ? data : new Blob([data as Uint8Array<ArrayBuffer>]), headers: { 'content-type': type } })

const routeIds = async () =>
  ((await (await t.request(`/v1/networks/${slug}/routes`)).json()) as { id: string }[]).map((r) => r.id).sort()

describe('GTFS import', () => {
  it('imports a feed with BOM, quoted fields, padded coordinates, reordered columns, a trip without shape', async () => {
    const res = await upload(zipOf(baseFeed()))
    const body = (await res.json()) as Record<string, unknown>
    expect(res.status, JSON.stringify(body)).toBe(200)
    expect(body).toMatchObject({ routes: 4, trips: 5, stops: 5, shapes: 2, stop_times: 21, trips_without_shape: 1, shapes_built_from_stops: 1 })
    expect((body.warnings as string[])[0]).toMatch(/1 trip\(s\) without shape_id/)
    const [agency] = await t.db.sql`select name from transit_agencies`
    expect(agency!.name).toBe('Test, Transports')
    const stops = (await (await t.request(`/v1/networks/${slug}/stops?lat=47.75&lon=7.3&limit=2`)).json()) as { id: string; name: string }[]
    expect(stops.map((s) => s.id)).toEqual(['S1', 'S2'])
    expect(stops[0]!.name).toBe('Arrêt 1, rue Test')
  })

  it("measures each stop along its trip's shape, forward on a loop", async () => {
    const rows = await t.db.sql<{ trip_id: string; dists_m: number[] }[]>`
      select t.trip_id, p.dists_m from transit_trips t join transit_patterns p using (feed_id, pattern_id) order by t.trip_id`
    const byTrip = Object.fromEntries(rows.map((r) => [r.trip_id, r.dists_m.map(Math.round)]))
    // ≈ 750 m between stops; on the loop S2 and S1 come back after the turn at S3.
    expect(byTrip.TR1![1]).toBeGreaterThan(740)
    expect(byTrip.TR1![1]).toBeLessThan(760)
    const loop = byTrip.TL!
    expect(loop[3]! - loop[2]!).toBeGreaterThan(740)
    expect(loop[4]!).toBeGreaterThan(2900)
    expect(byTrip.TN!.length).toBe(3)
  })

  it('re-import replaces the previous feed', async () => {
    const files = baseFeed()
    files['routes.txt'] = 'route_id,route_type,agency_id\nL1,3,A\nT1,0,A\nL2,3,A\nL3,3,A\nL9,3,A\n'
    expect((await upload(zipOf(files))).status).toBe(200)
    expect(await routeIds()).toEqual(['L1', 'L2', 'L3', 'L9', 'T1'])
    const [n] = await t.db.sql`select count(*)::int as n from gtfs_feeds`
    expect(n!.n).toBe(1)
    expect((await upload(zipOf(baseFeed()))).status).toBe(200)
    expect(await routeIds()).toEqual(['L1', 'L2', 'L3', 'T1'])
  })

  const refused = async (body: Uint8Array | string, status: number, code: string) => {
    const before = await routeIds()
    const res = await upload(body)
    const problem = (await res.json()) as { code: string; detail: string; errors?: { path: string; message: string }[] }
    expect(res.status, JSON.stringify(problem)).toBe(status)
    expect(problem.code).toBe(code)
    expect(await routeIds()).toEqual(before)
    return problem
  }

  it('refuses a 0-byte body and a broken zip, keeping the previous import', async () => {
    expect((await refused(new Uint8Array(0), 400, 'invalid_gtfs')).detail).toMatch(/vide/)
    const zip = zipOf(baseFeed())
    await refused(zip.subarray(0, zip.length / 2), 400, 'invalid_gtfs')
    await refused('not a zip at all', 400, 'invalid_gtfs')
  })

  it('refuses a zip bomb with 413', async () => {
    const bomb = zipSync({ 'stop_times.txt': new Uint8Array(20 * 1024 * 1024).fill(32) }, { level: 9 })
    expect(bomb.length).toBeLessThan(100_000)
    const p = await refused(bomb, 413, 'payload_too_large')
    expect(p.detail).toMatch(/décompressé/)
  })

  it('refuses a dangling shape_id, a missing file, an unparsable row, a duplicate id — saying what and where', async () => {
    const dangling: Files = { ...baseFeed(), 'trips.txt': 'trip_id,route_id,service_id,shape_id\nTR1,L1,WK,NOPE\n' }
    dangling['stop_times.txt'] = 'trip_id,stop_id,stop_sequence\nTR1,S1,1\nTR1,S2,2\n'
    const p1 = await refused(zipOf(dangling), 400, 'invalid_gtfs')
    expect(p1.errors).toContainEqual({ path: 'trips.txt', message: 'trip TR1: shape_id "NOPE" is not in shapes.txt' })

    const { 'stops.txt': _gone, ...noStops } = baseFeed()
    const p2 = await refused(zipOf(noStops), 400, 'invalid_gtfs')
    expect(p2.errors?.[0]?.path).toBe('stops.txt')

    const bad = { ...baseFeed(), 'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\nS1,a,47.75,7.3\nS2,b,north,7.31\n' }
    const p3 = await refused(zipOf(bad), 400, 'invalid_gtfs')
    expect(p3.errors?.[0]).toEqual({ path: 'stops.txt:3', message: 'stop_lat = "north" is not a number in [-90, 90]' })

    const dup = { ...baseFeed(), 'routes.txt': 'route_id,route_type\nL1,3\nL1,3\n' }
    const p4 = await refused(zipOf(dup), 400, 'invalid_gtfs')
    // The line that repeats the key, and the key without the feed's internal id.
    expect(p4.errors?.[0]).toEqual({ path: 'routes.txt:3', message: 'duplicate route_id = "L1" / doublon' })
  })

  it('accepts only operators of the network and admins, and only zips', async () => {
    const other = await createNetwork(t)
    const foreign = await createToken(t, other.slug, { role: 'operator', label: 'ailleurs' })
    const driver = await createToken(t, slug, { role: 'driver', label: 'bus', vehicle: 'bus-1' })
    const zip = zipOf(baseFeed())
    expect((await t.request(`/v1/networks/${slug}/gtfs`, { method: 'POST', body: new Blob([zip as Uint8Array<ArrayBuffer>]), headers: { 'content-type': 'application/zip' } })).status).toBe(401)
    expect((await upload(zip, foreign)).status).toBe(403)
    expect((await upload(zip, driver)).status).toBe(403)
    expect((await upload(zip, ADMIN_TOKEN, 'text/csv')).status).toBe(415)
    const own = await createToken(t, slug, { role: 'operator', label: 'csu' })
    expect((await upload(zip, own)).status).toBe(200)
  })

  it('keeps the 1 MiB limit on other routes while GTFS may be larger', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1_100_000) })
    const res = await t.request(`/v1/networks/${slug}`, { method: 'PATCH', token: ADMIN_TOKEN, body: big, headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(413)
    const files = baseFeed()
    files['feed_info.txt'] = `feed_publisher_name\n${'"padding"\n'.repeat(150_000)}`
    const zip = zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new TextEncoder().encode(v)])), { level: 0 })
    expect(zip.length).toBeGreaterThan(1024 * 1024)
    expect((await upload(zip)).status).toBe(200)
  })
})
