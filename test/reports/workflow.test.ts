import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import { localSignal } from '../../src/realtime/signal.ts'
import { JOBS } from '../../src/schedule.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// The operators' side: categories, the queue, the status workflow and its record, and
// the erasure of reporters' contacts after the network's retention period.

let now = new Date('2026-12-01T22:00:00+01:00')
const clock = { now: () => now }
let t: TestApp
let slug: string
let operator: string
let foreign: string
let driver: string
const spot = { lat: 47.237829, long: 6.024127 }

async function report(body: Record<string, unknown>) {
  const res = await t.request(`/open311/v2/${slug}/requests.json`, { method: 'POST', json: { ...spot, ...body } })
  expect(res.status).toBe(201)
  return ((await res.json()) as { service_request_id: string }[])[0]!.service_request_id
}

const openRequest = async (id: string, token?: string) => {
  const res = await t.request(`/open311/v2/${slug}/requests/${id}.json`, token ? { token } : {})
  return { status: res.status, body: res.status === 200 ? ((await res.json()) as Record<string, unknown>[])[0]! : null }
}

beforeAll(async () => {
  t = await testApp({ clock })
  const network = await createNetwork(t, { retention_days: 15 })
  slug = network.slug
  operator = await createToken(t, slug, { role: 'operator', label: 'PC sécurité' })
  driver = await createToken(t, slug, { role: 'driver', label: 'bus 12', vehicle: 'bus-12' })
  foreign = await createToken(t, (await createNetwork(t)).slug, { role: 'operator', label: 'ailleurs' })
})
afterAll(() => t.close())

describe('categories', () => {
  it('operators list, add, rename and deactivate; services.json follows', async () => {
    const listed = await t.request(`/v1/networks/${slug}/report-categories`, { token: operator })
    expect(listed.status).toBe(200)
    const cats = (await listed.json()) as { code: string; visibility: string }[]
    expect(cats.find((c) => c.code === 'harassment')?.visibility).toBe('private')
    expect(cats.find((c) => c.code === 'drug_dealing')?.visibility).toBe('private')
    expect(cats.find((c) => c.code === 'other')?.visibility).toBe('private')
    expect(cats.filter((c) => c.visibility === 'public').map((c) => c.code)).toEqual(['poor_lighting', 'dangerous_spot_night', 'nitrous_oxide', 'damage', 'noise', 'abandoned_object'])

    const added = await t.request(`/v1/networks/${slug}/report-categories`, {
      method: 'POST',
      token: operator,
      json: { code: 'broken_bench', name_fr: 'Banc cassé', name_en: 'Broken bench', visibility: 'public', group: 'lieux' },
    })
    expect(added.status).toBe(201)
    const again = await t.request(`/v1/networks/${slug}/report-categories`, { method: 'POST', token: operator, json: { code: 'broken_bench', name_fr: 'x', name_en: 'x', visibility: 'public' } })
    expect(again.status).toBe(409)
    expect(((await again.json()) as { code: string }).code).toBe('category_exists')

    const renamed = await t.request(`/v1/networks/${slug}/report-categories/noise`, { method: 'PATCH', token: operator, json: { name_fr: 'Nuisances sonores' } })
    expect(renamed.status).toBe(200)
    const off = await t.request(`/v1/networks/${slug}/report-categories/abandoned_object`, { method: 'PATCH', token: operator, json: { active: false } })
    expect(((await off.json()) as { active: boolean }).active).toBe(false)

    const services = (await (await t.request(`/open311/v2/${slug}/services.json`)).json()) as { service_code: string; service_name: string }[]
    expect(services.map((s) => s.service_code)).toContain('broken_bench')
    expect(services.map((s) => s.service_code)).not.toContain('abandoned_object')
    expect(services.find((s) => s.service_code === 'noise')?.service_name).toBe('Nuisances sonores')
    const refused = await t.request(`/open311/v2/${slug}/requests.json`, { method: 'POST', json: { service_code: 'abandoned_object', ...spot } })
    expect(refused.status).toBe(404)
  })

  it('refuses the public, another network’s operator, a driver, an unknown category, a bad code', async () => {
    expect((await t.request(`/v1/networks/${slug}/report-categories`)).status).toBe(401)
    expect((await t.request(`/v1/networks/${slug}/report-categories`, { token: foreign })).status).toBe(403)
    expect((await t.request(`/v1/networks/${slug}/report-categories`, { token: driver })).status).toBe(403)
    expect((await t.request(`/v1/networks/${slug}/report-categories/graffiti`, { method: 'PATCH', token: operator, json: { active: false } })).status).toBe(404)
    const bad = await t.request(`/v1/networks/${slug}/report-categories`, { method: 'POST', token: operator, json: { code: 'Bad Code', name_fr: 'x', name_en: 'x', visibility: 'public' } })
    expect(bad.status).toBe(400)
    const vis = await t.request(`/v1/networks/${slug}/report-categories/noise`, { method: 'PATCH', token: operator, json: { visibility: 'secret' } })
    expect(vis.status).toBe(400)
  })

  it('a private report stays private when its category is made public later', async () => {
    const id = await report({ service_code: 'other', description: 'à ne pas publier' })
    await t.request(`/v1/networks/${slug}/report-categories/other`, { method: 'PATCH', token: operator, json: { visibility: 'public' } })
    expect((await openRequest(id)).status).toBe(404)
    await t.request(`/v1/networks/${slug}/report-categories/other`, { method: 'PATCH', token: operator, json: { visibility: 'private' } })
  })
})

describe('queue and status workflow', () => {
  let id: string

  beforeAll(async () => {
    id = await report({ service_code: 'poor_lighting', description: 'Rue noire', email: 'voisin@example.org', first_name: 'Sam' })
  })

  it('the operators’ queue holds the precise point and the contact; filters by status and category', async () => {
    const res = await t.request(`/v1/networks/${slug}/reports?category=poor_lighting`, { token: operator })
    expect(res.status).toBe(200)
    const [r] = (await res.json()) as Record<string, unknown>[]
    expect(r).toMatchObject({ id, status: 'open', visibility: 'public', location: { lat: spot.lat, lon: spot.long }, contact: { email: 'voisin@example.org', first_name: 'Sam' } })
    expect((await t.request(`/v1/networks/${slug}/reports`, { token: foreign })).status).toBe(403)
    expect((await t.request(`/v1/networks/${slug}/reports?status=closed`, { token: operator }).then((x) => x.json())) as unknown[]).toEqual([])
    expect((await t.request(`/v1/networks/${slug}/reports?status=done`, { token: operator })).status).toBe(400)
  })

  it('in_progress reads as open in Open311 with the public note; closed as closed; who, what and when are recorded', async () => {
    now = new Date('2026-12-02T09:00:00+01:00')
    const started = await t.request(`/v1/reports/${id}/status`, { method: 'POST', token: operator, json: { status: 'in_progress', public_note: 'Signalé au service éclairage' } })
    expect(started.status).toBe(200)
    expect(await openRequest(id)).toMatchObject({ body: { status: 'open', status_notes: 'Signalé au service éclairage', updated_datetime: '2026-12-02T08:00:00.000Z' } })

    now = new Date('2026-12-03T14:00:00+01:00')
    const closed = await t.request(`/v1/reports/${id}/status`, { method: 'POST', token: operator, json: { status: 'closed', public_note: 'Lampadaire réparé' } })
    const body = (await closed.json()) as { status: string; events: Record<string, unknown>[] }
    expect(body.status).toBe('closed')
    expect(body.events).toEqual([
      expect.objectContaining({ kind: 'created', to_status: 'open', actor_role: 'public' }),
      expect.objectContaining({ kind: 'status', from_status: 'open', to_status: 'in_progress', public_note: 'Signalé au service éclairage', actor_role: 'operator', at: '2026-12-02T08:00:00.000Z' }),
      expect.objectContaining({ kind: 'status', from_status: 'in_progress', to_status: 'closed', public_note: 'Lampadaire réparé', actor_role: 'operator', at: '2026-12-03T13:00:00.000Z' }),
    ])
    const [tokenRow] = await t.db.sql`select e.actor_token_id, k.label from report_events e join tokens k on k.id = e.actor_token_id where e.report_id = ${id} and e.to_status = 'closed'`
    expect(tokenRow?.label).toBe('PC sécurité')
    expect(await openRequest(id)).toMatchObject({ body: { status: 'closed', status_notes: 'Lampadaire réparé' } })
    const closedList = (await (await t.request(`/open311/v2/${slug}/requests.json?status=closed&start_date=2026-11-30T00:00:00Z&end_date=2026-12-04T00:00:00Z`)).json()) as { service_request_id: string }[]
    expect(closedList.map((r) => r.service_request_id)).toEqual([id])
  })

  it('refuses a bad status, the public, another network, a driver, an unknown report; none of them writes an event', async () => {
    const count = async () => (await t.db.sql`select count(*)::int as n from report_events where report_id = ${id}`)[0]!.n
    const before = await count()
    expect((await t.request(`/v1/reports/${id}/status`, { method: 'POST', token: operator, json: { status: 'done' } })).status).toBe(400)
    expect((await t.request(`/v1/reports/${id}/status`, { method: 'POST', json: { status: 'open' } })).status).toBe(401)
    expect((await t.request(`/v1/reports/${id}/status`, { method: 'POST', token: foreign, json: { status: 'open' } })).status).toBe(403)
    expect((await t.request(`/v1/reports/${id}/status`, { method: 'POST', token: driver, json: { status: 'open' } })).status).toBe(403)
    expect((await t.request(`/v1/reports/${crypto.randomUUID()}/status`, { method: 'POST', token: operator, json: { status: 'open' } })).status).toBe(404)
    expect(await count()).toBe(before)
    expect((await t.request(`/v1/reports/${id}`, { token: foreign })).status).toBe(403)
    expect((await t.request(`/v1/reports/${id}`)).status).toBe(401)
    expect((await t.request(`/v1/reports/${crypto.randomUUID()}`, { token: operator })).status).toBe(404)
    expect((await t.request(`/v1/report-media/${crypto.randomUUID()}`, { token: operator })).status).toBe(404)
  })
})

describe('public intake limits', () => {
  it('one address filing more than 100 reports in an hour gets 429 with Retry-After; another address is still heard', async () => {
    const post = (peer: string) => t.request(`/open311/v2/${slug}/requests.json`, { method: 'POST', peer, json: { service_code: 'noise', ...spot } })
    for (let i = 0; i < 100; i++) expect((await post('203.0.113.7')).status).toBe(201)
    const refused = await post('203.0.113.7')
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await refused.json()) as { code: string }[])[0]!.code).toBe('rate_limited')
    expect((await post('198.51.100.4')).status).toBe(201)
  })
})

describe('retention', () => {
  it('the hourly job erases the reporter’s contact after retention_days; the report, its point and history stay', async () => {
    now = new Date('2026-12-05T10:00:00+01:00')
    const id = await report({ service_code: 'harassment', description: 'Suivie rue Battant', email: 'moi@example.org', first_name: 'Lou', last_name: 'D.', phone: '+33600000002', device_id: 'phone-1' })
    const job = JOBS.find((j) => j.name === 'erase-report-contacts')!
    const ctx = { sql: t.db.sql, logger: createLogger('silent', () => {}), signal: localSignal(), wakeOutbox: () => {} }

    now = new Date('2026-12-19T10:00:00+01:00') // 14 days: kept
    await job.run(ctx, now)
    let [row] = await t.db.sql`select email, phone, device_id from reports where id = ${id}`
    expect(row).toMatchObject({ email: 'moi@example.org', phone: '+33600000002', device_id: 'phone-1' })

    now = new Date('2026-12-20T10:00:01+01:00') // past 15 days
    expect(await job.run(ctx, now)).toBeGreaterThanOrEqual(1)
    ;[row] = await t.db.sql`select email, first_name, last_name, phone, device_id, contact_erased_at, description, st_y(location::geometry) as lat from reports where id = ${id}`
    expect(row).toMatchObject({ email: null, first_name: null, last_name: null, phone: null, device_id: null, description: 'Suivie rue Battant', lat: spot.lat })
    expect(row!.contact_erased_at).toEqual(now)
    const seen = (await (await t.request(`/v1/reports/${id}`, { token: operator })).json()) as { contact: unknown; events: unknown[] }
    expect(seen.contact).toBeNull()
    expect(seen.events).toHaveLength(1)
    expect(await job.run(ctx, now)).toBe(0)
  })
})
