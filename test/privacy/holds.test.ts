import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eraseExpired } from '../../src/alerts/jobs.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// A legal hold keeps one alert's record past the network's retention period (15 days)
// until its date; the retention job skips it meanwhile and erases it at the first run
// after the hold ends, by its date or lifted. The requester cannot erase a held alert.

let now = new Date('2026-11-20T21:05:00Z') // 22:05 in Paris, on 20 November
const AUTH = 'holds-twilio-token'
const BASE = 'https://halte.example.org'
const NUMBER = '+33644640003'
let t: TestApp
let slug: string
let operator: string
let otherOperator: string

const day = 86_400_000
async function raise(message: string) {
  const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: { lat: 47.75, lon: 7.33 }, message } })
  expect(res.status).toBe(201)
  return (await res.json()) as { id: string; access_token: string }
}
const hold = (id: string, json: unknown, token = operator) => t.request(`/v1/alerts/${id}/hold`, { method: 'POST', token, json })
const state = async (id: string) => (await t.db.sql`select message, erased_by from alerts where id = ${id}`)[0]
const code = async (res: Response) => ((await res.json()) as { code: string }).code

let held: { id: string; access_token: string }
let lifted: { id: string; access_token: string }
let free: { id: string; access_token: string }

beforeAll(async () => {
  t = await testApp({ clock: { now: () => now }, env: { TWILIO_AUTH_TOKEN: AUTH, PUBLIC_BASE_URL: BASE } })
  ;({ slug } = await createNetwork(t, { sms_number: NUMBER }))
  operator = await createToken(t, slug, { role: 'operator', label: 'CSU' })
  otherOperator = await createToken(t, (await createNetwork(t)).slug, { role: 'operator', label: 'ailleurs' })
  held = await raise('retenue par la justice')
  lifted = await raise('retenue puis libérée')
  free = await raise('sans réquisition')
})
afterAll(() => t?.close())

describe('placing a hold', () => {
  it('refuses dates in the past, beyond a year, malformed; missing reference; other roles and networks', async () => {
    const body = { reason: 'Enquête en cours', reference: 'PV 2026/01234' }
    for (const until of ['2026-11-19', '2027-11-21', '2026-13-01', 'demain']) {
      const res = await hold(held.id, { ...body, until })
      expect(res.status, until).toBe(400)
      expect(await code(res)).toBe(until.startsWith('2026-11') || until === '2027-11-21' ? 'invalid_hold_date' : 'validation_failed')
    }
    expect((await hold(held.id, { reason: 'x', until: '2026-12-31' })).status).toBe(400)
    expect((await hold(held.id, { ...body, until: '2026-12-31' }, otherOperator)).status).toBe(403)
    expect((await t.request(`/v1/alerts/${held.id}/hold`, { method: 'POST', json: { ...body, until: '2026-12-31' } })).status).toBe(401)
    expect((await hold(crypto.randomUUID(), { ...body, until: '2026-12-31' })).status).toBe(404)
    expect(await t.db.sql`select * from alert_holds`).toHaveLength(0)
  })

  it('holds until a date within a year (today and a year on included), visible in the audit', async () => {
    expect((await hold(free.id, { reason: 'r', reference: 'a', until: '2026-11-20' })).status).toBe(201)
    expect((await hold(free.id, { reason: 'r', reference: 'b', until: '2027-11-20' })).status).toBe(201)
    // The second replaced the first; both are on record. Then lifted: free is not held.
    expect((await t.request(`/v1/alerts/${free.id}/hold`, { method: 'DELETE', token: operator })).status).toBe(200)
    expect((await t.request(`/v1/alerts/${free.id}/hold`, { method: 'DELETE', token: operator })).status).toBe(404)

    const res = await hold(held.id, { reason: 'Enquête en cours', reference: 'PV 2026/01234', until: '2026-12-31' })
    expect(res.status, await res.clone().text()).toBe(201)
    expect(await res.json()).toMatchObject({ alert_id: held.id, reference: 'PV 2026/01234', until: '2026-12-31', by: 'operator', lifted_at: null })
    expect((await hold(lifted.id, { reason: 'Vérification', reference: 'PV 2026/05678', until: '2027-06-30' })).status).toBe(201)
    const holds = await t.request(`/v1/alerts/${free.id}/holds`, { token: operator })
    expect(((await holds.json()) as { holds: { reference: string; lifted_at: string | null }[] }).holds.map((h) => [h.reference, h.lifted_at !== null])).toEqual([
      ['a', true],
      ['b', true],
    ])
    const audit = await t.db.sql`select what from alert_reads where alert_id = ${held.id}`
    expect(audit.map((r) => r.what)).toContain('hold')
  })

  it('makes the requester’s erasure a 409 that says why', async () => {
    const res = await t.request(`/v1/alerts/${held.id}`, { method: 'DELETE', headers: { 'x-access-token': held.access_token } })
    expect(res.status).toBe(409)
    const p = (await res.json()) as { code: string; detail: string }
    expect(p.code).toBe('legal_hold')
    expect(p.detail).toContain('réquisition judiciaire')
    expect((await state(held.id))!.message).toBe('retenue par la justice')
  })
})

describe('SUPPRIMER by SMS', () => {
  let sid = 0
  const sms = async (body: string, from = '+33677889900') => {
    const params = { MessageSid: `SM${String(++sid).padStart(32, '0')}`, AccountSid: `AC${'0'.repeat(32)}`, From: from, To: NUMBER, Body: body }
    const signature = twilio.getExpectedTwilioSignature(AUTH, `${BASE}/webhooks/twilio/sms`, params)
    const res = await t.request('/webhooks/twilio/sms', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    })
    return res.text()
  }

  it('erases the sender’s other alerts but a held one, and says so', async () => {
    await sms('on me suit, première fois')
    const [first] = await t.db.sql<{ id: string }[]>`select id from alerts where source = 'sms'`
    expect((await hold(first!.id, { reason: 'Enquête', reference: 'PV 2026/9', until: '2026-12-01' })).status).toBe(201)
    now = new Date(now.getTime() + 3600_000)
    await sms('encore, une autre fois')
    now = new Date(now.getTime() - 3600_000)
    const reply = await sms('SUPPRIMER')
    expect(reply).toContain('(1 alerte(s))')
    expect(reply).toContain('1 alerte(s) conservée(s) sur réquisition judiciaire')
    const rows = await t.db.sql`select message, phone is not null as phone, erased_by from alerts where source = 'sms' order by created_at`
    expect(rows).toEqual([
      { message: 'on me suit, première fois', phone: true, erased_by: null },
      { message: null, phone: false, erased_by: 'sms' },
    ])
    // The held one is cancelled, not left open with nobody to tell.
    expect((await t.db.sql`select status from alerts where id = ${first!.id}`)[0]!.status).toBe('cancelled')
    expect((await t.request(`/v1/alerts/${first!.id}/hold`, { method: 'DELETE', token: operator })).status).toBe(200)
  })
})

describe('the retention job', () => {
  it('erases the alerts past retention but the held ones', async () => {
    now = new Date(now.getTime() + 16 * day) // 6 December
    // free, and the SMS alert whose hold was lifted above.
    expect(await eraseExpired(t.db.sql, now)).toBe(2)
    expect(await state(free.id)).toEqual({ message: null, erased_by: 'retention' })
    expect(await state(held.id)).toEqual({ message: 'retenue par la justice', erased_by: null })
    expect(await state(lifted.id)).toEqual({ message: 'retenue puis libérée', erased_by: null })
    const [run] = await t.db.sql`select job, counts from retention_runs order by id desc limit 1`
    expect(run).toEqual({ job: 'erase-expired-alerts', counts: expect.objectContaining({ alerts_erased: 2, alerts_held: 2, alerts_erased_after_hold: 2 }) })
  })

  it('erases a held alert at the first run after its hold is lifted', async () => {
    expect((await t.request(`/v1/alerts/${lifted.id}/hold`, { method: 'DELETE', token: operator })).status).toBe(200)
    now = new Date(now.getTime() + 3600_000)
    expect(await eraseExpired(t.db.sql, now)).toBe(1)
    expect(await state(lifted.id)).toEqual({ message: null, erased_by: 'retention' })
    expect((await state(held.id))!.message).toBe('retenue par la justice')
  })

  it('keeps a held alert through the last day of its hold, and erases it the day after', async () => {
    now = new Date('2026-12-31T22:30:00Z') // 23:30 in Paris on the 31st: still held
    expect(await eraseExpired(t.db.sql, now)).toBe(0)
    expect((await state(held.id))!.message).toBe('retenue par la justice')
    now = new Date('2026-12-31T23:30:00Z') // 00:30 on 1 January in Paris: the hold has ended
    expect(await eraseExpired(t.db.sql, now)).toBe(1)
    expect(await state(held.id)).toEqual({ message: null, erased_by: 'retention' })
    const [run] = await t.db.sql`select counts from retention_runs order by id desc limit 1`
    expect(run!.counts).toMatchObject({ alerts_erased: 1, alerts_erased_after_hold: 1, alerts_held: 0 })
    // An erased alert cannot be held again: nothing is left to keep.
    const again = await hold(held.id, { reason: 'trop tard', reference: 'PV 2027/1', until: '2027-02-01' })
    expect(again.status).toBe(409)
    expect(await code(again)).toBe('already_erased')
  })
})
