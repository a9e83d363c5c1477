import twilio from 'twilio'
import type { Target } from '../driver-targets.ts'
import type { Balancer } from './load.ts'
import { BOX, type Partner, SMS_NUMBER } from './world.ts'

// What the city sends, one function per kind of request. Each client has its own
// address (X-Forwarded-For through the trusted proxy): per-client limits apply to each
// as they would to real people, not to the generator as one abuser.

export interface Raised {
  web: { id: string; due: number }[]
  sms: { phone: string; due: number }[]
  dropoffs: { id: string; vehicle: string; due: number }[]
}

const rand = (a: number, b: number) => a + Math.random() * (b - a)
const point = () => ({ lat: rand(BOX.south, BOX.north), lon: rand(BOX.west, BOX.east) })
const client = (kind: number, k: number) => `10.${kind}.${(k >> 8) & 255}.${k & 255}`

export class Traffic {
  readonly raised: Raised = { web: [], sms: [], dropoffs: [] }

  constructor(
    private readonly lb: Balancer,
    private readonly slug: string,
    private readonly partners: Partner[],
    private readonly drivers: Target[],
    private readonly twilioToken: string,
    private readonly publicBase: string,
  ) {}

  nearest(k: number, due: number, kind = 'nearest') {
    const p = point()
    return this.lb.send(kind, { path: `/v1/networks/${this.slug}/places/nearest?lat=${p.lat.toFixed(5)}&lon=${p.lon.toFixed(5)}`, headers: { 'x-forwarded-for': client(1, k) } }, due)
  }

  bbox(k: number, due: number) {
    const p = point()
    const box = [p.lon - 0.007, p.lat - 0.005, p.lon + 0.007, p.lat + 0.005].map((v) => v.toFixed(5)).join(',')
    return this.lb.send('bbox', { path: `/v1/networks/${this.slug}/places?bbox=${box}`, headers: { 'x-forwarded-for': client(2, k) } }, due)
  }

  async webAlert(k: number, due: number) {
    const res = await this.lb.send(
      'web alert',
      {
        method: 'POST',
        path: `/v1/networks/${this.slug}/alerts`,
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client(3, k), 'idempotency-key': `soak-${due}-${k}` },
        body: JSON.stringify({ location: point() }),
      },
      due,
    )
    if (res.status === 201) this.raised.web.push({ id: (JSON.parse(res.text) as { id: string }).id, due })
    return res
  }

  async smsAlert(k: number, due: number) {
    const phone = `+3361${String(1_000_000 + k).slice(-7)}`
    const params = { From: phone, To: SMS_NUMBER, Body: 'Au secours, on me suit', MessageSid: `SM${String(k).padStart(32, '0')}`, AccountSid: 'AC'.padEnd(34, '0') }
    const signature = twilio.getExpectedTwilioSignature(this.twilioToken, `${this.publicBase}/webhooks/twilio/sms`, params)
    const res = await this.lb.send(
      'sms alert',
      { method: 'POST', path: '/webhooks/twilio/sms', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() },
      due,
    )
    if (res.status === 200) this.raised.sms.push({ phone, due })
    return res
  }

  async dropoff(k: number, due: number, target = this.drivers[Math.floor(Math.random() * this.drivers.length)]!) {
    const res = await this.lb.send(
      'drop-off request',
      {
        method: 'POST',
        path: `/v1/networks/${this.slug}/dropoffs`,
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client(4, k) },
        body: JSON.stringify({ trip_id: target.trip, location: target.point, at: target.at }),
      },
      due,
    )
    if (res.status === 201) this.raised.dropoffs.push({ id: (JSON.parse(res.text) as { id: string }).id, vehicle: target.vehicle, due })
    return res
  }

  // Partners keep their record up to date: training renewed, a closure announced.
  partnerEdit(k: number, due: number) {
    const partner = this.partners[k % this.partners.length]!
    const headers = { authorization: `Bearer ${partner.token}`, 'content-type': 'application/json' }
    if (k % 2 === 0) {
      const body = JSON.stringify({ training_date: new Date().toISOString().slice(0, 10), trained_staff: 1 + (k % 5) })
      return this.lb.send('partner edit', { method: 'PATCH', path: '/v1/partner/place', headers, body }, due)
    }
    // A distinct future afternoon per closure of the same partner.
    const day = new Date(Date.now() + (2 + Math.floor(k / this.partners.length)) * 86_400_000).toISOString().slice(0, 10)
    const body = JSON.stringify({ from: `${day}T13:00:00+01:00`, to: `${day}T16:00:00+01:00`, reason: 'inventaire' })
    return this.lb.send('partner closure', { method: 'POST', path: '/v1/partner/closures', headers, body }, due)
  }

  // The hardening cases, each of which must be a 4xx problem, never a 5xx.
  bad(k: number, due: number) {
    const s = this.slug
    const json = { 'content-type': 'application/json', 'x-forwarded-for': client(5, k) }
    const cases: { path: string; method?: string; headers?: Record<string, string>; body?: string }[] = [
      { path: `/v1/networks/${s}/places/nearest?lat=91&lon=7.3` },
      { path: `/v1/networks/${s}/places/nearest?lat=47.75&lon=7.3&at=2099-01-01T00:00:00Z` },
      { path: `/v1/networks/${s}/places?bbox=0,0,10,10` },
      { path: `/v1/networks/${s}/alerts`, method: 'POST', headers: json, body: '{"location": {"lat": 47.7' },
      { path: `/v1/networks/${s}/alerts`, method: 'POST', headers: json, body: JSON.stringify({ location: point(), message: 'x'.repeat(200_000) }) },
      { path: `/v1/networks/${s}/dropoffs`, method: 'POST', headers: json, body: JSON.stringify({ trip_id: 'no-such-trip', location: point() }) },
      { path: '/v1/driver/feed', headers: { authorization: 'Bearer halte_driver_forged' } },
      { path: '/v1/partner/place', method: 'PATCH', headers: { ...json, authorization: `Bearer ${this.partners[0]!.token}` }, body: JSON.stringify({ opening_hours: 'Mo-Fr 25:00-26:00' }) },
      { path: '/webhooks/twilio/sms', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': `${'A'.repeat(27)}=` }, body: 'From=%2B33611111111&Body=x' },
      { path: '/v1/networks/nowhere/places/nearest?lat=47.75&lon=7.3' },
    ]
    return this.lb.send('bad input', cases[k % cases.length]!, due)
  }
}
