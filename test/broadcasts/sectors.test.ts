import webpush from 'web-push'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import { drainOutbox } from '../../src/notify/dispatcher.ts'
import { webPushSender } from '../../src/notify/web-push.ts'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { type PushPeer, startPushPeer } from '../helpers/push-peer.ts'
import { activePlace } from '../alerts/fixtures.ts'

// A broadcast to a sector: its partners and its field people on duty hear it, through
// the real web-push library to a local push service; the next sector's do not. Sectors
// are written as rows here (their import is tested with it); field people use their routes.
const vapid = webpush.generateVAPIDKeys()
const now = new Date('2026-12-05T22:00:00+01:00')
const clock = { now: () => now }
const log = createLogger('silent', () => {})
let t: TestApp
let peer: PushPeer
let operator: string
let networkId: string

// Two sectors side by side around La Rochelle's Vieux-Port, split at longitude -1.15.
const square = (w: number, e: number) => ({
  type: 'MultiPolygon',
  coordinates: [[[[w, 46.14], [e, 46.14], [e, 46.17], [w, 46.17], [w, 46.14]]]],
})
const west = { lat: 46.156, lon: -1.155 }
const east = { lat: 46.156, lon: -1.145 }

const drain = () =>
  drainOutbox({
    sql: t.db.sql,
    clock,
    log,
    push: webPushSender({ publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: 'mailto:veille@example.org', ca: peer.ca, allowedHosts: [peer.host] }),
  })

async function subscribedPlace(at: { lat: number; lon: number }) {
  const place = await activePlace(t, 'larochelle', operator, at)
  const sub = await peer.subscribe(vapid.publicKey)
  expect((await t.request('/v1/partner/push-subscriptions', { method: 'POST', token: place.token, json: sub })).status).toBe(201)
  return { ...place, sub }
}

// A mediator or municipal police token, its sectors, on duty or not, a device subscribed:
// all through the field routes.
async function fieldPerson(label: string, sectors: string[], onDuty: boolean, role: 'mediator' | 'police' = 'mediator') {
  const token = await createToken(t, 'larochelle', { role, label, ...(sectors.length ? { sectors } : {}) }, operator)
  if (onDuty) expect((await t.request('/v1/field/duty', { method: 'POST', token, json: { on: true } })).status).toBe(200)
  const sub = await peer.subscribe(vapid.publicKey)
  expect((await t.request('/v1/networks/larochelle/push-subscriptions', { method: 'POST', token, json: sub })).status).toBe(201)
  return { token, sub }
}

beforeAll(async () => {
  peer = await startPushPeer()
  t = await testApp({
    clock,
    env: { VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:veille@example.org', HALTE_PUSH_ALLOWED_HOSTS: peer.host },
  })
  networkId = (await createNetwork(t, { slug: 'larochelle' })).id
  operator = await createToken(t, 'larochelle', { role: 'operator', label: 'Cellule de veille' })
  for (const [name, area] of [['Centre-Ouest', square(-1.17, -1.15)], ['Centre-Est', square(-1.15, -1.13)]] as const) {
    await t.db.sql`insert into sectors (network_id, name, area) values (${networkId}, ${name}, st_setsrid(st_geomfromgeojson(${JSON.stringify(area)}), 4326))`
  }
})
afterAll(async () => {
  await peer?.close()
  await t?.close()
})

describe('a broadcast to a sector', () => {
  it('reaches the sector’s partners and its mediators on duty, not the next sector’s', async () => {
    const inWest = [await subscribedPlace(west), await subscribedPlace({ lat: 46.16, lon: -1.165 })]
    const inEast = await subscribedPlace(east)
    const westMediator = await fieldPerson('Médiateur Ouest', ['Centre-Ouest'], true)
    const everywhere = await fieldPerson('Police municipale', [], true, 'police')
    const eastMediator = await fieldPerson('Médiatrice Est', ['Centre-Est'], true)
    const offDuty = await fieldPerson('Médiateur de repos', ['Centre-Ouest'], false)

    const res = await t.request('/v1/networks/larochelle/broadcasts', {
      method: 'POST',
      token: operator,
      json: { message: 'Rixe place de Verdun : restez vigilants.', target: { sector: 'Centre-Ouest' } },
    })
    expect(res.status).toBe(201)
    const sent = (await res.json()) as { id: string; places: number; field: number; recipients: number; by_channel: { push: { recipients: number } } }
    expect(sent).toMatchObject({ places: 2, field: 2, recipients: 4, by_channel: { push: { recipients: 4 } } })
    expect(await drain()).toBe(4)
    for (const who of [...inWest, westMediator, everywhere]) {
      const got = (await peer.messages(who.sub.clientHash)).map((m) => JSON.parse(m))
      expect(got).toEqual([expect.objectContaining({ type: 'broadcast', broadcast_id: sent.id, sector: 'Centre-Ouest', message: 'Rixe place de Verdun : restez vigilants.' })])
    }
    for (const who of [inEast, eastMediator, offDuty]) expect(await peer.messages(who.sub.clientHash)).toEqual([])

    const detail = (await (await t.request(`/v1/broadcasts/${sent.id}`, { token: operator })).json()) as {
      target: unknown
      recipients: { place_id: string | null; token_id: string | null; name: string; push: string }[]
    }
    expect(detail.target).toEqual({ sector: 'Centre-Ouest' })
    expect(detail.recipients.filter((r) => r.token_id).map((r) => r.name).sort()).toEqual(['Médiateur Ouest', 'Police municipale'])
    expect(detail.recipients.every((r) => r.push === 'sent')).toBe(true)
    const listed = (await (await t.request('/v1/partner/broadcasts', { token: inWest[0]!.token })).json()) as { broadcasts: { sector: string }[] }
    expect(listed.broadcasts[0]!.sector).toBe('Centre-Ouest')

    // The mediator of the sector reads and acknowledges it; the next sector's cannot.
    const mine = (await (await t.request('/v1/field/broadcasts', { token: westMediator.token })).json()) as { broadcasts: { id: string; acknowledged_at: string | null }[] }
    expect(mine.broadcasts).toEqual([expect.objectContaining({ id: sent.id, acknowledged_at: null })])
    const ack = await t.request(`/v1/field/broadcasts/${sent.id}/acknowledge`, { method: 'POST', token: westMediator.token })
    expect(ack.status).toBe(200)
    expect((await t.request(`/v1/field/broadcasts/${sent.id}/acknowledge`, { method: 'POST', token: eastMediator.token })).status).toBe(404)
    expect((await t.request(`/v1/field/broadcasts/${sent.id}/acknowledge`, { method: 'POST', token: inWest[0]!.token })).status).toBe(403)
    expect((await t.request(`/v1/partner/broadcasts/${sent.id}/acknowledge`, { method: 'POST', token: westMediator.token })).status).toBe(403)
    const after = (await (await t.request(`/v1/broadcasts/${sent.id}`, { token: operator })).json()) as { acknowledged: number; recipients: { name: string; acknowledged_at: string | null }[] }
    expect(after.acknowledged).toBe(1)
    expect(after.recipients.find((r) => r.name === 'Médiateur Ouest')!.acknowledged_at).not.toBeNull()
    // A field token cannot broadcast.
    expect((await t.request('/v1/networks/larochelle/broadcasts', { method: 'POST', token: westMediator.token, json: { message: 'x', target: { sector: 'Centre-Ouest' } } })).status).toBe(403)
  })

  it('a circle reaches the field people whose sectors it touches', async () => {
    await t.db.sql`delete from push_subscriptions where owner = 'place'`
    const res = await t.request('/v1/networks/larochelle/broadcasts', {
      method: 'POST',
      token: operator,
      json: { message: 'Colis suspect quai Duperré.', target: { ...east, radius_m: 300 } },
    })
    expect(res.status).toBe(201)
    const { id } = (await res.json()) as { id: string }
    const detail = (await (await t.request(`/v1/broadcasts/${id}`, { token: operator })).json()) as { recipients: { token_id: string | null; name: string }[] }
    expect(detail.recipients.filter((r) => r.token_id).map((r) => r.name).sort()).toEqual(['Médiatrice Est', 'Police municipale'])
  })

  it('a sector of another network is unknown here', async () => {
    await createNetwork(t, { slug: 'rochefort' })
    const other = await createToken(t, 'rochefort', { role: 'operator', label: 'Rochefort' })
    const res = await t.request('/v1/networks/rochefort/broadcasts', { method: 'POST', token: other, json: { message: 'x', target: { sector: 'Centre-Ouest' } } })
    expect(res.status).toBe(422)
    expect(((await res.json()) as { code: string }).code).toBe('unknown_sector')
  })
})
