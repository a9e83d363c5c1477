import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eraseExpired, escalateDue } from '../../src/alerts/jobs.ts'
import { withPorts } from '../../src/services.ts'
import { coarsenOldDropoffs } from '../../src/transit/dropoff-queries.ts'
import { expireEndedDropoffs } from '../../src/transit/jobs.ts'
import { activePlace, subscription } from '../alerts/fixtures.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { uploadFeed } from '../transit/feed.ts'

// After retention, an attacker holding a copy of the database (and the public data: refuges,
// GTFS) tries to put the people back on the map. Every row of every table is read; whatever
// could locate a person more finely than the ~1 km coarsening, or name them, is a failure.
// The secret points are cell centres of the 0.01° grid, so that the coarsened points
// themselves are ~670 m away: anything recovered closer than RECOVERED_M came from a leak.

const RECOVERED_M = 500
const AUTH = 'privacy-twilio-token'
const BASE = 'https://halte.example.org'
const NUMBER = '+33644640001'
const ONCALL = '+33388000001'
const PHONE = '+33612345678'
const WEB_MESSAGE = 'Un homme me suit depuis la rue des Lilas'
const SMS_MESSAGE = 'Au secours on me suit, je suis près du square Mozart'
const DRIVER_NOTE = 'devant le 12 rue du Moulin'
const WEB = { lat: 47.745, lon: 7.315 }
const SMS = { lat: 47.765, lon: 7.335 }
const DROP = { lat: 47.755, lon: 7.325 }
const SECRET_POINTS = { web: WEB, sms: SMS, drop: DROP }
const LINE_LAT = DROP.lat
const STOP_NAMES = ['Place Lumière', 'Rue Haute', 'Moulin Neuf', 'Les Tilleuls', 'Parc Wallach']

let now = new Date('2026-11-20T21:05:00Z') // Friday 22:05 in Paris
const clock = { now: () => now }
let t: TestApp
let slug: string
let networkId: string
let sid = 0

// One bus line east along lat 47.755, stops every 0.01° (≈ 750 m); the drop-off point
// lies halfway between the third and fourth stops.
function feed() {
  const lonOf = (i: number) => (7.3 + 0.01 * i).toFixed(6)
  const stops = STOP_NAMES.map((name, i) => `S${i + 1},"${name}",${LINE_LAT},${lonOf(i)}`)
  const shape = Array.from({ length: 9 }, (_, k) => `SH1,${LINE_LAT},${(7.3 + 0.005 * k).toFixed(6)},${k + 1}`)
  const times = STOP_NAMES.map((_, n) => `TR1,S${n + 1},${n + 1},22:${10 + n}:00,22:${10 + n}:00`)
  return {
    'agency.txt': 'agency_id,agency_name,agency_url,agency_timezone\nA,Transports,https://example.org,Europe/Paris\n',
    'routes.txt': 'route_id,route_short_name,route_type,agency_id\nL1,1,3,A\n',
    'stops.txt': `stop_id,stop_name,stop_lat,stop_lon\n${stops.join('\n')}\n`,
    'trips.txt': 'trip_id,route_id,service_id,shape_id\nTR1,L1,WK,SH1\n',
    'stop_times.txt': `trip_id,stop_id,stop_sequence,arrival_time,departure_time\n${times.join('\n')}\n`,
    'shapes.txt': `shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n${shape.join('\n')}\n`,
    'calendar.txt': 'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,1,1,20260101,20271231\n',
  }
}

async function sms(body: string, from = PHONE) {
  sid++
  const params = { MessageSid: `SM${String(sid).padStart(32, '0')}`, AccountSid: `AC${'0'.repeat(32)}`, From: from, To: NUMBER, Body: body }
  const signature = twilio.getExpectedTwilioSignature(AUTH, `${BASE}/webhooks/twilio/sms`, params)
  const res = await t.request('/webhooks/twilio/sms', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  })
  expect(res.status, await res.clone().text()).toBe(200)
}

async function refugeAround(operator: string, p: { lat: number; lon: number }, dLat: number, dLon: number) {
  const place = await activePlace(t, slug, operator, { lat: p.lat + dLat, lon: p.lon + dLon })
  const res = await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: place.token, json: subscription() })
  expect(res.status).toBe(201)
  return place
}

beforeAll(async () => {
  t = await testApp({ clock, env: { TWILIO_AUTH_TOKEN: AUTH, PUBLIC_BASE_URL: BASE } })
  ;({ slug, id: networkId } = await createNetwork(t, { sms_number: NUMBER, dropoff: { hours: 'Mo-Su 21:00-06:00' } }))
  const operator = await createToken(t, slug, { role: 'operator', label: 'CSU' })
  expect((await t.request(`/v1/networks/${slug}/alert-settings`, { method: 'PATCH', token: operator, json: { oncall_sms_number: ONCALL } })).status).toBe(200)
  expect((await t.request(`/v1/networks/${slug}/push-subscriptions`, { method: 'POST', token: operator, json: subscription() })).status).toBe(201)
  // Refuges all around both alert points, within the 500 m alert radius: recipients.
  const around = [
    [0.002, 0],
    [-0.002, 0.002],
    [0, -0.004],
    [0.001, 0.003],
  ] as const
  const partners = []
  for (const [dLat, dLon] of around) partners.push(await refugeAround(operator, WEB, dLat, dLon))
  for (const [dLat, dLon] of around) await refugeAround(operator, SMS, dLat, dLon)
  await uploadFeed(t, slug, feed())

  // A web alert, with a message, the person's browser and an idempotency key.
  const web = await t.request(`/v1/networks/${slug}/alerts`, {
    method: 'POST',
    headers: { 'idempotency-key': 'privacy-key-0001' },
    json: { location: { ...WEB, accuracy_m: 12 }, message: WEB_MESSAGE, push_subscription: subscription() },
  })
  expect(web.status, await web.clone().text()).toBe(201)
  const webAlert = (await web.json()) as { id: string }
  // Nobody acknowledges it for a while: it escalates to the on-call phone, with a map link.
  now = new Date(now.getTime() + 3 * 60_000)
  expect(await escalateDue(t.db.sql, now)).toHaveLength(1)
  // A partner acknowledges it with a note; the operator reads it (audited).
  const ack = await t.request(`/v1/alerts/${webAlert.id}/acknowledge`, { method: 'POST', token: partners[0]!.token, json: { note: 'elle est chez nous' } })
  expect(ack.status, await ack.clone().text()).toBe(200)
  expect((await t.request(`/v1/alerts/${webAlert.id}`, { token: operator })).status).toBe(200)

  // An SMS alert without a location, then located by a second message; acknowledged, so
  // the person is texted back; then STOP.
  await sms(SMS_MESSAGE)
  await sms(`${SMS.lat},${SMS.lon}`)
  const [smsAlert] = await t.db.sql<{ id: string }[]>`select id from alerts where source = 'sms'`
  const ackSms = await t.request(`/v1/alerts/${smsAlert!.id}/acknowledge`, { method: 'POST', token: operator, json: { note: 'patrouille envoyée square Mozart' } })
  expect(ackSms.status).toBe(200)
  await sms('STOP')

  // A drop-off asked from on board (the rider's position stands in for the bus's), with
  // the rider's browser; a driver declines it with a note.
  const ask = await t.request(`/v1/networks/${slug}/dropoffs`, {
    method: 'POST',
    json: { trip_id: 'TR1', location: DROP, rider_position: { lat: LINE_LAT, lon: 7.3005 }, push_subscription: subscription() },
  })
  expect(ask.status, await ask.clone().text()).toBe(201)
  const dropoff = (await ask.json()) as { id: string }
  const bus = await createToken(t, slug, { role: 'driver', label: 'bus', vehicle: 'bus-1' })
  expect((await t.request('/v1/driver/position', { method: 'POST', token: bus, json: { lat: LINE_LAT, lon: 7.301, trip_id: 'TR1' } })).status).toBe(204)
  const decline = await t.request(`/v1/driver/dropoffs/${dropoff.id}/decline`, { method: 'POST', token: bus, json: { reason: 'other', note: DRIVER_NOTE } })
  expect(decline.status, await decline.clone().text()).toBe(200)

  // Sixteen days later (retention: 15), the jobs run.
  now = new Date(now.getTime() + 16 * 86_400_000)
  await expireEndedDropoffs(withPorts({ sql: t.db.sql }), now)
  await coarsenOldDropoffs(t.db.sql, now)
  await eraseExpired(t.db.sql, now)
})
afterAll(() => t?.close())

// --- what an attacker holds -------------------------------------------------------

type Row = Record<string, string | null>
interface Table {
  name: string
  rows: Row[]
}

// Reference data anyone can read: refuges are published, the GTFS feed is public, the
// network's settings and tokens are not about the people helped.
const PUBLIC = /^(networks|tokens|places|place_.*|transit_.*|gtfs_feeds|schema_migrations|halte_migrations|migrations)$/

async function dumpAll(): Promise<Table[]> {
  const cols = await t.db.sql<{ table_name: string; column_name: string; udt_name: string }[]>`
    select c.table_name, c.column_name, c.udt_name
    from information_schema.columns c
    join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name
    where c.table_schema = current_schema() and tb.table_type = 'BASE TABLE' and c.table_name <> 'spatial_ref_sys'
    order by c.table_name, c.ordinal_position`
  const byTable = new Map<string, { column_name: string; udt_name: string }[]>()
  for (const c of cols) byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c])
  const tables: Table[] = []
  for (const [name, columns] of byTable) {
    const select = columns
      .map((c) => {
        const id = `"${c.column_name}"`
        return ['geography', 'geometry'].includes(c.udt_name) ? `st_astext(${id}::geometry) as ${id}` : `${id}::text as ${id}`
      })
      .join(', ')
    tables.push({ name, rows: await t.db.sql.unsafe<Row[]>(`select ${select} from "${name}"`) })
  }
  return tables
}

const R = 6_371_000
function metres(a: { lat: number; lon: number }, b: { lat: number; lon: number }) {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * R * Math.asin(Math.sqrt(h))
}

const nearSecret = (p: { lat: number; lon: number }) =>
  Object.entries(SECRET_POINTS)
    .map(([what, s]) => ({ what, m: Math.round(metres(p, s)) }))
    .filter((x) => x.m < RECOVERED_M)

const numbersIn = (v: string) => (v.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number)
const isNumber = (v: string | null): v is string => v !== null && /^-?\d+(?:\.\d+)?(?:e[-+]?\d+)?$/i.test(v)

describe('after retention, nothing locates or names a person', () => {
  let tables: Table[]
  let places: Map<string, { lat: number; lon: number }>
  let stops: { id: string; name: string; lat: number; lon: number }[]
  let shape: { lat: number; lon: number }[]
  const personal = () => tables.filter((tb) => !PUBLIC.test(tb.name))

  beforeAll(async () => {
    tables = await dumpAll()
    // The dump is what it should be: every table the scenario wrote to is read.
    const names = tables.map((tb) => tb.name)
    for (const n of ['alerts', 'alert_events', 'alert_recipients', 'outbox', 'dropoffs', 'sms_optouts', 'sms_inbound']) expect(names).toContain(n)
    expect(tables.find((tb) => tb.name === 'alerts')!.rows).toHaveLength(2)
    expect(tables.find((tb) => tb.name === 'dropoffs')!.rows).toHaveLength(1)
    places = new Map(
      (await t.db.sql<{ id: string; lat: number; lon: number }[]>`select id, st_y(location::geometry) as lat, st_x(location::geometry) as lon from places`).map(
        (p) => [p.id, { lat: p.lat, lon: p.lon }],
      ),
    )
    stops = await t.db.sql`select stop_id as id, name, lat, lon from transit_stops order by stop_id`
    const [line] = await t.db.sql<{ wkt: string }[]>`select st_astext(geog::geometry) as wkt from transit_shapes where shape_id = 'SH1'`
    const coords = numbersIn(line!.wkt)
    shape = []
    for (let i = 0; i + 1 < coords.length; i += 2) shape.push({ lon: coords[i]!, lat: coords[i + 1]! })
  })

  it('holds neither the messages, the driver note, the phone number nor a hash of it made from public values', async () => {
    // How phone hashes were keyed before the server secret: from public values only.
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(`halte-phone:${networkId}`), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(PHONE)))
    const legacy = [...mac].map((b) => b.toString(16).padStart(2, '0')).join('')
    const needles = [WEB_MESSAGE, SMS_MESSAGE, DRIVER_NOTE, 'square Mozart', 'chez nous', PHONE, PHONE.slice(3), `0${PHONE.slice(3)}`, legacy]
    const found: string[] = []
    for (const tb of tables)
      for (const row of tb.rows)
        for (const [col, v] of Object.entries(row)) for (const n of needles) if (v?.includes(n)) found.push(`${tb.name}.${col} holds "${n}"`)
    expect(found).toEqual([])
  })

  // Coordinates anywhere: points, JSON, map links, pairs of columns.
  const byCoordinates = () => {
    const found: string[] = []
    for (const tb of personal())
      for (const row of tb.rows) {
        // Latitudes and longitudes anywhere in the row (points, JSON, links, columns).
        const nums = Object.values(row).flatMap((v) => (v ? numbersIn(v) : []))
        const lats = nums.filter((n) => n > 47 && n < 48.5)
        const lons = nums.filter((n) => n > 6.5 && n < 8)
        for (const lat of lats) for (const lon of lons) for (const hit of nearSecret({ lat, lon })) found.push(`${tb.name}: (${lat}, ${lon}) is ${hit.m} m from the ${hit.what} point`)
      }
    return found
  }

  // Distances to refuges, whose positions are public: trilateration.
  const byDistancesToRefuges = () => {
    // Each row naming a refuge and holding a number gives "the point is that far from
    // it"; rows are grouped by the other ids they hold (the alert they belong to).
    const groups = new Map<string, { place: { lat: number; lon: number }; d: number }[]>()
    for (const tb of personal())
      for (const row of tb.rows) {
        const values = Object.values(row)
        const refuges = values.filter((v): v is string => v !== null && places.has(v))
        if (!refuges.length) continue
        const others = values.filter((v) => v !== null && !places.has(v) && /^[0-9a-f-]{36}$/.test(v)).join(',')
        for (const id of refuges)
          for (const v of values.filter(isNumber)) {
            const key = `${tb.name}:${others}`
            groups.set(key, [...(groups.get(key) ?? []), { place: places.get(id)!, d: Number(v) }])
          }
      }
    const found: string[] = []
    for (const [key, constraints] of groups) {
      // Every point of a 6 km square, 20 m apart, that agrees with all the distances.
      const c = constraints[0]!.place
      const feasible: { lat: number; lon: number }[] = []
      for (let dy = -3000; dy <= 3000; dy += 20)
        for (let dx = -3000; dx <= 3000; dx += 20) {
          const p = { lat: c.lat + dy / 111_320, lon: c.lon + dx / (111_320 * Math.cos((c.lat * Math.PI) / 180)) }
          if (constraints.every((k) => Math.abs(metres(p, k.place) - k.d) <= 15)) feasible.push(p)
        }
      for (const [what, s] of Object.entries(SECRET_POINTS)) {
        if (feasible.length && feasible.every((p) => metres(p, s) < RECOVERED_M)) found.push(`${key}: ${constraints.length} distances put the ${what} point within ${RECOVERED_M} m`)
      }
    }
    return found
  }

  // A distance or fraction along the trip's shape (public GTFS), or the stops it lies between.
  const alongTheTrip = () => {
    const length = shape.slice(1).reduce((sum, p, i) => sum + metres(shape[i]!, p), 0)
    const along = (d: number) => {
      let left = d
      for (let i = 0; i + 1 < shape.length; i++) {
        const seg = metres(shape[i]!, shape[i + 1]!)
        if (left <= seg) {
          const f = left / seg
          return { lat: shape[i]!.lat + f * (shape[i + 1]!.lat - shape[i]!.lat), lon: shape[i]!.lon + f * (shape[i + 1]!.lon - shape[i]!.lon) }
        }
        left -= seg
      }
      return null
    }
    const found: string[] = []
    for (const tb of personal())
      for (const row of tb.rows) {
        const values = Object.values(row).filter((v): v is string => v !== null)
        if (!values.some((v) => v === 'TR1' || v.includes('TR1'))) {
          // Without the trip, the stops a text names still place it (a push to the rider).
          const named = stops.filter((s) => values.some((v) => v.includes(s.name) || v === s.id))
          if (named.length >= 2) found.push(`${tb.name} names stops ${named.map((s) => s.name).join(', ')}`)
          continue
        }
        // A distance along the shape, or a fraction of its length.
        for (const v of values.filter(isNumber)) {
          const n = Number(v)
          for (const d of n > 0 && n < 1 ? [n, n * length] : [n]) {
            const p = along(d)
            if (p) for (const hit of nearSecret(p)) found.push(`${tb.name}: ${v} along the trip is ${hit.m} m from the ${hit.what} point`)
          }
        }
        // The stops it lies between: halfway between two consecutive ones.
        const named = stops.filter((s) => values.some((v) => v === s.id || v === s.name))
        for (let i = 0; i + 1 < named.length; i++) {
          const mid = { lat: (named[i]!.lat + named[i + 1]!.lat) / 2, lon: (named[i]!.lon + named[i + 1]!.lon) / 2 }
          for (const hit of nearSecret(mid)) found.push(`${tb.name}: between ${named[i]!.name} and ${named[i + 1]!.name} is ${hit.m} m from the ${hit.what} point`)
        }
      }
    return found
  }

  it('recovers no location closer than the coarsening, by any of the ways tried', () => {
    expect([...byCoordinates(), ...byDistancesToRefuges(), ...alongTheTrip()]).toEqual([])
  })

  it('keeps what the evaluation counts: statuses, sources, the decision, how many refuges were told', async () => {
    const alerts = await t.db.sql`select source, status, erased_at is not null as erased, notified_places from alerts order by source`
    expect(alerts).toEqual([
      { source: 'sms', status: 'acknowledged', erased: true, notified_places: 4 },
      { source: 'web', status: 'acknowledged', erased: true, notified_places: 4 },
    ])
    const [d] = await t.db.sql`select route_id, status, decision_reason, coarsened from dropoffs`
    expect(d).toEqual({ route_id: 'L1', status: 'declined', decision_reason: 'other', coarsened: true })
    // The opt-out stands: a STOP is honoured for as long as it is not taken back.
    expect((await t.db.sql`select count(*)::int as n from sms_optouts`)[0]!.n).toBe(1)
  })
})
