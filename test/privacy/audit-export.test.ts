import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JOBS } from '../../src/schedule.ts'
import { withPorts } from '../../src/services.ts'
import { createLogger } from '../../src/logger.ts'
import { localSignal } from '../../src/realtime/signal.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// The ethics committee's read-out: the audit log and the retention runs as CSV, for an
// admin only, over a period, optionally one network. Read back and parsed, each row is
// what happened: who (the token's label), when, what; never a point, a message or a number.

let now = new Date('2026-11-20T21:05:00Z')
let t: TestApp
let slug: string
let other: string
let operator: string
let alert: { id: string; access_token: string }
const MESSAGE = 'ne doit jamais sortir dans un export'

// RFC 4180, enough for what halte writes.
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else field += ch
  }
  return rows
}

async function csv(path: string, token = ADMIN_TOKEN) {
  const res = await t.request(path, { token })
  expect(res.status, await res.clone().text()).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/csv')
  const [header, ...rows] = parseCsv(await res.text())
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])))
}

beforeAll(async () => {
  t = await testApp({ clock: { now: () => now } })
  ;({ slug } = await createNetwork(t))
  ;({ slug: other } = await createNetwork(t))
  operator = await createToken(t, slug, { role: 'operator', label: '=HYPERLINK("http://x")' })
  await createToken(t, other, { role: 'operator', label: 'autre ville' })
  // Tokens are dated by the database's clock, not the app's: brought to the test's day.
  await t.db.sql`update tokens set created_at = ${now}`
  const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: { lat: 47.75123, lon: 7.33456 }, message: MESSAGE } })
  alert = (await res.json()) as { id: string; access_token: string }
  expect((await t.request(`/v1/alerts/${alert.id}`, { token: operator })).status).toBe(200)
  expect((await t.request(`/v1/alerts/${alert.id}/hold`, { method: 'POST', token: operator, json: { reason: 'Enquête', reference: 'PV 77', until: '2026-11-25' } })).status).toBe(201)
  now = new Date(now.getTime() + 60_000)
  expect((await t.request(`/v1/alerts/${alert.id}/hold`, { method: 'DELETE', token: operator })).status).toBe(200)
  now = new Date(now.getTime() + 60_000)
  expect((await t.request(`/v1/alerts/${alert.id}`, { method: 'DELETE', headers: { 'x-access-token': alert.access_token } })).status).toBe(204)
})
afterAll(() => t?.close())

describe('GET /v1/audit/export', () => {
  it('lists reads, holds, erasures and tokens in order, the operator by its label, defused for spreadsheets', async () => {
    const rows = await csv(`/v1/audit/export?from=2026-11-20&to=2026-11-21&network=${slug}`)
    const kinds = rows.map((r) => r.kind)
    expect(kinds).toEqual(expect.arrayContaining(['token_created', 'alert_read', 'hold_placed', 'hold_lifted', 'erasure', 'token_last_used']))
    const read = rows.find((r) => r.kind === 'alert_read' && r.detail === 'alert')!
    expect(read).toMatchObject({ network: slug, actor_role: 'operator', actor: `'=HYPERLINK("http://x")`, subject: alert.id })
    const placed = rows.find((r) => r.kind === 'hold_placed')!
    expect(JSON.parse(placed.detail!)).toEqual({ reference: 'PV 77', until: '2026-11-25', reason: 'Enquête' })
    const erasure = rows.find((r) => r.kind === 'erasure')!
    expect(erasure).toMatchObject({ actor_role: 'requester', subject: alert.id })
    expect(JSON.parse(erasure.detail!)).toEqual({ of: 'alert', counts: { alerts: 1 } })
    // Oldest first; nothing of the other network; nothing the person wrote or where.
    const ats = rows.map((r) => r.at!)
    expect([...ats].sort()).toEqual(ats)
    const text = JSON.stringify(rows)
    expect(text).not.toContain('autre ville')
    expect(text).not.toContain(MESSAGE)
    expect(text).not.toContain('47.75123')
  })

  it('covers every network without the filter, and only the period asked', async () => {
    const all = await csv('/v1/audit/export?from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z')
    expect(JSON.stringify(all)).toContain('autre ville')
    expect(await csv('/v1/audit/export?from=2026-11-21&to=2026-11-22')).toEqual([])
  })

  it('is refused to operators (403), without a token (401), for a bad period (400), an unknown network (404)', async () => {
    expect((await t.request('/v1/audit/export?from=2026-11-20&to=2026-11-21', { token: operator })).status).toBe(403)
    expect((await t.request('/v1/audit/export?from=2026-11-20&to=2026-11-21')).status).toBe(401)
    expect((await t.request('/v1/audit/export?from=2026-11-21&to=2026-11-20', { token: ADMIN_TOKEN })).status).toBe(400)
    expect((await t.request('/v1/audit/export?from=2025-01-01&to=2026-11-20', { token: ADMIN_TOKEN })).status).toBe(400)
    expect((await t.request('/v1/audit/export?from=hier&to=2026-11-20', { token: ADMIN_TOKEN })).status).toBe(400)
    expect((await t.request('/v1/audit/export?to=2026-11-20', { token: ADMIN_TOKEN })).status).toBe(400)
    expect((await t.request('/v1/audit/export?from=2026-11-20&to=2026-11-21&network=nowhere', { token: ADMIN_TOKEN })).status).toBe(404)
    expect((await t.request('/v1/audit/retention-runs?from=2026-11-20&to=2026-11-21', { token: operator })).status).toBe(403)
  })
})

describe('GET /v1/audit/retention-runs', () => {
  it('lists each run of the scheduled retention jobs with its counts', async () => {
    now = new Date('2026-12-10T03:00:00Z')
    const x = { ...withPorts({ sql: t.db.sql }), logger: createLogger('error', () => {}), signal: localSignal() }
    for (const name of ['coarsen-old-dropoffs', 'erase-expired-alerts', 'erase-report-contacts']) await JOBS.find((j) => j.name === name)!.run(x as never, now)
    const rows = await csv('/v1/audit/retention-runs?from=2026-12-10&to=2026-12-11')
    const jobs = new Set(rows.map((r) => r.job))
    expect(jobs).toEqual(new Set(['coarsen-old-dropoffs', 'erase-expired-alerts', 'erase-report-contacts']))
    expect(rows).toContainEqual({ ran_at: expect.stringMatching(/^2026-12-10T03:00:00/), job: 'erase-expired-alerts', what: 'alerts_erased', count: '0' })
    expect(rows).toContainEqual(expect.objectContaining({ job: 'coarsen-old-dropoffs', what: 'dropoffs_coarsened', count: '0' }))
    expect(await csv('/v1/audit/retention-runs?from=2026-12-11&to=2026-12-12')).toEqual([])
  })
})
