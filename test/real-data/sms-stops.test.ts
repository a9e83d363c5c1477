import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createNetwork, type TestApp, testApp } from '../helpers/app.ts'

// An SMS naming a stop of Mulhouse's real network (SOLEA): capitals in the feed, one
// stop per direction and a station under the same name, names that contain others.
const SOLEA = resolve('../shared/data/gtfs/solea-mulhouse.zip')
const present = existsSync(SOLEA)
if (!present) console.log(`[real-data sms stops] skipped: ${SOLEA} is absent`)

const AUTH = 'test-auth-token-twilio'
const BASE = 'https://halte.example.org'
const NUMBER = '+33389000000'
let t: TestApp
let sid = 0

beforeAll(async () => {
  if (!present) return
  t = await testApp({ clock: { now: () => new Date('2026-04-15T20:30:00Z') }, env: { TWILIO_AUTH_TOKEN: AUTH, PUBLIC_BASE_URL: BASE } })
  await createNetwork(t, { slug: 'mulhouse', sms_number: NUMBER, region_code: 'Haut-Rhin' })
  const res = await t.request('/v1/networks/mulhouse/gtfs', {
    method: 'POST',
    token: ADMIN_TOKEN,
    body: new Blob([readFileSync(SOLEA)]),
    headers: { 'content-type': 'application/zip' },
  })
  if (res.status !== 200) throw new Error(`SOLEA import failed: ${res.status} ${await res.text()}`)
})
afterAll(() => t?.close())

async function sms(body: string) {
  sid++
  const from = `+336000100${String(sid).padStart(2, '0')}`
  const params = { MessageSid: `SM${String(sid).padStart(32, '0')}`, From: from, To: NUMBER, Body: body }
  const res = await t.request('/webhooks/twilio/sms', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH, `${BASE}/webhooks/twilio/sms`, params),
    },
    body: new URLSearchParams(params).toString(),
  })
  expect(res.status).toBe(200)
  const reply = /<Message>([\s\S]*)<\/Message>/.exec(await res.text())?.[1] ?? ''
  const [alert] = await t.db.sql<{ lat: number | null; lon: number | null }[]>`
    select st_y(location::geometry) as lat, st_x(location::geometry) as lon from alerts where phone = ${from}`
  return { reply, alert }
}

// The stop of that name the service should pick: the first by stop_id.
async function stopNamed(name: string) {
  const rows = await t.db.sql<{ stop_id: string; lat: number; lon: number }[]>`
    select stop_id, lat, lon from transit_stops where name = ${name} order by stop_id`
  return rows
}

describe.skipIf(!present)('an SMS naming a stop of the SOLEA feed', () => {
  it('"gare centrale" lands on the first GARE CENTRALE stop, near the station, and says so', async () => {
    const stops = await stopNamed('GARE CENTRALE')
    expect(stops.length).toBeGreaterThan(2)
    const { reply, alert } = await sms('Je suis à la Gare Centrale, un homme me suit')
    expect(alert).toEqual({ lat: stops[0]!.lat, lon: stops[0]!.lon })
    expect(reply).toContain("Vous etes près de l'arret GARE CENTRALE ?")
    expect(reply).toMatch(/^Urgence : appelez le 17 ou le 112, SMS au 114\./)
    // Every stop of the name is within 300 m of the chosen one: one place, several poles.
    const [far] = await t.db.sql<{ m: number }[]>`
      select max(st_distance(location, st_setsrid(st_makepoint(${stops[0]!.lon}, ${stops[0]!.lat}), 4326)::geography))::float8 as m
      from transit_stops where name = 'GARE CENTRALE'`
    expect(far!.m).toBeLessThan(300)
  })

  it('"lutterbach gare" is that stop, not GARE CENTRALE', async () => {
    const [stop] = await stopNamed('LUTTERBACH GARE')
    const { reply, alert } = await sms("aidez moi je suis a l'arret lutterbach gare")
    expect(reply).toContain("l'arret LUTTERBACH GARE ?")
    expect(alert).toEqual({ lat: stop!.lat, lon: stop!.lon })
  })

  it('a message naming no stop asks for a location', async () => {
    const { reply, alert } = await sms('je ne sais pas où je suis, aidez moi')
    expect(reply).toContain('Où etes-vous ?')
    expect(alert).toEqual({ lat: null, lon: null })
  })
})
