import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { textArray } from '../../src/db/types.ts'
import { activePlace } from '../alerts/fixtures.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// A hand-built network whose answer is known: two refuges 930 m apart in Lyon, one open
// day and night, one on weekday evenings ("Mo-Fr 18:00-02:00; PH off"), a 2.5 × 1.8 km
// area cut in 200 m cells, and a 400 m reach. What is open when is written out here by
// hand; the distances from each cell's centre to each refuge are PostGIS's own
// (ST_Distance in this file); the service must agree cell by cell.
const NOW = new Date('2026-11-09T09:00:00Z') // Monday 9 November 2026, 10:00 in Paris
const HOLIDAY = '2026-11-11' // Armistice, a Wednesday
const A = { lat: 45.75, lon: 4.84 }
const B = { lat: 45.75, lon: 4.852 }
// Refuge A closes on Thursday 12 November, 10:00–14:00 Paris time.
const CLOSURE = { from: '2026-11-12T10:00:00+01:00', to: '2026-11-12T14:00:00+01:00' }
const AREA = {
  type: 'MultiPolygon',
  coordinates: [
    [
      [
        [4.83, 45.742],
        [4.862, 45.742],
        [4.862, 45.758],
        [4.83, 45.758],
        [4.83, 45.742],
      ],
    ],
  ],
}

let t: TestApp
let slug: string
let operator: string
let partnerA: string
let ids: { a: string; b: string }

// Paris wall clock of an instant.
const PARIS = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', weekday: 'short', hourCycle: 'h23' })
function paris(at: Date) {
  const parts = Object.fromEntries(
    PARIS.formatToParts(at)
      .map((p) => [p.type, p.value]),
  )
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!) + 1, hour: Number(parts.hour) }
}

// The hours as the opening_hours library reads them (the truth every search shares):
// "PH off" closes the holiday's own calendar day, the small hours that spill from the
// evening before included; the holiday's own evening would spill into the next day.
function openA(at: Date) {
  return !(at >= new Date(CLOSURE.from) && at < new Date(CLOSURE.to))
}
function openB(at: Date) {
  const w = paris(at)
  if (w.date === HOLIDAY) return false
  return (w.weekday <= 5 && w.hour >= 18) || (w.weekday >= 2 && w.weekday <= 6 && w.hour < 2)
}

type Cell = { type: 'Feature'; id: string; geometry: { type: 'Polygon'; coordinates: number[][][] }; properties: { covered: boolean; nearest_open_m: number | null } }
type Coverage = { type: string; at: string; cells: number; covered_share: number | null; distance_m: number; cell_m: number; features: Cell[] }

async function coverage(query: string, token = operator) {
  const res = await t.request(`/v1/networks/${slug}/coverage?${query}`, { token })
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as Coverage
}

// PostGIS's distances from each cell's centre (the centroid of its square, in the
// Mercator plane it was cut in) to each refuge.
async function distances(cells: Cell[]) {
  const rows = await t.db.sql<{ id: string; a: number; b: number; inside: boolean; m2: number }[]>`
    with c as (
      select u.id, st_setsrid(st_geomfromgeojson(u.g), 4326) as poly
      from unnest(${textArray(cells.map((c) => c.id))}::text[], ${textArray(cells.map((c) => JSON.stringify(c.geometry)))}::text[]) u(id, g)
    ), k as (select id, poly, st_transform(st_centroid(st_transform(poly, 3857)), 4326) as centre from c)
    select k.id,
      st_distance(k.centre::geography, (select location from places where id = ${ids.a})) as a,
      st_distance(k.centre::geography, (select location from places where id = ${ids.b})) as b,
      st_intersects((select area::geometry from networks where slug = ${slug}), k.centre) as inside,
      st_area(k.poly::geography) as m2
    from k`
  return new Map(rows.map((r) => [r.id, r]))
}

function expected(d: { a: number; b: number }, at: Date, reach = 400) {
  const open = [openA(at) ? d.a : null, openB(at) ? d.b : null].filter((x): x is number => x !== null)
  const nearest = open.length ? Math.min(...open) : null
  return { covered: nearest !== null && nearest <= reach, nearest_open_m: nearest }
}

// Metres are given whole; the test's centres come back through the polygon's seven
// decimals (about a centimetre), so a distance ending in .5 may round either way.
function sameMetres(got: number | null, exact: number | null, label: string) {
  if (exact === null) expect(got, label).toBeNull()
  else expect(Math.abs(got! - exact), `${label}: ${got} for ${exact}`).toBeLessThan(0.52)
}

beforeAll(async () => {
  t = await testApp({ clock: { now: () => NOW } })
  ;({ slug } = await createNetwork(t, { area: AREA }))
  operator = await createToken(t, slug, { role: 'operator', label: 'Salle' })
  const a = await activePlace(t, slug, operator, { ...A, name: 'Bar de nuit et de jour', hours: '24/7' })
  const b = await activePlace(t, slug, operator, { ...B, name: 'Café du soir', hours: 'Mo-Fr 18:00-02:00; PH off' })
  ids = { a: a.id, b: b.id }
  partnerA = a.token
  const closed = await t.request('/v1/partner/closures', { method: 'POST', token: a.token, json: CLOSURE })
  expect(closed.status, await closed.clone().text()).toBe(201)
})
afterAll(() => t?.close())

describe('coverage at an instant', () => {
  it('cuts the area in 200 m squares whose centres lie inside it', async () => {
    const r = await coverage(`at=${encodeURIComponent('2026-11-10T20:00')}`)
    expect(r).toMatchObject({ type: 'FeatureCollection', distance_m: 400, cell_m: 200, cells: r.features.length })
    const d = await distances(r.features)
    expect(new Set(r.features.map((f) => f.id)).size).toBe(r.features.length)
    for (const f of r.features) {
      expect(d.get(f.id)!.inside).toBe(true)
      // 200 m on the ground, within the change of Mercator's scale across the area.
      expect(Math.abs(d.get(f.id)!.m2 - 40_000)).toBeLessThan(400)
    }
    // The area is 2.49 km × 1.78 km: about 111 cells, give or take its edges.
    const km2 = 0.032 * 111_320 * Math.cos((45.75 * Math.PI) / 180) * 0.016 * 111_132 / 1e6
    expect(Math.abs(r.features.length - km2 / 0.04)).toBeLessThan(12)
    // No centre sits on the 400 m edge: each cell's answer is unambiguous.
    for (const x of d.values()) for (const m of [x.a, x.b]) expect(Math.abs(m - 400)).toBeGreaterThan(1)
  })

  it('gives exactly the cells PostGIS finds uncovered, holidays and closures included', async () => {
    const instants = [
      '2026-11-10T20:00', // Tuesday evening: both open
      '2026-11-11T20:00', // Armistice evening: the café's PH off
      '2026-11-11T01:00', // the small hours of the holiday: off too
      '2026-11-12T01:00', // the holiday's night spills into Thursday
      '2026-11-12T12:00', // the bar's closure, the café shut: nothing open
      '2026-11-14T20:00', // Saturday evening: the bar alone
      '2026-11-09T03:00', // Monday 03:00, a day back is still accepted
    ]
    let d: Awaited<ReturnType<typeof distances>> | undefined
    const uncoveredCounts: number[] = []
    for (const local of instants) {
      const r = await coverage(`at=${encodeURIComponent(local)}`)
      d ??= await distances(r.features)
      const at = new Date(r.at)
      expect(paris(at).hour).toBe(Number(local.slice(11, 13)))
      const want = r.features.map((f) => ({ id: f.id, ...expected(d!.get(f.id)!, at) }))
      expect(r.features.map((f) => ({ id: f.id, covered: f.properties.covered })), local).toEqual(want.map(({ id, covered }) => ({ id, covered })))
      for (const [k, f] of r.features.entries()) sameMetres(f.properties.nearest_open_m, want[k]!.nearest_open_m, `${local} ${f.id}`)
      const uncovered = want.filter((w) => !w.covered).length
      uncoveredCounts.push(uncovered)
      expect(r.covered_share).toBe(Math.round(((r.features.length - uncovered) / r.features.length) * 10_000) / 10_000)
    }
    const [tuesday, holiday, holidayNight, thursdayNight, closure, saturday] = uncoveredCounts
    // The holiday at 20:00 differs from the day before, by the café's own cells.
    expect(holiday).toBeGreaterThan(tuesday!)
    expect(holidayNight).toBe(holiday)
    expect(thursdayNight).toBe(tuesday)
    expect(saturday).toBe(holiday)
    expect(closure).toBe(d!.size)
  })

  it('says nearest_open_m is null when nothing is open within the search radius', async () => {
    await t.request(`/v1/networks/${slug}`, { method: 'PATCH', token: ADMIN_TOKEN, json: { search_radius_m: 500 } })
    try {
      const r = await coverage(`at=${encodeURIComponent('2026-11-14T20:00')}`)
      const d = await distances(r.features)
      for (const f of r.features) {
        const a = d.get(f.id)!.a
        sameMetres(f.properties.nearest_open_m, a <= 500 ? a : null, f.id)
      }
      expect(r.features.some((f) => f.properties.nearest_open_m === null)).toBe(true)
    } finally {
      await t.request(`/v1/networks/${slug}`, { method: 'PATCH', token: ADMIN_TOKEN, json: { search_radius_m: 5000 } })
    }
  })

  it('renews a refuge whose materialised periods do not reach the instant, as the hourly job would', async () => {
    await t.db.sql`update places set open_periods = '{}', periods_from = '-infinity', periods_to = '-infinity' where id = ${ids.a}`
    const r = await coverage(`at=${encodeURIComponent('2026-11-10T20:00')}`)
    const d = await distances(r.features)
    for (const f of r.features) expect(f.properties.covered, f.id).toBe(expected(d.get(f.id)!, new Date(r.at)).covered)
    const [row] = await t.db.sql<{ to: Date }[]>`select periods_to as to from places where id = ${ids.a}`
    expect(row!.to.getTime()).toBeGreaterThan(NOW.getTime())
  })

  it('never counts a help service as a refuge', async () => {
    const help = await activePlace(t, slug, operator, { lat: 45.745, lon: 4.835, name: 'France Victimes', hours: '24/7' })
    await t.db.sql`update places set kind = 'support_service' where id = ${help.id}`
    try {
      const r = await coverage(`at=${encodeURIComponent('2026-11-14T20:00')}`)
      const d = await distances(r.features)
      for (const f of r.features) expect(f.properties.covered, f.id).toBe(expected(d.get(f.id)!, new Date(r.at)).covered)
      const w = await week('from=2026-11-09')
      expect(w.critical_refuges.map((c) => c.name)).not.toContain('France Victimes')
    } finally {
      await t.db.sql`update places set status = 'withdrawn' where id = ${help.id}`
    }
  })

  it('reads a wider reach and larger cells as asked', async () => {
    const r = await coverage(`at=${encodeURIComponent('2026-11-14T20:00')}&distance_m=800&cell_m=400`)
    expect(r).toMatchObject({ distance_m: 800, cell_m: 400 })
    const d = await distances(r.features)
    for (const f of r.features) expect(f.properties.covered).toBe(expected(d.get(f.id)!, new Date(r.at), 800).covered)
  })
})

type Hour = { hour_of_week: number; weekday: number; hour: number; date: string; at: string; covered_share: number; uncovered_cells: number }
type Week = { cells: number; week: { kind: string; from: string | null }; hours: Hour[]; worst_hours: Hour[]; critical_refuges: { id: string; name: string; loss_share: number; loss_share_worst_hours: number }[] }

async function week(query: string) {
  const res = await t.request(`/v1/networks/${slug}/coverage/week?${query}`, { token: operator })
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as Week
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000

// What the week must say, from the hand-written hours and PostGIS's distances.
async function expectedWeek(hours: Hour[]) {
  const cells = (await coverage('')).features
  const d = [...(await distances(cells)).values()]
  const shares = hours.map((h) => {
    const at = new Date(h.at)
    const covered = d.filter((x) => expected(x, at).covered).length
    return { covered_share: round4(covered / d.length), uncovered_cells: d.length - covered }
  })
  const worst = shares
    .map((s, i) => ({ s: s.covered_share, i }))
    .sort((x, y) => x.s - y.s || x.i - y.i)
    .slice(0, 5)
    .map((w) => w.i)
  // The two refuges' reaches do not meet (930 m apart, 400 m each): every cell a refuge
  // covers, it covers alone.
  const alone = (near: (x: (typeof d)[number]) => boolean, open: (at: Date) => boolean, over: number[]) =>
    round4(over.reduce((sum, i) => sum + (open(new Date(hours[i]!.at)) ? d.filter(near).length : 0), 0) / (d.length * over.length))
  const all = hours.map((_, i) => i)
  const critical = [
    { id: ids.a, name: 'Bar de nuit et de jour', loss_share: alone((x) => x.a <= 400, openA, all), loss_share_worst_hours: alone((x) => x.a <= 400, openA, worst) },
    { id: ids.b, name: 'Café du soir', loss_share: alone((x) => x.b <= 400, openB, all), loss_share_worst_hours: alone((x) => x.b <= 400, openB, worst) },
  ].sort((x, y) => y.loss_share - x.loss_share)
  return { cells: d.length, shares, worst, critical }
}

describe('coverage over a week', () => {
  it('a typical week reads each weekday on its next ordinary day: Wednesday after the holiday', async () => {
    const w = await week('')
    expect(w.week).toEqual({ kind: 'typical', from: null })
    expect(w.hours).toHaveLength(168)
    expect(w.hours.map((h) => h.hour_of_week)).toEqual(Array.from({ length: 168 }, (_, i) => i))
    const days = [...new Set(w.hours.map((h) => h.date))]
    expect(days).toEqual(['2026-11-09', '2026-11-10', '2026-11-18', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15'])
    for (const h of w.hours) {
      const p = paris(new Date(h.at))
      expect([p.date, p.weekday, p.hour]).toEqual([h.date, h.weekday, h.hour])
    }
    const want = await expectedWeek(w.hours)
    expect(w.cells).toBe(want.cells)
    expect(w.hours.map(({ covered_share, uncovered_cells }) => ({ covered_share, uncovered_cells }))).toEqual(want.shares)
    expect(w.worst_hours.map((h) => h.hour_of_week)).toEqual(want.worst.map((i) => w.hours[i]!.hour_of_week))
    // The bar's closure on Thursday 10:00–14:00 leaves nobody: the four worst hours.
    expect(w.worst_hours.slice(0, 4).map((h) => [h.weekday, h.hour, h.covered_share])).toEqual([
      [4, 10, 0],
      [4, 11, 0],
      [4, 12, 0],
      [4, 13, 0],
    ])
    expect(w.critical_refuges).toEqual(want.critical)
    // Wednesday 20:00 of a typical week has the café open.
    const wednesday = w.hours.find((h) => h.weekday === 3 && h.hour === 20)!
    expect(wednesday.uncovered_cells).toBe(w.hours.find((h) => h.weekday === 2 && h.hour === 20)!.uncovered_cells)
  })

  it('a given week reads its dates, the holiday included, and agrees with coverage at each hour', async () => {
    const w = await week('from=2026-11-09')
    expect(w.week).toEqual({ kind: 'dates', from: '2026-11-09' })
    expect(w.hours[0]).toMatchObject({ date: '2026-11-09', hour: 0, weekday: 1 })
    expect(w.hours[167]).toMatchObject({ date: '2026-11-15', hour: 23, weekday: 7 })
    const want = await expectedWeek(w.hours)
    expect(w.hours.map(({ covered_share, uncovered_cells }) => ({ covered_share, uncovered_cells }))).toEqual(want.shares)
    expect(w.critical_refuges).toEqual(want.critical)
    const at = (date: string, hour: number) => w.hours.find((h) => h.date === date && h.hour === hour)!
    expect(at(HOLIDAY, 20).uncovered_cells).toBeGreaterThan(at('2026-11-10', 20).uncovered_cells)
    for (const h of [at(HOLIDAY, 20), at('2026-11-10', 20), at('2026-11-12', 12)]) {
      expect((await coverage(`at=${encodeURIComponent(h.at)}`)).covered_share).toBe(h.covered_share)
    }
  })

  it('starts a given week on any day, Friday to Thursday', async () => {
    const w = await week('from=2026-11-13&distance_m=300')
    expect(w.hours.map((h) => h.date).filter((d, i, all) => all.indexOf(d) === i)).toEqual([
      '2026-11-13',
      '2026-11-14',
      '2026-11-15',
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
    ])
    expect(w.hours[0]!.hour_of_week).toBe(4 * 24)
  })
})

describe('without an area: around the refuges and stops', () => {
  it('cells lie within 1 km of an active refuge or a stop, and a stop adds its own', async () => {
    const net = await createNetwork(t)
    const op = await createToken(t, net.slug, { role: 'operator', label: 'Salle' })
    const c = await activePlace(t, net.slug, op, { lat: 45.76, lon: 4.83, hours: '24/7' })
    const read = async () => {
      const res = await t.request(`/v1/networks/${net.slug}/coverage?at=${encodeURIComponent('2026-11-10T12:00')}`, { token: op })
      expect(res.status).toBe(200)
      return (await res.json()) as Coverage
    }
    const before = await read()
    // A disc of 1 km is 3.14 km², 78.5 cells of 200 m; its edge adds or takes a few.
    expect(Math.abs(before.features.length - 78.5)).toBeLessThan(8)
    const [feedRow] = await t.db.sql<{ id: string }[]>`insert into gtfs_feeds (network_id) values (${net.id}) returning id`
    const feed = feedRow!.id
    await t.db.sql`insert into transit_stops (feed_id, stop_id, name, lat, lon, location)
      values (${feed}, 's1', 'Arrêt loin', 45.76, 4.87, st_setsrid(st_makepoint(4.87, 45.76), 4326)::geography)`
    const after = await read()
    expect(Math.abs(after.features.length - 2 * 78.5)).toBeLessThan(16)
    const rows = await t.db.sql<{ m: number }[]>`
      select least(
        st_distance(st_transform(st_centroid(st_transform(st_setsrid(st_geomfromgeojson(g), 4326), 3857)), 4326)::geography, (select location from places where id = ${c.id})),
        st_distance(st_transform(st_centroid(st_transform(st_setsrid(st_geomfromgeojson(g), 4326), 3857)), 4326)::geography, st_setsrid(st_makepoint(4.87, 45.76), 4326)::geography)) as m
      from unnest(${textArray(after.features.map((f) => JSON.stringify(f.geometry)))}::text[]) g`
    for (const r of rows) expect(r.m).toBeLessThanOrEqual(1000)
    // Cells around the stop have no refuge within 400 m: uncovered, the refuge 3 km away.
    expect(after.covered_share!).toBeLessThan(before.covered_share!)
  })

  it('a network with no area, refuge or stop has no cells', async () => {
    const net = await createNetwork(t)
    const r = await t.request(`/v1/networks/${net.slug}/coverage`, { token: ADMIN_TOKEN })
    expect(r.status).toBe(200)
    expect(await r.json()).toMatchObject({ cells: 0, covered_share: null, features: [] })
    const w = await t.request(`/v1/networks/${net.slug}/coverage/week`, { token: ADMIN_TOKEN })
    const body = (await w.json()) as Week
    expect(body.cells).toBe(0)
    expect(body.hours.every((h) => h.covered_share === null)).toBe(true)
    expect(body.worst_hours).toEqual([])
  })
})

describe('refusals', () => {
  const problem = async (res: Response, status: number, code: string) => {
    expect(res.status, await res.clone().text()).toBe(status)
    expect(res.headers.get('content-type')).toMatch(/problem\+json/)
    expect(((await res.json()) as { code: string }).code).toBe(code)
  }

  it('refuses a malformed or out-of-range instant or date', async () => {
    const get = (q: string) => t.request(`/v1/networks/${slug}/coverage${q}`, { token: operator })
    await problem(await get('?at=tomorrow'), 400, 'validation_failed')
    await problem(await get(`?at=${encodeURIComponent('2026-12-24T23:30:00+01:00')}`), 400, 'instant_out_of_range')
    await problem(await get(`?at=${encodeURIComponent('2026-11-07T23:30')}`), 400, 'instant_out_of_range')
    await problem(await get('/week?from=2026-11-31'), 400, 'validation_failed')
    await problem(await get('/week?from=2026-11-17'), 400, 'instant_out_of_range')
    await problem(await get('/week?from=2026-11-07'), 400, 'instant_out_of_range')
  })

  it('refuses a distance or a cell size out of range', async () => {
    const get = (q: string) => t.request(`/v1/networks/${slug}/coverage${q}`, { token: operator })
    for (const q of ['?distance_m=49', '?distance_m=2001', '?distance_m=', '?distance_m=4e2', '?distance_m=abc', '?cell_m=10', '/week?distance_m=0', '/week?cell_m=5000']) {
      await problem(await get(q), 400, 'validation_failed')
    }
  })

  it('refuses too many cells with a code asking for larger ones', async () => {
    // 15 km × 15 km: 5,600 cells of 200 m, 22,500 of 100 m, 90,000 of 50 m.
    const big = {
      type: 'MultiPolygon',
      coordinates: [[[[4.7, 45.7], [4.893, 45.7], [4.893, 45.835], [4.7, 45.835], [4.7, 45.7]]]],
    }
    const net = await createNetwork(t, { area: big })
    for (const q of ['cell_m=100', 'cell_m=50']) {
      const res = await t.request(`/v1/networks/${net.slug}/coverage?${q}`, { token: ADMIN_TOKEN })
      await problem(res.clone(), 422, 'too_many_cells')
      const body = (await res.json()) as { suggested_cell_m: number; max_cells: number; errors: { path: string }[] }
      expect(body.errors[0]!.path).toBe('cell_m')
      expect(body.max_cells).toBe(20_000)
      await problem(await t.request(`/v1/networks/${net.slug}/coverage/week?${q}`, { token: ADMIN_TOKEN }), 422, 'too_many_cells')
      // The size it suggests is enough: 225 km² in cells of 110 m is 18,600 cells.
      expect(body.suggested_cell_m).toBe(110)
    }
    const ok = await t.request(`/v1/networks/${net.slug}/coverage/week?cell_m=110`, { token: ADMIN_TOKEN })
    expect(ok.status).toBe(200)
    expect(((await ok.json()) as Week).cells).toBeGreaterThan(18_000)
  })

  it('is for the network’s operators: 401 without a token, 403 for a partner or another network, 404 for no network', async () => {
    for (const path of ['coverage', 'coverage/week']) {
      await problem(await t.request(`/v1/networks/${slug}/${path}`), 401, 'unauthorized')
      await problem(await t.request(`/v1/networks/${slug}/${path}`, { token: partnerA }), 403, 'forbidden')
      const other = await createNetwork(t)
      const stranger = await createToken(t, other.slug, { role: 'operator', label: 'Ailleurs' })
      await problem(await t.request(`/v1/networks/${slug}/${path}`, { token: stranger }), 403, 'wrong_network')
      await problem(await t.request(`/v1/networks/nulle-part/${path}`, { token: ADMIN_TOKEN }), 404, 'network_not_found')
    }
  })
})
