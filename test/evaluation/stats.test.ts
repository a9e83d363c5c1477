import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { subscription } from '../alerts/fixtures.ts'
import { importSectors, IN_A, IN_B, OUTSIDE } from '../field/fixtures.ts'
import { calendarFeed, LAT, uploadFeed } from '../transit/feed.ts'

// The council's figures against counts taken straight from the raw tables, with a known
// mix: small cells suppressed (and not given back by totals), no point finer than a
// sector anywhere in JSON or CSV, and refusals counted without the rider.

// 21:00 UTC = 22:00 in Paris, inside the network's drop-off hours.
const NOW = new Date('2026-11-20T21:00:00Z')
const clock = { now: () => NOW }
const PERIOD = 'from=2026-11-01&to=2026-11-30'
let t: TestApp
let slug: string
let networkId: string
let operator: string

type Cell = { count: number | null; suppressed: boolean }
type Keyed = Cell & { key: string }
// biome-ignore lint/suspicious/noExplicitAny: the document is walked generically
type Json = any

// Points a little off the fixtures' round numbers, so that a leak would show its digits.
const jitter = (p: { lat: number; lon: number }, i: number) => ({ lat: p.lat + 0.00123 + i * 0.00001, lon: p.lon + 0.00234 + i * 0.00001 })
const inserted: { lat: number; lon: number }[] = []

async function alert(o: { where: { lat: number; lon: number }; at: string; source?: 'web' | 'sms'; status?: string; escalated?: boolean; ackAfterS?: number }) {
  const p = jitter(o.where, inserted.length)
  inserted.push(p)
  const at = new Date(o.at)
  const [row] = await t.db.sql<{ id: string }[]>`
    insert into alerts (network_id, status, source, location, created_at, updated_at, escalated_at)
    values (${networkId}, ${o.status ?? 'open'}, ${o.source ?? 'web'}, st_setsrid(st_makepoint(${p.lon}, ${p.lat}), 4326)::geography,
            ${at}, ${at}, ${o.escalated ? new Date(at.getTime() + 120_000) : null})
    returning id`
  if (o.ackAfterS !== undefined) {
    // A second, later acknowledgement: only the first counts.
    for (const s of [o.ackAfterS, o.ackAfterS + 500]) {
      await t.db.sql`insert into alert_events (alert_id, network_id, kind, from_status, to_status, actor_role, at)
        values (${row!.id}, ${networkId}, 'acknowledged', 'open', 'acknowledged', 'operator', ${new Date(at.getTime() + s * 1000)})`
    }
  }
}

async function dropoff(status: string, reason: string | null, at: string) {
  const p = jitter({ lat: LAT, lon: 7.31 }, inserted.length)
  inserted.push(p)
  await t.db.sql`
    insert into dropoffs (network_id, trip_id, route_id, access_token_hash, status, snapped, offset_m, distance_along_m,
      after_stop_id, after_stop_name, after_stop_m, before_stop_id, before_stop_name, created_at, decision_reason)
    values (${networkId}, 'TR1', 'L1', ${crypto.randomUUID()}, ${status}, st_setsrid(st_makepoint(${p.lon}, ${p.lat}), 4326)::geography,
      3, 800, 'S2', 'Arrêt 2', 375, 'S3', 'Arrêt 3', ${new Date(at)}, ${reason})`
}

async function report(where: { lat: number; lon: number }, category: string, status: string, at: string) {
  const p = jitter(where, inserted.length)
  inserted.push(p)
  await t.db.sql`
    insert into reports (network_id, category_id, private, status, location, created_at, updated_at)
    select ${networkId}, id, visibility = 'private', ${status}, st_setsrid(st_makepoint(${p.lon}, ${p.lat}), 4326)::geography, ${new Date(at)}, ${new Date(at)}
    from report_categories where network_id = ${networkId} and code = ${category}`
}

async function contact(sector: string | null, kind: string, at: string) {
  await t.db.sql`insert into field_contacts (network_id, sector_id, sector_name, kind, at, created_at)
    select ${networkId}, (select id from sectors where network_id = ${networkId} and name = ${sector}), ${sector}, ${kind}, ${new Date(at)}, ${new Date(at)}`
}

async function place(where: { lat: number; lon: number }, training: string | null) {
  const p = jitter(where, inserted.length)
  inserted.push(p)
  await t.db.sql`insert into places (network_id, status, name, kind, address, location, opening_hours, charter_accepted_at, training_date)
    values (${networkId}, 'active', ${`Refuge ${inserted.length}`}, 'bar', '1 rue Test', st_setsrid(st_makepoint(${p.lon}, ${p.lat}), 4326)::geography,
      '24/7', ${NOW}, ${training})`
}

const ask = (body: Record<string, unknown>) => t.request(`/v1/networks/${slug}/dropoffs`, { method: 'POST', json: body })
const stats = (query = PERIOD, token = operator, headers: Record<string, string> = {}) =>
  t.request(`/v1/networks/${slug}/stats?${query}`, { token, headers })

beforeAll(async () => {
  t = await testApp({ clock })
  const n = await createNetwork(t, { region_code: 'FR-68', dropoff: { hours: 'Mo-Su 21:00-06:00' } })
  slug = n.slug
  networkId = n.id
  operator = await createToken(t, slug, { role: 'operator', label: 'Centre de supervision' })
  expect((await importSectors(t, slug, operator)).status).toBe(200)
  await uploadFeed(t, slug, calendarFeed())

  // Alerts (Paris is UTC+1 in November): 12 in Centre, 3 in Port, 7 outside every sector.
  for (let i = 0; i < 12; i++) {
    await alert({ where: IN_A, at: `2026-11-${String(2 + (i % 3)).padStart(2, '0')}T${i < 8 ? '22' : '03'}:15:00Z`, ackAfterS: i < 10 ? 10 * (i + 1) : undefined, escalated: i < 6 })
  }
  for (let i = 0; i < 3; i++) await alert({ where: IN_B, at: '2026-11-05T22:40:00Z', source: 'sms', status: i === 0 ? 'false_alarm' : 'resolved' })
  for (let i = 0; i < 7; i++) await alert({ where: OUTSIDE, at: '2026-11-06T12:00:00Z', source: i === 0 ? 'sms' : 'web', status: i === 0 ? 'false_alarm' : 'open' })
  // Outside the period: counted nowhere.
  await alert({ where: IN_A, at: '2026-10-15T12:00:00Z' })
  await alert({ where: IN_A, at: '2026-11-30T23:30:00Z' }) // 1 December, 00:30 in Paris

  // Drop-offs: 6 accepted + 1 done, 7 declined (5 unsafe spot, 2 traffic), 3 expired.
  for (let i = 0; i < 6; i++) await dropoff('accepted', null, '2026-11-10T21:30:00Z')
  await dropoff('done', null, '2026-11-10T21:35:00Z')
  for (let i = 0; i < 5; i++) await dropoff('declined', 'unsafe_spot', '2026-11-11T22:00:00Z')
  for (let i = 0; i < 2; i++) await dropoff('declined', 'traffic', '2026-11-11T22:05:00Z')
  for (let i = 0; i < 3; i++) await dropoff('expired', null, '2026-11-12T22:00:00Z')

  // Reports: 6 poor lighting in Centre (open), 2 noise in Port (closed), 1 harassment outside.
  for (let i = 0; i < 6; i++) await report(IN_A, 'poor_lighting', 'open', '2026-11-08T18:00:00Z')
  for (let i = 0; i < 2; i++) await report(IN_B, 'noise', 'closed', '2026-11-09T18:00:00Z')
  await report(OUTSIDE, 'harassment', 'in_progress', '2026-11-09T19:00:00Z')

  // Contacts: 9 conversations in Centre, 1 orientation in Port, 5 assistance with no sector.
  for (let i = 0; i < 9; i++) await contact('Centre', 'conversation', '2026-11-14T20:00:00Z')
  await contact('Port', 'orientation', '2026-11-14T20:30:00Z')
  for (let i = 0; i < 5; i++) await contact(null, 'assistance', '2026-11-15T20:00:00Z')

  // Refuges: 2 trained, 1 whose training is over two years old, 1 never trained.
  await place(IN_A, '2026-01-10')
  await place(IN_A, '2025-12-01')
  await place(IN_B, '2024-01-01')
  await place(OUTSIDE, null)
}, 120_000)
afterAll(() => t?.close())

// Whether a shown figure is the raw one, a suppressed one small (or a complement), and a
// dimension never lets its total give a suppressed cell back.
function checkDimension(total: Cell, cells: Keyed[], raw: Record<string, number>) {
  for (const c of cells) {
    const n = raw[c.key] ?? 0
    if (c.suppressed) {
      expect(c.count).toBeNull()
      expect(n).toBeGreaterThan(0)
    } else {
      expect(c.count, c.key).toBe(n)
      expect(n === 0 || n >= 5, `${c.key}: ${n} shown`).toBe(true)
    }
  }
  expect(Object.entries(raw).filter(([, n]) => n > 0).every(([k]) => cells.some((c) => c.key === k)), JSON.stringify(raw)).toBe(true)
  const hidden = cells.filter((c) => c.suppressed)
  if (!total.suppressed && hidden.length) {
    expect(hidden.length).toBeGreaterThanOrEqual(2)
    const rest = total.count! - cells.reduce((s, c) => s + (c.count ?? 0), 0)
    expect(rest).toBeGreaterThanOrEqual(5)
  }
}

const rows = <T extends Record<string, unknown>>(q: Promise<T[]>) => q
function countBy<T>(list: T[], key: (x: T) => string): Record<string, number> {
  const m: Record<string, number> = {}
  for (const x of list) m[key(x)] = (m[key(x)] ?? 0) + 1
  return m
}
const tally = (list: { key: string | null; n: number }[]) => Object.fromEntries(list.map((r) => [r.key ?? '', r.n]))

describe('stats', () => {
  it('equals counts taken from the raw tables, with small cells suppressed', async () => {
    const res = await stats()
    const body = (await res.json()) as Json
    expect(res.status, JSON.stringify(body)).toBe(200)
    expect(body).toMatchObject({ network: slug, timezone: 'Europe/Paris', sector: null, k: 5, from: '2026-10-31T23:00:00.000Z', to: '2026-11-30T23:00:00.000Z' })
    const from = new Date('2026-10-31T23:00:00Z')
    const to = new Date('2026-11-30T23:00:00Z')
    const sql = t.db.sql

    // Alerts, each placed in a sector here by the database from its point.
    const inPeriod = sql`select a.*, (select s.name from sectors s where s.network_id = a.network_id and st_covers(s.area, a.location::geometry)) as sec
      from alerts a where a.network_id = ${networkId} and a.created_at >= ${from} and a.created_at < ${to}`
    const raw = await rows(sql<{ created_at: Date; source: string; sec: string | null; status: string; escalated_at: Date | null; id: string }[]>`${inPeriod}`)
    expect(raw.length).toBe(22)
    expect(body.alerts.total).toEqual({ count: 22, suppressed: false })
    const count = (f: (a: (typeof raw)[number]) => string) => countBy(raw, f)
    const hourOf = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hourCycle: 'h23' }).format(d)
    const dayOf = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(d)
    checkDimension(body.alerts.total, body.alerts.by_hour, count((a) => hourOf(a.created_at)))
    checkDimension(body.alerts.total, body.alerts.by_day, count((a) => dayOf(a.created_at)))
    checkDimension(body.alerts.total, body.alerts.by_sector, count((a) => a.sec ?? 'hors secteur'))
    checkDimension(body.alerts.total, body.alerts.by_channel, count((a) => a.source))
    expect(body.alerts.by_hour).toHaveLength(24)
    expect(body.alerts.by_day).toHaveLength(30)
    expect(body.alerts.by_hour.find((c: Keyed) => c.key === '23')).toEqual({ key: '23', count: 11, suppressed: false })
    // Port's 3 are suppressed, and so is a second sector: 22 − 12 would give them back.
    expect(body.alerts.by_sector).toEqual([
      { key: 'Centre', count: 12, suppressed: false },
      { key: 'Port', count: null, suppressed: true },
      { key: 'hors secteur', count: null, suppressed: true },
    ])
    expect(body.alerts.by_channel).toEqual([
      { key: 'web', count: null, suppressed: true },
      { key: 'sms', count: null, suppressed: true },
    ])
    expect(body.alerts.escalated).toEqual({ count: raw.filter((a) => a.escalated_at).length, suppressed: false })
    expect(raw.filter((a) => a.status === 'false_alarm').length).toBe(2)
    expect(body.alerts.false_alarms).toEqual({ count: null, suppressed: true })

    // First acknowledgements: computed here from the events, in JS.
    const acks = await sql<{ alert_id: string; at: Date }[]>`select alert_id, at from alert_events where network_id = ${networkId} and to_status = 'acknowledged'`
    const delays = raw
      .map((a) => {
        const mine = acks.filter((e) => e.alert_id === a.id).map((e) => e.at.getTime())
        return mine.length ? (Math.min(...mine) - a.created_at.getTime()) / 1000 : null
      })
      .filter((d): d is number => d !== null)
      .sort((x, y) => x - y)
    const pct = (p: number) => {
      const r = p * (delays.length - 1)
      return Math.round(delays[Math.floor(r)]! + (r - Math.floor(r)) * ((delays[Math.ceil(r)] ?? 0) - delays[Math.floor(r)]!))
    }
    expect(body.alerts.first_acknowledgement).toEqual({ acknowledged: { count: 10, suppressed: false }, p50_s: pct(0.5), p90_s: pct(0.9), suppressed: false })
    expect([pct(0.5), pct(0.9)]).toEqual([55, 91])

    // Drop-offs.
    const d = await sql<{ status: string; decision_reason: string | null }[]>`
      select status, decision_reason from dropoffs where network_id = ${networkId} and created_at >= ${from} and created_at < ${to}`
    expect(body.dropoffs.requested).toEqual({ count: d.length, suppressed: false })
    const outcome = countBy(d, (r) => (r.status === 'done' ? 'accepted' : r.status))
    checkDimension(body.dropoffs.requested, body.dropoffs.by_outcome, outcome)
    // Expired (3) is suppressed, and accepted (7) with it.
    expect(body.dropoffs.by_outcome.map((c: Keyed) => [c.key, c.count])).toEqual([['pending', 0], ['accepted', null], ['declined', 7], ['expired', null]])
    const declined = body.dropoffs.by_outcome.find((c: Keyed) => c.key === 'declined')
    checkDimension(declined, body.dropoffs.declined_by_reason, tally(await sql<{ key: string; n: number }[]>`
      select decision_reason as key, count(*)::int as n from dropoffs where network_id = ${networkId} and status = 'declined' group by 1`))
    expect(body.dropoffs.declined_by_reason.filter((c: Keyed) => c.suppressed).map((c: Keyed) => c.key)).toEqual(['unsafe_spot', 'traffic'])

    // Reports and contacts.
    const r = await sql<{ code: string; status: string }[]>`
      select c.code, r.status from reports r join report_categories c on c.id = r.category_id where r.network_id = ${networkId}`
    expect(body.reports.total).toEqual({ count: 9, suppressed: false })
    checkDimension(body.reports.total, body.reports.by_category, countBy(r, (x) => x.code))
    checkDimension(body.reports.total, body.reports.by_status, countBy(r, (x) => x.status))
    const c = await sql<{ sector_name: string | null; kind: string }[]>`select sector_name, kind from field_contacts where network_id = ${networkId}`
    expect(body.contacts.total).toEqual({ count: 15, suppressed: false })
    checkDimension(body.contacts.total, body.contacts.by_sector, countBy(c, (x) => x.sector_name ?? 'hors secteur'))
    checkDimension(body.contacts.total, body.contacts.by_kind, countBy(c, (x) => x.kind))

    // Refuges are places, not people: shown as they are.
    expect(body.refuges).toEqual({ active: 4, trained: 2, renewal_due: 2 })
  })

  it('keeps a sector to its own figures', async () => {
    const res = await stats(`${PERIOD}&sector=Centre`)
    const body = (await res.json()) as Json
    expect(res.status, JSON.stringify(body)).toBe(200)
    expect(body.sector).toBe('Centre')
    expect(body.alerts.total).toEqual({ count: 12, suppressed: false })
    expect(body.alerts.by_sector).toEqual([{ key: 'Centre', count: 12, suppressed: false }])
    expect(body.reports.total).toEqual({ count: 6, suppressed: false })
    expect(body.contacts.by_kind.find((k: Keyed) => k.key === 'conversation')).toEqual({ key: 'conversation', count: 9, suppressed: false })
    expect(body.refuges).toEqual({ active: 2, trained: 2, renewal_due: 0 })
    // Drop-offs are on lines: the same as the network's.
    expect(body.dropoffs.scope).toBe('network')
    expect(body.dropoffs.requested).toEqual({ count: 17, suppressed: false })
    // By id too.
    const [centre] = await t.db.sql<{ id: string }[]>`select id from sectors where network_id = ${networkId} and name = 'Centre'`
    expect(((await (await stats(`${PERIOD}&sector=${centre!.id}`)).json()) as Json).sector).toBe('Centre')
  })

  it('suppresses a total under 5 and every cell under it', async () => {
    const body = (await (await stats(`${PERIOD}&sector=Port`)).json()) as Json
    expect(body.alerts.total).toEqual({ count: null, suppressed: true })
    expect(body.alerts.by_channel).toEqual([
      { key: 'web', count: 0, suppressed: false },
      { key: 'sms', count: null, suppressed: true },
    ])
    expect(body.reports.total).toEqual({ count: null, suppressed: true })
    expect(body.alerts.first_acknowledgement).toEqual({ acknowledged: { count: 0, suppressed: false }, p50_s: null, p90_s: null, suppressed: false })
  })

  it('gives the same figures as one CSV table, and no point in either', async () => {
    const json = await (await stats()).text()
    const res = await stats(PERIOD, operator, { accept: 'text/csv' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="halte-${slug}-stats-2026-11-01-2026-11-30.csv"`)
    const csv = await res.text()
    const lines = csv.trim().split('\r\n').map((l) => l.split(','))
    expect(lines[0]).toEqual(['section', 'dimension', 'key', 'value', 'suppressed'])
    const find = (...k: string[]) => lines.find((l) => l.slice(0, 3).join() === k.join())
    expect(find('alerts', 'total', '')).toEqual(['alerts', 'total', '', '22', 'false'])
    expect(find('alerts', 'sector', 'Port')).toEqual(['alerts', 'sector', 'Port', '', 'true'])
    expect(find('alerts', 'first_acknowledgement', 'p90_s')).toEqual(['alerts', 'first_acknowledgement', 'p90_s', '91', 'false'])
    expect(find('dropoffs', 'outcome', 'declined')).toEqual(['dropoffs', 'outcome', 'declined', '7', 'false'])
    expect(find('refuges', 'state', 'renewal_due')).toEqual(['refuges', 'state', 'renewal_due', '2', 'false'])
    // Every suppressed row is empty, every shown one a number of 0 or at least 5, refuges apart.
    for (const l of lines.slice(1)) {
      if (l[4] === 'true') expect(l[3]).toBe('')
      else if (l[0] !== 'refuges' && l[1] !== 'first_acknowledgement') expect(Number(l[3]) === 0 || Number(l[3]) >= 5, l.join()).toBe(true)
    }
    // No coordinate of any inserted point, nor any decimal number at all once dates are out.
    expect(inserted.length).toBeGreaterThan(40)
    for (const text of [json, csv, await (await stats(`${PERIOD}&sector=Centre`)).text()]) {
      const undated = text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g, '')
      expect(undated).not.toMatch(/\d\.\d/)
      for (const p of inserted) {
        for (const v of [p.lat, p.lon]) expect(text).not.toContain(v.toFixed(3))
      }
    }
  })

  it('records the sector of an alert raised through the API, and keeps it once the point is coarsened', async () => {
    const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: IN_B } })
    expect(res.status, await res.clone().text()).toBe(201)
    const { id } = (await res.json()) as { id: string }
    const [a] = await t.db.sql<{ sector_name: string }[]>`select sector_name from alerts where id = ${id}`
    expect(a!.sector_name).toBe('Port')
    await t.db.sql`update alerts set location = st_snaptogrid(location::geometry, 0.01)::geography, erased_at = ${NOW} where id = ${id}`
    await t.db.sql`update alerts set location = st_setsrid(st_makepoint(-1.16, 46.16), 4326)::geography where id = ${id}`
    const [b] = await t.db.sql<{ sector_name: string }[]>`select sector_name from alerts where id = ${id}`
    expect(b!.sector_name).toBe('Port')
    await t.db.sql`delete from alerts where id = ${id}`
  })
})

describe('refusal records', () => {
  it('counts refused drop-offs by code, line and hour, and keeps nothing of the rider', async () => {
    const dropoffsBefore = await t.db.sql`select count(*)::int as n from dropoffs`
    const subsBefore = await t.db.sql`select count(*)::int as n from push_subscriptions`
    const rider = { lat: LAT + 0.0018, lon: 7.315 }
    const refuse = async (body: Record<string, unknown>, code: string) => {
      const res = await ask({ ...body, push_subscription: subscription() })
      const p = (await res.json()) as { code: string }
      expect(res.status, JSON.stringify(p)).toBe(422)
      expect(p.code).toBe(code)
    }
    for (let i = 0; i < 8; i++) await refuse({ trip_id: 'TR1', location: rider, rider_position: { lat: LAT, lon: 7.3 } }, 'off_route')
    for (let i = 0; i < 5; i++) await refuse({ trip_id: 'TT1', location: rider }, 'route_not_eligible')
    await refuse({ trip_id: 'NOPE', location: rider }, 'unknown_trip')
    // Refused: no request written, nor its subscription.
    expect(await t.db.sql`select count(*)::int as n from dropoffs`).toEqual(dropoffsBefore)
    expect(await t.db.sql`select count(*)::int as n from push_subscriptions`).toEqual(subsBefore)
    // Malformed input is no refusal by a rule.
    expect((await ask({ trip_id: 'TR1' })).status).toBe(400)

    const cols = await t.db.sql<{ column_name: string }[]>`
      select column_name from information_schema.columns where table_name = 'dropoff_refusals' and table_schema = current_schema() order by ordinal_position`
    expect(cols.map((c) => c.column_name)).toEqual(['network_id', 'route_id', 'code', 'hour', 'count'])
    const rows = await t.db.sql<{ route_id: string | null; code: string; hour: Date; count: number }[]>`
      select route_id, code, hour, count from dropoff_refusals where network_id = ${networkId} order by code`
    expect(rows).toEqual([
      { route_id: 'L1', code: 'off_route', hour: new Date('2026-11-20T21:00:00Z'), count: 8 },
      { route_id: 'T1', code: 'route_not_eligible', hour: new Date('2026-11-20T21:00:00Z'), count: 5 },
      { route_id: null, code: 'unknown_trip', hour: new Date('2026-11-20T21:00:00Z'), count: 1 },
    ])
    const dump = JSON.stringify(await t.db.sql`select * from dropoff_refusals`)
    for (const v of [rider.lat, rider.lon, LAT]) expect(dump).not.toContain(String(v).slice(0, 6))

    const body = (await (await stats()).json()) as Json
    expect(body.dropoffs.refused).toEqual({ count: 14, suppressed: false })
    expect(body.dropoffs.refused_by_code.filter((c: Keyed) => c.count !== 0)).toEqual([
      { key: 'unknown_trip', count: null, suppressed: true },
      { key: 'route_not_eligible', count: null, suppressed: true },
      { key: 'off_route', count: 8, suppressed: false },
    ])
    expect(body.dropoffs.refused_by_route).toEqual([
      { key: 'L1', count: 8, suppressed: false },
      { key: 'T1', count: null, suppressed: true },
      { key: 'course inconnue', count: null, suppressed: true },
    ])
  })
})

describe('stats refusals', () => {
  const problem = async (res: Response, status: number, code: string) => {
    const p = (await res.json()) as { code: string }
    expect(res.status, JSON.stringify(p)).toBe(status)
    expect(p.code).toBe(code)
    expect(res.headers.get('content-type')).toMatch(/problem\+json/)
  }

  it('refuses bad dates, a period backwards or too long, and an unknown sector', async () => {
    await problem(await stats('from=yesterday&to=2026-11-30'), 400, 'invalid_date')
    await problem(await stats('from=2026-02-30&to=2026-03-30'), 400, 'invalid_date')
    await problem(await stats('from=2026-11-01T25:00:00Z&to=2026-11-30'), 400, 'invalid_date')
    await problem(await stats('from=2026-11-01'), 400, 'validation_failed')
    await problem(await stats('from=2026-11-30&to=2026-11-01'), 422, 'invalid_period')
    await problem(await stats('from=2026-11-01T10:00:00Z&to=2026-11-01T10:00:00Z'), 422, 'invalid_period')
    await problem(await stats('from=2025-01-01&to=2027-01-01'), 422, 'period_too_long')
    expect((await stats('from=2025-01-01&to=2026-12-31')).status).toBe(200)
    expect((await stats('from=2026-11-01T00:00:00%2B01:00&to=2026-11-02T00:00:00Z')).status).toBe(200)
    await problem(await stats(`${PERIOD}&sector=Nulle-part`), 404, 'unknown_sector')
  })

  it('answers operators of the network only', async () => {
    await problem(await t.request(`/v1/networks/${slug}/stats?${PERIOD}`), 401, 'unauthorized')
    const driver = await createToken(t, slug, { role: 'driver', label: 'bus', vehicle: 'bus-1' })
    await problem(await stats(PERIOD, driver), 403, 'forbidden')
    const mediator = await createToken(t, slug, { role: 'mediator', label: 'Médiatrice' })
    await problem(await stats(PERIOD, mediator), 403, 'forbidden')
    const other = await createNetwork(t)
    const stranger = await createToken(t, other.slug, { role: 'operator', label: 'Ailleurs' })
    await problem(await stats(PERIOD, stranger), 403, 'wrong_network')
  })
})
