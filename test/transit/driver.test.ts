import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { coarsenOldDropoffs } from '../../src/transit/dropoff-queries.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { LAT, uploadFeed } from './feed.ts'
import { readSse } from '../helpers/sse.ts'

const clock = { now: () => new Date('2026-11-20T21:00:00Z') }
let t: TestApp
let slug: string
let busA: string // on TR1
let busB: string // on TR1b

const at = (lon: number) => ({ lat: LAT, lon })
const report = (token: string, body: Record<string, unknown>) => t.request('/v1/driver/position', { method: 'POST', token, json: body })
const ask = async (trip: string, lon: number) => {
  const res = await t.request(`/v1/networks/${slug}/dropoffs`, { method: 'POST', json: { trip_id: trip, location: at(lon) } })
  const body = (await res.json()) as { id: string; access_token: string }
  if (res.status !== 201) throw new Error(JSON.stringify(body))
  return body
}
const list = async (token: string) =>
  (await (await t.request('/v1/driver/feed', { token, headers: { accept: 'application/json' } })).json()) as {
    id: string
    status: string
    ahead_m: number
    text: string
  }[]
const seen = (id: string, access: string) =>
  t.request(`/v1/dropoffs/${id}`, { headers: { 'x-access-token': access } }).then((r) => r.json() as Promise<Record<string, unknown>>)

beforeAll(async () => {
  t = await testApp({ clock })
  slug = (await createNetwork(t, { dropoff: { hours: 'Mo-Su 21:00-06:00' } })).slug
  await uploadFeed(t, slug)
  busA = await createToken(t, slug, { role: 'driver', label: 'A', vehicle: 'bus-a' })
  busB = await createToken(t, slug, { role: 'driver', label: 'B', vehicle: 'bus-b' })
  expect((await report(busA, { ...at(7.3), trip_id: 'TR1' })).status).toBe(204)
  expect((await report(busB, { ...at(7.3), trip_id: 'TR1b' })).status).toBe(204)
})
afterAll(() => t?.close())

const readEvents = async (res: Response, count: number, ms = 3000) =>
  (await readSse<{ id: string; status: string }>(res, count, ms)).filter((e) => e.event === 'dropoff')

describe('driver feed', () => {
  it("lists the requests of the driver's own trip, nearest ahead first", async () => {
    const far = await ask('TR1', 7.335)
    const near = await ask('TR1', 7.315)
    const other = await ask('TR1b', 7.315)
    const mine = await list(busA)
    expect(mine.map((d) => d.id)).toEqual([near.id, far.id])
    expect(mine[0]!.ahead_m).toBeGreaterThan(1100)
    expect(mine[0]!.text).toMatch(/^Entre Arrêt 2, rue Test et Arrêt 3, rue Test, 3\d\d m après Arrêt 2/)
    expect((await list(busB)).map((d) => d.id)).toEqual([other.id])
  })

  it('streams new requests within a second, and resumes from Last-Event-ID', async () => {
    const res = await t.request('/v1/driver/feed', { token: busA })
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const events = readEvents(res, 3)
    await new Promise((r) => setTimeout(r, 100))
    const started = Date.now()
    const fresh = await ask('TR1', 7.325)
    await ask('TR1b', 7.325) // another bus's: must not show
    const got = await events
    expect(Date.now() - started).toBeLessThan(1000)
    expect(got.length).toBe(3)
    expect(got[2]!.data.id).toBe(fresh.id)
    const last = got[2]!.id
    const later = await ask('TR1', 7.33)
    const resumed = await readEvents(await t.request('/v1/driver/feed', { token: busA, headers: { 'last-event-id': last } }), 1)
    expect(resumed.map((e) => e.data.id)).toEqual([later.id])
  })

  it('accept, decline with a reason, done: recorded with time and position, seen by the rider', async () => {
    const a = await ask('TR1', 7.318)
    const b = await ask('TR1', 7.322)
    const accepted = await t.request(`/v1/driver/dropoffs/${a.id}/accept`, { method: 'POST', token: busA })
    expect(accepted.status).toBe(200)
    expect(await seen(a.id, a.access_token)).toMatchObject({ status: 'accepted', decision: { at: '2026-11-20T22:00:00+01:00', reason: null } })
    const declined = await t.request(`/v1/driver/dropoffs/${b.id}/decline`, { method: 'POST', token: busA, json: { reason: 'unsafe_spot', note: 'travaux' } })
    expect(declined.status).toBe(200)
    expect(await seen(b.id, b.access_token)).toMatchObject({ status: 'declined', decision: { reason: 'unsafe_spot', note: 'travaux' } })
    expect((await t.request(`/v1/driver/dropoffs/${b.id}/accept`, { method: 'POST', token: busA })).status).toBe(409)
    expect((await t.request(`/v1/driver/dropoffs/${a.id}/done`, { method: 'POST', token: busA })).status).toBe(200)
    const [row] = await t.db.sql`select decided_by, st_x(decision_location::geometry) as lon, done_at from dropoffs where id = ${a.id}`
    expect(row).toMatchObject({ decided_by: 'bus-a', lon: 7.3 })
    expect(row!.done_at).toBeInstanceOf(Date)
    expect(await seen(a.id, a.access_token)).toMatchObject({ status: 'done', done_at: '2026-11-20T22:00:00+01:00' })
    const bad = await t.request(`/v1/driver/dropoffs/${a.id}/decline`, { method: 'POST', token: busA, json: { reason: 'because' } })
    expect(bad.status).toBe(400)
  })

  it("refuses another vehicle's request, riders without their token, and non-drivers", async () => {
    const r = await ask('TR1', 7.327)
    expect((await t.request(`/v1/driver/dropoffs/${r.id}/accept`, { method: 'POST', token: busB })).status).toBe(403)
    expect((await t.request(`/v1/dropoffs/${r.id}`)).status).toBe(401)
    const other = await ask('TR1', 7.328)
    expect((await t.request(`/v1/dropoffs/${r.id}`, { headers: { 'x-access-token': other.access_token } })).status).toBe(404)
    expect((await t.request(`/v1/dropoffs/${r.id}?access_token=${r.access_token}`)).status).toBe(200)
    const operator = await createToken(t, slug, { role: 'operator', label: 'csu' })
    expect((await t.request('/v1/driver/feed', { token: operator })).status).toBe(403)
    expect((await t.request('/v1/driver/feed')).status).toBe(401)
    expect((await report(busA, { ...at(7.3), trip_id: 'NOPE' })).status).toBe(422)
  })

  it('expires the requests the bus has passed', async () => {
    const r = await ask('TR1b', 7.31)
    expect((await report(busB, at(7.312))).status).toBe(204)
    expect(await seen(r.id, r.access_token)).toMatchObject({ status: 'expired', decision: null })
    expect((await list(busB)).map((d) => d.id)).not.toContain(r.id)
  })

  it("rounds a request's points to ~1 km once the network's retention period (15 days) has passed", async () => {
    const r = await ask('TR1', 7.3337)
    expect(await coarsenOldDropoffs(t.db.sql, new Date('2026-11-30T21:00:00Z'))).toBe(0)
    expect(await coarsenOldDropoffs(t.db.sql, new Date('2026-12-06T21:00:01Z'))).toBeGreaterThan(0)
    const [row] = await t.db.sql`select st_x(snapped::geometry) as lon, coarsened from dropoffs where id = ${r.id}`
    expect(row).toMatchObject({ lon: 7.33, coarsened: true })
    expect(await coarsenOldDropoffs(t.db.sql, new Date('2026-12-06T22:00:00Z'))).toBe(0)
  })
})
