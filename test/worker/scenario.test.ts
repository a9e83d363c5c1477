import twilio from 'twilio'
import { afterAll, describe, expect, it } from 'vitest'
import { insertAlert } from '../../src/alerts/queries.ts'
import { EVERY_MINUTE, HOURLY } from '../../src/runtime/scheduled.ts'
import { readSse } from '../helpers/sse.ts'
import { baseFeed, LAT, zipOf } from '../transit/feed.ts'
import { ADMIN, nodeTarget, PUBLIC_BASE, type Target, TWILIO_AUTH, workersTarget } from './targets.ts'

// One scenario, the same assertions, on Node and on the Workers bundle in workerd, each
// on its own schema of the real PostgreSQL: every route a person, a partner, a driver or
// an operator uses, and every cron job. A route that answers differently on Workers
// fails here; and the answers themselves are compared across the runtimes at the end,
// ids and instants aside, so a value read differently (an array column come back as
// its text, say) fails too.

const here = { lat: 47.2388, lon: 6.0243 }
const NUMBER = '+33644648719'
let clients = 0
// A fresh address per request where a per-client limit could bite, so that none does.
const client = () => `198.51.100.${(clients++ % 250) + 1}`
const seen: Record<Target['name'], Record<string, unknown>> = { node: {}, workers: {} }

// A feed whose bus trip TR1 runs all day, every day, so that a request "now" is on a
// running trip whenever the test runs.
function allDayFeed() {
  const files = baseFeed()
  const allDay = ['00:00:00', '06:00:00', '12:00:00', '18:00:00', '23:59:00'].map((t, n) => `TR1,S${n + 1},${n + 1},${t},${t}`)
  const others = files['stop_times.txt']!.split('\n').filter((l) => l !== '' && !l.startsWith('TR1,'))
  files['stop_times.txt'] = `${[...others, ...allDay].join('\n')}\n`
  return zipOf(files)
}

describe.skipIf(!process.env.DATABASE_URL).each(['node', 'workers'] as const)('halte on %s', (name) => {
  let t: Target
  let operator: string
  let driver: string
  let open: { id: string; token: string }
  let closed: { id: string; token: string }
  const keep = (step: string, body: unknown) => {
    seen[name][step] = body
  }
  const json = async <T = Record<string, unknown>>(res: Response, status = 200) => {
    const body = (await res.json()) as T
    expect(res.status, JSON.stringify(body)).toBe(status)
    return body
  }
  const post = (path: string, body: unknown, token?: string) => t.request(path, { method: 'POST', json: body, token, client: client() })

  afterAll(async () => {
    await t?.close()
  })

  it('starts', async () => {
    t = name === 'node' ? await nodeTarget() : await workersTarget()
  }, 90_000)

  it('networks: create, read, change, tokens', async () => {
    const created = await json(
      await post('/v1/networks', { slug: 'besancon', name: 'Besançon', timezone: 'Europe/Paris', locale: 'fr', country_code: 'FR', sms_number: NUMBER, dropoff: { route_ids: ['L1', 'L2'] } }, ADMIN),
      201,
    )
    expect(created).toMatchObject({ slug: 'besancon', dropoff: { route_ids: ['L1', 'L2'] } })
    const patched = await json(await t.request('/v1/networks/besancon', { method: 'PATCH', token: ADMIN, json: { alert_radius_m: 800 } }))
    expect(patched).toMatchObject({ alert_radius_m: 800 })
    keep('network', await json(await t.request('/v1/networks/besancon')))
    operator = (await json<{ token: string }>(await post('/v1/networks/besancon/tokens', { role: 'operator', label: 'CSU' }, ADMIN), 201)).token
    driver = (await json<{ token: string }>(await post('/v1/networks/besancon/tokens', { role: 'driver', label: 'Bus 12', vehicle: 'bus-12' }, operator), 201)).token
  })

  it('applications, moderation, the pending list', async () => {
    const apply = async (name: string, lat: number, hours: string, features: string[]) => {
      const body = await json<{ id: string; partner_token: string; status: string }>(
        await post('/v1/networks/besancon/applications', {
          name,
          kind: 'bar',
          address: '1 rue de la Paix',
          location: { lat, lon: here.lon },
          opening_hours: hours,
          contact_name: 'Camille',
          charter_accepted: true,
          features,
        }),
        201,
      )
      expect(body.status).toBe('pending')
      return { id: body.id, token: body.partner_token }
    }
    open = await apply('Bar "Le Chat"', here.lat + 0.001, '24/7', ['toilets', 'step_free'])
    closed = await apply('Librairie', here.lat + 0.002, 'off', ['phone_charging'])
    type Fc = { features: { properties: { id: string; features: string[] } }[] }
    const pending = await json<Fc>(await t.request('/v1/networks/besancon/applications', { token: operator }))
    expect(pending.features.map((f) => f.properties.id).sort()).toEqual([open.id, closed.id].sort())
    expect(pending.features.find((f) => f.properties.id === open.id)!.properties.features).toEqual(['toilets', 'step_free'])
    keep('applications', pending)
    for (const p of [open, closed]) await json(await post(`/v1/networks/besancon/places/${p.id}/approve`, {}, operator))
    expect((await post(`/v1/networks/besancon/places/${open.id}/approve`, {}, operator)).status).toBe(409)
  })

  it('nearest, with features and closed places; bbox; one place', async () => {
    type Fc = { features: { properties: { id: string; open_now: boolean; features: string[] } }[] }
    const withToilets = await json<Fc>(await t.request(`/v1/networks/besancon/places/nearest?lat=${here.lat}&lon=${here.lon}&features=toilets`))
    expect(withToilets.features.map((f) => [f.properties.id, f.properties.open_now, f.properties.features])).toEqual([[open.id, true, ['toilets', 'step_free']]])
    const all = await json<Fc>(await t.request(`/v1/networks/besancon/places/nearest?lat=${here.lat}&lon=${here.lon}&open=false`))
    expect(all.features.map((f) => [f.properties.id, f.properties.open_now])).toEqual([
      [open.id, true],
      [closed.id, false],
    ])
    keep('nearest', all)
    const box = await json<Fc>(await t.request(`/v1/networks/besancon/places?bbox=${here.lon - 0.01},${here.lat - 0.01},${here.lon + 0.01},${here.lat + 0.01}`))
    expect(box.features.map((f) => f.properties.id).sort()).toEqual([open.id, closed.id].sort())
    // In no particular order: compared by name.
    keep('bbox', box.features.map((f) => f.properties).sort((a, b) => String((a as { name?: string }).name).localeCompare(String((b as { name?: string }).name))))
    const one = await json<{ properties: { features: string[] } }>(await t.request(`/v1/places/${open.id}`))
    expect(one.properties.features).toEqual(['toilets', 'step_free'])
    keep('place', one)
  })

  type AlertEvent = { event: string; alert: { id: string } }
  let alertId: string
  it('alerts: raise, list, stream, acknowledge (operator and notified partner)', async () => {
    const partnerPush = { endpoint: 'https://push.example.net/send/partner', keys: { p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', auth: 'tBHItJI5svbpez7KI4CCXg' } }
    expect((await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: open.token, json: partnerPush })).status).toBe(201)
    const stream = await t.request('/v1/networks/besancon/alerts/stream', { token: operator })
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/)
    // Workers poll by cursor (every 2 s) where Node is woken: read long enough for both.
    const reading = readSse<AlertEvent>(stream, 2, 6000)
    const raised = await json<{ id: string; status: string; access_token: string; nearest: { properties: { id: string } }[]; emergency: unknown }>(
      await post('/v1/networks/besancon/alerts', { location: { ...here, accuracy_m: 20 }, message: 'suivie' }),
      201,
    )
    alertId = raised.id
    expect(raised).toMatchObject({ status: 'open', emergency: { police: '17', eu: '112', sms: '114' } })
    expect(raised.nearest.map((f) => f.properties.id)).toEqual([open.id])
    keep('alert', raised)
    const [recipients] = await t.db.sql`select count(*)::int as n from alert_recipients where alert_id = ${raised.id}`
    expect(recipients!.n).toBe(1)
    const listed = await json<{ alerts: { id: string; status: string }[] }>(await t.request('/v1/networks/besancon/alerts', { token: operator }))
    expect(listed.alerts.map((a) => a.id)).toEqual([raised.id])
    const both = await json<{ alerts: unknown[] }>(await t.request('/v1/networks/besancon/alerts?status=open,acknowledged', { token: operator }))
    expect(both.alerts).toHaveLength(1)
    keep('alerts', listed)
    const mine = await json<{ status: string }>(await t.request(`/v1/alerts/${raised.id}`, { headers: { 'x-access-token': raised.access_token } }))
    expect(mine.status).toBe('open')
    expect((await json<{ status: string }>(await post(`/v1/alerts/${raised.id}/acknowledge`, {}, operator))).status).toBe('acknowledged')
    const events = await reading
    expect(events.filter((e) => e.data.alert.id === raised.id).map((e) => [e.event, e.data.event])).toEqual([
      ['alert', 'created'],
      ['alert', 'acknowledged'],
    ])
    const resumed = await t.request('/v1/networks/besancon/alerts/stream', { token: operator, headers: { 'last-event-id': events[0]!.id } })
    expect((await readSse<AlertEvent>(resumed, 1, 4000)).map((e) => e.data.event)).toEqual(['acknowledged'])
    // A partner the alert was sent to may acknowledge another one; a status filter then finds it.
    const second = await json<{ id: string }>(await post('/v1/networks/besancon/alerts', { location: here }), 201)
    expect((await json<{ status: string }>(await post(`/v1/alerts/${second.id}/acknowledge`, {}, open.token))).status).toBe('acknowledged')
    const acknowledged = await json<{ alerts: { id: string }[] }>(await t.request('/v1/networks/besancon/alerts?status=acknowledged', { token: operator }))
    expect(acknowledged.alerts.map((a) => a.id).sort()).toEqual([raised.id, second.id].sort())
  })

  it('the Twilio SMS webhook: signed, answered in TwiML, retries deduplicated', async () => {
    const params = { MessageSid: 'SM00000000000000000000000000000001', AccountSid: 'AC0', From: '+33612345678', To: NUMBER, Body: `Suivie ${here.lat}, ${here.lon}` }
    const send = (signature: string) =>
      t.request('/webhooks/twilio/sms', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
      })
    expect((await send('AAAA')).status).toBe(403)
    const signature = twilio.getExpectedTwilioSignature(TWILIO_AUTH, `${PUBLIC_BASE}/webhooks/twilio/sms`, params)
    const res = await send(signature)
    const text = await res.text()
    expect(res.status, text).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/xml/)
    expect(text).toContain('1) Bar "Le Chat", 1 rue de la Paix')
    for (const n of ['17', '112', '114']) expect(text).toContain(n)
    const again = await send(signature)
    expect(await again.text()).toBe(text)
    const [sms] = await t.db.sql`select count(*)::int as n from alerts where source = 'sms'`
    expect(sms!.n).toBe(1)
    keep('sms', text)
  })

  it('GTFS import, routes and stops', async () => {
    const report = await json(await t.request('/v1/networks/besancon/gtfs', { method: 'POST', token: operator, headers: { 'content-type': 'application/zip' }, body: new Blob([allDayFeed() as Uint8Array<ArrayBuffer>]) }))
    expect(report).toMatchObject({ routes: 4, trips: 5, stops: 5, shapes: 2, trips_without_shape: 1 })
    keep('gtfs', report)
    const [pattern] = await t.db.sql<{ stop_ids: string[]; dists_m: number[] }[]>`
      select p.stop_ids, p.dists_m from transit_trips t join transit_patterns p using (feed_id, pattern_id) where t.trip_id = 'TR1'`
    expect(pattern!.stop_ids).toEqual(['S1', 'S2', 'S3', 'S4', 'S5'])
    expect(Math.round(pattern!.dists_m[1]!)).toBeGreaterThan(740)
    const routes = await json<{ id: string }[]>(await t.request('/v1/networks/besancon/routes'))
    expect(routes.map((r) => r.id).sort()).toEqual(['L1', 'L2', 'L3', 'T1'])
    keep('routes', routes)
    const stops = await json<{ id: string }[]>(await t.request(`/v1/networks/besancon/stops?lat=${LAT}&lon=7.3&limit=2`))
    expect(stops.map((s) => s.id)).toEqual(['S1', 'S2'])
    keep('stops', stops)
  })

  it('drop-off: request, driver feed (list and stream), decisions, the rider sees them', async () => {
    expect((await t.request('/v1/driver/position', { method: 'POST', token: driver, json: { lat: LAT, lon: 7.3, trip_id: 'TR1' } })).status).toBe(204)
    const stream = await t.request('/v1/driver/feed', { token: driver })
    expect(stream.status).toBe(200)
    const reading = readSse<{ id: string; status: string }>(stream, 1, 6000)
    const ask = async (lon: number) =>
      json<{ id: string; access_token: string; status: string; after_stop: { id: string }; before_stop: { id: string } }>(
        await post('/v1/networks/besancon/dropoffs', { trip_id: 'TR1', location: { lat: LAT + 0.0001, lon } }),
        201,
      )
    const a = await ask(7.315)
    expect(a).toMatchObject({ status: 'pending', after_stop: { id: 'S2' }, before_stop: { id: 'S3' } })
    keep('dropoff', a)
    const refused = await json<{ code: string }>(await post('/v1/networks/besancon/dropoffs', { trip_id: 'TT1', location: { lat: LAT, lon: 7.315 } }), 422)
    expect(refused.code).toBe('route_not_eligible')
    expect((await reading).map((e) => [e.event, e.data.id])).toEqual([['dropoff', a.id]])
    const b = await ask(7.325)
    const list = await json<{ id: string }[]>(await t.request('/v1/driver/feed', { token: driver, headers: { accept: 'application/json' } }))
    expect(list.map((d) => d.id)).toEqual([a.id, b.id])
    keep('feed', list)
    await json(await post(`/v1/driver/dropoffs/${a.id}/accept`, {}, driver))
    await json(await post(`/v1/driver/dropoffs/${b.id}/decline`, { reason: 'unsafe_spot', note: 'travaux' }, driver))
    expect((await post(`/v1/driver/dropoffs/${b.id}/accept`, {}, driver)).status).toBe(409)
    await json(await post(`/v1/driver/dropoffs/${a.id}/done`, {}, driver))
    const rider = await json<{ status: string }>(await t.request(`/v1/dropoffs/${a.id}`, { headers: { 'x-access-token': a.access_token } }))
    expect(rider.status).toBe('done')
    expect(await json(await t.request(`/v1/dropoffs/${b.id}`, { headers: { 'x-access-token': b.access_token } }))).toMatchObject({
      status: 'declined',
      decision: { reason: 'unsafe_spot', note: 'travaux' },
    })
  })

  it('every minute: an alert nobody acknowledged escalates, once', async () => {
    const [network] = await t.db.sql<{ id: string }[]>`select id from networks where slug = 'besancon'`
    const alert = { networkId: network!.id, source: 'web' as const, ...here, accuracyM: null, message: null, phone: null, phoneHash: null, accessTokenHash: null }
    const old = await insertAlert(t.db.sql, alert, new Date(Date.now() - 10 * 60_000))
    expect(await t.cron(EVERY_MINUTE)).toEqual([])
    expect(await t.cron(EVERY_MINUTE)).toEqual([])
    const events = await t.db.sql`select 1 from alert_events where alert_id = ${old.id} and kind = 'escalated'`
    expect(events).toHaveLength(1)
  })

  it('hourly: erasure after retention, periods refresh, drop-off coarsening, index upkeep', async () => {
    const sql = t.db.sql
    await sql`update alerts set created_at = now() - interval '20 days' where id = ${alertId}`
    await sql`update dropoffs set created_at = now() - interval '20 days'`
    await sql`update places set periods_to = now() + interval '1 day' where id = ${open.id}`
    // Enough places, loosened by rewrites as the periods refresh does, for the upkeep to rebuild the index.
    const [bulk] = await sql<{ id: string }[]>`
      insert into networks (slug, name, timezone, locale, country_code) values ('bulk', 'Bulk', 'Europe/Paris', 'fr', 'FR') returning id`
    await sql`
      insert into places (network_id, status, name, kind, address, location, opening_hours, charter_accepted_at, periods_to)
      select ${bulk!.id}, 'active', 'Lieu ' || g, 'bar', 'rue', st_setsrid(st_makepoint(2.3 + random() / 10, 48.8 + random() / 10), 4326)::geography, '24/7', now(), now() + interval '20 days'
      from generate_series(1, 10500) g`
    for (let i = 0; i < 3; i++) await sql`update places set periods_to = periods_to + interval '1 second' where network_id = ${bulk!.id}`
    await sql`vacuum places`
    const indexOid = async () => (await sql<{ oid: string }[]>`select to_regclass('places_active_merc_idx')::oid::text as oid`)[0]!.oid
    const before = await indexOid()

    expect(await t.cron(HOURLY)).toEqual([])

    const [alert] = await sql`select erased_at, message, accuracy_m, (select count(*)::int from alert_recipients where alert_id = a.id) as recipients from alerts a where id = ${alertId}`
    expect(alert).toMatchObject({ message: null, accuracy_m: null, recipients: 0 })
    expect(alert!.erased_at).toBeInstanceOf(Date)
    const [place] = await sql<{ ahead_days: number }[]>`select (extract(epoch from periods_to - now()) / 86400)::float8 as ahead_days from places where id = ${open.id}`
    expect(place!.ahead_days).toBeGreaterThan(20)
    const dropoffs = await sql`select coarsened from dropoffs`
    expect(dropoffs.every((d) => d.coarsened === true)).toBe(true)
    expect(await indexOid()).not.toBe(before)
  }, 60_000)
})

// The answers of both runtimes, with what is drawn at random or read from the clock replaced.
describe.skipIf(!process.env.DATABASE_URL)('Node and Workers', () => {
  it('gave the same answers', () => {
    const normalise = (v: unknown) =>
      JSON.parse(
        JSON.stringify(v)
          .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
          .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?/g, '<instant>')
          .replace(/"[a-z]{1,12}_[A-Za-z0-9_-]{20,}"/g, '"<token>"')
          .replace(/\d{1,2}(:|\s?h\s?)\d\d/g, '<time>'),
      )
    expect(Object.keys(seen.workers).sort()).toEqual(Object.keys(seen.node).sort())
    for (const step of Object.keys(seen.node)) expect(normalise(seen.workers[step]), step).toEqual(normalise(seen.node[step]))
  })
})
