import webpush from 'web-push'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import { drainOutbox } from '../../src/notify/dispatcher.ts'
import { webPushSender } from '../../src/notify/web-push.ts'
import { readSse } from '../alerts/fixtures.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { type PushPeer, startPushPeer } from '../helpers/push-peer.ts'
import { JPEG } from '../reports/images.ts'
import { IN_A, IN_B, importSectors, OUTSIDE } from './fixtures.ts'

// A resident's report (Open311) reaches, by push through the real web-push library, the
// mediators and police on duty in its sector, and no one else in the field; they read,
// see the photo of and move the reports of their sectors, never another sector's, and
// never the reporter's contact.

const vapid = webpush.generateVAPIDKeys()
let now = new Date('2026-12-01T22:00:00+01:00')
const clock = { now: () => now }
let t: TestApp
let peer: PushPeer
let operator: string
const log = createLogger('silent', () => {})

const drain = () =>
  drainOutbox({
    sql: t.db.sql,
    clock,
    log,
    push: webPushSender({ publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: 'mailto:veille@example.org', ca: peer.ca, allowedHosts: [peer.host] }),
    baseDelayMs: 1000,
    maxDelayMs: 8000,
    maxAttempts: 4,
  })

async function fieldPerson(role: 'mediator' | 'police', label: string, sectors: string[], onDuty: boolean) {
  const token = await createToken(t, 'larochelle', { role, label, sectors }, operator)
  const sub = await peer.subscribe(vapid.publicKey)
  expect((await t.request('/v1/networks/larochelle/push-subscriptions', { method: 'POST', token, json: sub })).status).toBe(201)
  if (onDuty) expect((await t.request('/v1/field/duty', { method: 'POST', token, json: { on: true } })).status).toBe(200)
  return { token, sub }
}

// A resident's report through Open311, with a contact and (by default) a photo.
async function report(at: { lat: number; lon: number }, code = 'harassment', description = 'Un homme suit les passantes, il s’appelle Marc') {
  const fd = new FormData()
  const fields = { service_code: code, lat: String(at.lat), long: String(at.lon), description, email: 'habitante@example.org', first_name: 'Léa', phone: '+33612345678' }
  for (const [k, v] of Object.entries(fields)) fd.set(k, v)
  fd.set('media', new Blob([JPEG], { type: 'image/jpeg' }), 'photo.jpg')
  const res = await t.request('/open311/v2/larochelle/requests.json', { method: 'POST', body: fd })
  expect(res.status).toBe(201)
  return ((await res.json()) as { service_request_id: string }[])[0]!.service_request_id
}

const pushed = async (who: { sub: { clientHash: string } }) => (await peer.messages(who.sub.clientHash)).map((m) => JSON.parse(m))

beforeAll(async () => {
  peer = await startPushPeer()
  t = await testApp({
    clock,
    env: { VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:veille@example.org', HALTE_PUSH_ALLOWED_HOSTS: peer.host },
  })
  await createNetwork(t, { slug: 'larochelle' })
  operator = await createToken(t, 'larochelle', { role: 'operator', label: 'Cellule de veille' })
  expect((await importSectors(t, 'larochelle', operator)).status).toBe(200)
})
afterEach(async () => {
  await t.db.sql`delete from push_subscriptions`
  await t.db.sql`delete from field_duty`
  await t.db.sql`update outbox set status = 'dropped' where status = 'pending'`
})
afterAll(async () => {
  await peer?.close()
  await t?.close()
})

describe('pushing reports to the field', () => {
  it("a report in sector A reaches A's on-duty mediator, not B's, not an off-duty one, with neither contact nor description", async () => {
    const mediatorA = await fieldPerson('mediator', 'Médiatrice Centre', ['Centre'], true)
    const policeA = await fieldPerson('police', 'PM Centre', ['Centre'], true)
    const mediatorB = await fieldPerson('mediator', 'Médiateur Port', ['Port'], true)
    const restingA = await fieldPerson('mediator', 'Médiateur de repos', ['Centre'], false)
    const everywhere = await fieldPerson('police', 'PM de nuit', [], true)

    const id = await report(IN_A)
    expect(await drain()).toBe(3)
    for (const who of [mediatorA, policeA, everywhere]) {
      const [message, ...more] = await pushed(who)
      expect(more).toEqual([])
      expect(message).toMatchObject({
        type: 'report',
        audience: 'field',
        report_id: id,
        network: 'larochelle',
        category: { code: 'harassment', fr: 'Harcèlement de rue', en: 'Street harassment' },
        visibility: 'private',
        url: `/console?network=larochelle&report=${id}`,
      })
      // What a lock screen may show: no words of the resident, no contact, no point.
      const raw = JSON.stringify(message)
      for (const secret of ['Marc', 'habitante@example.org', '+33612345678', 'Léa', String(IN_A.lat)]) expect(raw).not.toContain(secret)
    }
    expect(await pushed(mediatorB)).toEqual([])
    expect(await pushed(restingA)).toEqual([])

    // A report outside every sector reaches only the whole-network token.
    await report(OUTSIDE, 'damage', 'Abribus cassé')
    await drain()
    expect((await pushed(everywhere)).map((m) => m.category.code)).toEqual(['harassment', 'damage'])
    expect(await pushed(mediatorA)).toHaveLength(1)
  })

  it('the report stream carries the reports of my sectors only, status changes included', async () => {
    const mediatorA = await createToken(t, 'larochelle', { role: 'mediator', label: 'Médiatrice flux', sectors: ['Centre'] }, operator)
    now = new Date(now.getTime() + 24 * 3600_000)
    const inB = await report(IN_B)
    const inA = await report(IN_A)
    const res = await t.request('/v1/field/reports/stream', { token: mediatorA })
    expect(res.status).toBe(200)
    const events = await readSse<{ event: string; report_id: string; to: string }>(res, 2, 1500)
    expect(events.map((e) => [e.event, e.data.report_id, e.data.event])).toEqual([['report', inA, 'created']])
    // Resumed after the last one: B's change is not there, A's is.
    await t.request(`/v1/reports/${inB}/status`, { method: 'POST', token: operator, json: { status: 'in_progress' } })
    await t.request(`/v1/reports/${inA}/status`, { method: 'POST', token: operator, json: { status: 'in_progress' } })
    const resumed = await t.request('/v1/field/reports/stream', { token: mediatorA, headers: { 'Last-Event-ID': events[0]!.id } })
    const more = await readSse<{ event: string; report_id: string; to: string; by: string }>(resumed, 2, 1500)
    expect(more.map((e) => [e.data.report_id, e.data.event, e.data.to, e.data.by])).toEqual([[inA, 'status', 'in_progress', 'operator']])
    expect((await t.request('/v1/field/reports/stream', { token: operator })).status).toBe(403)
    expect((await t.request('/v1/field/reports/stream')).status).toBe(401)
  })
})

describe('field principals and the reports of their sectors', () => {
  it("a mediator of A lists only A's reports, reads one without the reporter's contact, sees its photo and moves it", async () => {
    const mediatorA = await createToken(t, 'larochelle', { role: 'mediator', label: 'Médiatrice liste', sectors: ['Centre'] }, operator)
    const inA = await report(IN_A)
    const inB = await report(IN_B)
    const out = await report(OUTSIDE)

    const listed = await t.request('/v1/networks/larochelle/reports', { token: mediatorA })
    expect(listed.status).toBe(200)
    const rows = (await listed.json()) as { id: string; contact: unknown; location: { lat: number }; description: string; media: { url: string }[] }[]
    const ids = rows.map((r) => r.id)
    expect(ids).toContain(inA)
    expect(ids).not.toContain(inB)
    expect(ids).not.toContain(out)
    const mine = rows.find((r) => r.id === inA)!
    // Where and what, to act on the spot; not who, which stays with the city's team.
    expect(mine.contact).toBeNull()
    expect(mine.location.lat).toBeCloseTo(IN_A.lat, 5)
    expect(mine.description).toContain('suit les passantes')
    // The operator's list is unchanged: every report, contacts included.
    const all = (await (await t.request('/v1/networks/larochelle/reports', { token: operator })).json()) as { id: string; contact: { email: string } | null }[]
    expect(all.map((r) => r.id)).toEqual(expect.arrayContaining([inA, inB, out]))
    expect(all.find((r) => r.id === inA)!.contact?.email).toBe('habitante@example.org')

    const one = await t.request(`/v1/reports/${inA}`, { token: mediatorA })
    expect(one.status).toBe(200)
    expect((await one.json()).contact).toBeNull()
    const photo = await t.request(mine.media[0]!.url, { token: mediatorA })
    expect(photo.status).toBe(200)
    expect(photo.headers.get('content-type')).toBe('image/jpeg')

    const moved = await t.request(`/v1/reports/${inA}/status`, { method: 'POST', token: mediatorA, json: { status: 'in_progress', public_note: 'Équipe de médiation passée' } })
    expect(moved.status).toBe(200)
    const body = await moved.json()
    expect(body.status).toBe('in_progress')
    expect(body.contact).toBeNull()
    expect(body.events.at(-1)).toMatchObject({ kind: 'status', from_status: 'open', to_status: 'in_progress', actor_role: 'mediator' })
    const [row] = await t.db.sql<{ actor_role: string; actor_token_id: string | null }[]>`
      select actor_role, actor_token_id::text from report_events where report_id = ${inA} and kind = 'status'`
    const [token] = await t.db.sql<{ id: string }[]>`select id::text from tokens where label = 'Médiatrice liste'`
    expect(row).toEqual({ actor_role: 'mediator', actor_token_id: token!.id })
  })

  it("a mediator of A gets 403 out_of_sector on B's report: read, photo, status change; nothing changes", async () => {
    const mediatorA = await createToken(t, 'larochelle', { role: 'mediator', label: 'Médiatrice refus', sectors: ['Centre'] }, operator)
    const inB = await report(IN_B)
    const seen = await (await t.request(`/v1/reports/${inB}`, { token: operator })).json()
    const refusals = [
      await t.request(`/v1/reports/${inB}`, { token: mediatorA }),
      await t.request(seen.media[0].url, { token: mediatorA }),
      await t.request(`/v1/reports/${inB}/status`, { method: 'POST', token: mediatorA, json: { status: 'closed' } }),
    ]
    for (const res of refusals) {
      expect(res.status).toBe(403)
      expect((await res.json()).code).toBe('out_of_sector')
    }
    const [b] = await t.db.sql<{ status: string; n: number }[]>`
      select status, (select count(*)::int from report_events where report_id = ${inB}) as n from reports where id = ${inB}`
    expect(b).toEqual({ status: 'open', n: 1 })
    // Unknown report: 404 as for operators; bad body: 400 before any scope question.
    expect((await t.request(`/v1/reports/${crypto.randomUUID()}`, { token: mediatorA })).status).toBe(404)
    expect((await t.request(`/v1/reports/${inB}/status`, { method: 'POST', token: mediatorA, json: { status: 'done' } })).status).toBe(400)
  })

  it('other roles and networks: a driver gets 403, a mediator of another network 403 wrong_network', async () => {
    await createNetwork(t, { slug: 'nantes' })
    const stranger = await createToken(t, 'nantes', { role: 'mediator', label: 'Nantes' })
    const driver = await createToken(t, 'larochelle', { role: 'driver', label: 'bus 12', vehicle: 'bus-12' }, operator)
    const inA = await report(IN_A)
    const foreign = await t.request(`/v1/reports/${inA}`, { token: stranger })
    expect(foreign.status).toBe(403)
    expect((await foreign.json()).code).toBe('wrong_network')
    expect((await t.request('/v1/networks/larochelle/reports', { token: stranger })).status).toBe(403)
    expect((await t.request(`/v1/reports/${inA}`, { token: driver })).status).toBe(403)
    expect((await t.request('/v1/networks/larochelle/reports', { token: driver })).status).toBe(403)
    expect((await t.request('/v1/networks/larochelle/reports')).status).toBe(401)
  })
})
