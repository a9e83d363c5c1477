import { XMLParser } from 'fast-xml-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { GIF, hasGps, JPEG, jpegWithGps } from './images.ts'

// What a GeoReport v2 client (FixMyStreet's Open311.pm reads XML with XML::Simple; many
// apps read JSON) expects of /open311/v2/{slug}/, and what halte keeps from the public.

let t: TestApp
let slug: string
let other: string
let operator: string
let partnerLess: string
const base = () => `/open311/v2/${slug}`
// A precise point: rue de la République, Besançon.
const spot = { lat: 47.237829, long: 6.024127 }
const xml = new XMLParser({ parseTagValue: false, isArray: (name) => ['service', 'request', 'error'].includes(name) })

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
})

async function file(path: string, fields: Record<string, string>) {
  const res = await t.request(path, form(fields))
  return { res, text: await res.text() }
}

beforeAll(async () => {
  t = await testApp()
  slug = (await createNetwork(t)).slug
  other = (await createNetwork(t)).slug
  operator = await createToken(t, slug, { role: 'operator', label: 'Maison de la tranquillité' })
  partnerLess = await createToken(t, other, { role: 'operator', label: 'autre ville' })
})
afterAll(() => t.close())

describe('services', () => {
  it('services.json lists the seeded categories with the spec fields', async () => {
    const res = await t.request(`${base()}/services.json`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const services = (await res.json()) as Record<string, unknown>[]
    expect(services.map((s) => s.service_code)).toEqual([
      'harassment', 'poor_lighting', 'dangerous_spot_night', 'drug_dealing', 'nitrous_oxide', 'damage', 'noise', 'abandoned_object', 'other',
    ])
    expect(services[1]).toEqual({
      service_code: 'poor_lighting',
      service_name: 'Éclairage insuffisant',
      description: expect.any(String),
      metadata: false,
      type: 'realtime',
      keywords: expect.stringContaining('éclairage'),
      group: 'lieux',
    })
  })

  it('services.xml parses to <services><service>… and speaks English on request', async () => {
    const res = await t.request(`${base()}/services.xml`, { headers: { 'accept-language': 'en' } })
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/)
    const doc = xml.parse(await res.text())
    const lighting = doc.services.service.find((s: Record<string, string>) => s.service_code === 'poor_lighting')
    expect(lighting).toMatchObject({ service_name: 'Poor lighting', metadata: 'false', type: 'realtime', group: 'lieux' })
    expect(doc.services.service).toHaveLength(9)
  })

  it('a network created later has its categories too; an unknown network is a GeoReport 404', async () => {
    const fresh = await createNetwork(t)
    const res = await t.request(`/open311/v2/${fresh.slug}/services.json`)
    expect(((await res.json()) as unknown[]).length).toBe(9)
    const missing = await t.request('/open311/v2/nowhere/services.xml')
    expect(missing.status).toBe(404)
    const doc = xml.parse(await missing.text())
    expect(doc.errors.error[0].code).toBe('network_not_found')
    expect(doc.errors.error[0].description).toMatch(/nowhere/)
  })

  it('a city’s own page may read and post cross-origin (no cookies, like /v1)', async () => {
    const pre = await t.request(`${base()}/requests.json`, { method: 'OPTIONS', headers: { origin: 'https://ville.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('*')
    const res = await t.request(`${base()}/services.json`, { headers: { origin: 'https://ville.example' } })
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    const refused = await t.request(`${base()}/services.json?jurisdiction_id=x`, { headers: { origin: 'https://ville.example' } })
    expect(refused.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('a jurisdiction_id other than the slug is refused; the slug itself is accepted', async () => {
    const wrong = await t.request(`${base()}/services.json?jurisdiction_id=${other}`)
    expect(wrong.status).toBe(404)
    expect(await wrong.json()).toEqual([{ code: 'jurisdiction_not_found', description: expect.stringContaining(slug) }])
    expect((await t.request(`${base()}/services.json?jurisdiction_id=${slug}`)).status).toBe(200)
  })
})

describe('POST requests', () => {
  it('form-encoded, the way FixMyStreet posts, answers XML with the new id', async () => {
    const { res, text } = await file(`${base()}/requests.xml`, {
      jurisdiction_id: slug,
      service_code: 'poor_lighting',
      lat: String(spot.lat),
      long: String(spot.long),
      description: 'Lampadaire éteint depuis une semaine, passage très sombre',
      email: 'resident@example.org',
      first_name: 'Camille',
      last_name: 'Martin',
      phone: '+33611223344',
      media_url: 'https://evil.example/track.png',
      'attribute[extra]': 'ignored',
    })
    expect(res.status).toBe(201)
    const doc = xml.parse(text)
    const [created] = doc.service_requests.request
    expect(created.service_request_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(created.service_notice).toMatch(/carte/)
    expect(created).toHaveProperty('account_id')
    const [row] = await t.db.sql`select email, first_name, phone, private, st_y(location::geometry) as lat from reports where id = ${created.service_request_id}`
    expect(row).toMatchObject({ email: 'resident@example.org', first_name: 'Camille', phone: '+33611223344', private: false, lat: spot.lat })
  })

  it('JSON answers JSON in the spec shape', async () => {
    const res = await t.request(`${base()}/requests.json`, { method: 'POST', json: { service_code: 'noise', lat: spot.lat, long: spot.long, description: 'Rodéos la nuit' } })
    expect(res.status).toBe(201)
    const body = (await res.json()) as Record<string, unknown>[]
    expect(body).toEqual([{ service_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/), service_notice: expect.any(String), account_id: null }])
  })

  it('an address alone, or no location at all, is a 400 (halte needs a point); nothing is stored', async () => {
    const before = (await t.db.sql`select count(*)::int as n from reports`)[0]!.n
    const address = await file(`${base()}/requests.json`, { service_code: 'noise', address_string: '1 place du 8 Septembre', description: 'x' })
    expect(address.res.status).toBe(400)
    expect(JSON.parse(address.text)).toEqual([{ code: 'location_required', description: expect.stringMatching(/point/) }])
    const nothing = await file(`${base()}/requests.xml`, { service_code: 'noise' })
    expect(nothing.res.status).toBe(400)
    expect(xml.parse(nothing.text).errors.error[0].code).toBe('location_required')
    const half = await file(`${base()}/requests.json`, { service_code: 'noise', lat: '47.2', long: 'east' })
    expect(half.res.status).toBe(400)
    expect((await t.db.sql`select count(*)::int as n from reports`)[0]!.n).toBe(before)
  })

  it('refuses an unknown or deactivated service, a wrong jurisdiction, a missing service_code', async () => {
    const unknown = await file(`${base()}/requests.json`, { service_code: 'graffiti', ...strings(spot) })
    expect(unknown.res.status).toBe(404)
    expect(JSON.parse(unknown.text)[0].code).toBe('service_not_found')
    const jur = await file(`${base()}/requests.json`, { jurisdiction_id: 'paris', service_code: 'noise', ...strings(spot) })
    expect(jur.res.status).toBe(404)
    expect(JSON.parse(jur.text)[0].code).toBe('jurisdiction_not_found')
    const missing = await file(`${base()}/requests.xml`, { ...strings(spot) })
    expect(missing.res.status).toBe(400)
    const err = xml.parse(missing.text).errors.error
    expect(err[0].code).toBe('validation_failed')
    expect(err[0].description).toMatch(/service_code/)
  })

  it('api_key is optional; when sent it must be a live token of this network (403)', async () => {
    const good = await file(`${base()}/requests.json`, { api_key: operator, service_code: 'damage', ...strings(spot) })
    expect(good.res.status).toBe(201)
    const bogus = await file(`${base()}/requests.json`, { api_key: 'halte_not-a-token', service_code: 'damage', ...strings(spot) })
    expect(bogus.res.status).toBe(403)
    expect(JSON.parse(bogus.text)[0].code).toBe('invalid_api_key')
    const foreign = await file(`${base()}/requests.json`, { api_key: partnerLess, service_code: 'damage', ...strings(spot) })
    expect(foreign.res.status).toBe(403)
  })

  it('malformed JSON is 400; a point outside the network’s area is 422; a text where the photo goes is 415', async () => {
    const broken = await t.request(`${base()}/requests.xml`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"service_code": "noise",' })
    expect(broken.status).toBe(400)
    expect(xml.parse(await broken.text()).errors.error[0].code).toBe('malformed_json')
    const square = { type: 'MultiPolygon', coordinates: [[[[6.0, 47.2], [6.05, 47.2], [6.05, 47.26], [6.0, 47.26], [6.0, 47.2]]]] }
    const bounded = (await createNetwork(t, { area: square })).slug
    const outside = await t.request(`/open311/v2/${bounded}/requests.json`, { method: 'POST', json: { service_code: 'noise', lat: 48.85, long: 2.35 } })
    expect(outside.status).toBe(422)
    expect(((await outside.json()) as { code: string }[])[0]!.code).toBe('outside_network_area')
    expect((await t.request(`/open311/v2/${bounded}/requests.json`, { method: 'POST', json: { service_code: 'noise', ...spot } })).status).toBe(201)
    const fd = new FormData()
    for (const [k, v] of Object.entries({ service_code: 'damage', ...strings(spot), media: 'https://example.org/photo.jpg' })) fd.set(k, v)
    const notFile = await t.request(`${base()}/requests.json`, { method: 'POST', body: fd })
    expect(notFile.status).toBe(415)
    expect(((await notFile.json()) as { code: string }[])[0]!.code).toBe('unsupported_media')
  })

  it('a body that is neither form nor JSON is 415; a NUL in a form field is 400; an oversized body is 413', async () => {
    const plain = await t.request(`${base()}/requests.json`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'service_code=noise' })
    expect(plain.status).toBe(415)
    expect((await plain.json()) as unknown).toEqual([{ code: 'unsupported_media_type', description: expect.any(String) }])
    const nul = await file(`${base()}/requests.json`, { service_code: 'noise', description: `a${String.fromCharCode(0)}b`, ...strings(spot) })
    expect(nul.res.status).toBe(400)
    expect(JSON.parse(nul.text)[0].code).toBe('invalid_character')
    const huge = await t.request(`${base()}/requests.xml`, form({ service_code: 'noise', ...strings(spot), description: 'x'.repeat(7 * 1024 * 1024) }))
    expect(huge.status).toBe(413)
    expect(xml.parse(await huge.text()).errors.error[0].code).toBe('payload_too_large')
  })
})

describe('photos', () => {
  const upload = (media: Blob | null, extra: Record<string, string> = {}) => {
    const fd = new FormData()
    for (const [k, v] of Object.entries({ service_code: 'damage', ...strings(spot), description: 'Abribus cassé', ...extra })) fd.set(k, v)
    if (media) fd.set('media', media, 'photo.jpg')
    return t.request(`${base()}/requests.json`, { method: 'POST', body: fd })
  }

  it('a JPEG with GPS EXIF is stored without it and served publicly', async () => {
    const { bytes } = jpegWithGps()
    const res = await upload(new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }))
    expect(res.status).toBe(201)
    const id = ((await res.json()) as { service_request_id: string }[])[0]!.service_request_id
    const [stored] = await t.db.sql<{ bytes: Uint8Array; content_type: string }[]>`select bytes, content_type from report_media where report_id = ${id}`
    expect(stored!.content_type).toBe('image/jpeg')
    expect(hasGps(bytes)).toBe(true)
    expect(hasGps(stored!.bytes)).toBe(false)
    expect(Buffer.from(stored!.bytes).equals(JPEG)).toBe(true)
    const [report] = (await (await t.request(`${base()}/requests/${id}.json`)).json()) as { media_url: string }[]
    expect(report!.media_url).toMatch(new RegExp(`/open311/v2/${slug}/media/[0-9a-f-]{36}$`))
    const served = await t.request(new URL(report!.media_url).pathname)
    expect(served.status).toBe(200)
    expect(served.headers.get('content-type')).toBe('image/jpeg')
    expect(hasGps(new Uint8Array(await served.arrayBuffer()))).toBe(false)
  })

  it('the type is read from the bytes: a GIF sent as image/jpeg is 415, and nothing is stored', async () => {
    const before = (await t.db.sql`select count(*)::int as n from reports`)[0]!.n
    const res = await upload(new Blob([new Uint8Array(GIF)], { type: 'image/jpeg' }))
    expect(res.status).toBe(415)
    expect(((await res.json()) as { code: string }[])[0]!.code).toBe('unsupported_media')
    expect((await t.db.sql`select count(*)::int as n from reports`)[0]!.n).toBe(before)
  })

  it('over 5 MB is 413', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 10)
    JPEG.copy(big)
    const res = await upload(new Blob([new Uint8Array(big)], { type: 'image/jpeg' }))
    expect(res.status).toBe(413)
    expect(((await res.json()) as { code: string }[])[0]!.code).toBe('photo_too_large')
  })

  it('a private report’s photo is not served publicly', async () => {
    const res = await upload(new Blob([new Uint8Array(JPEG)], { type: 'image/jpeg' }), { service_code: 'harassment' })
    const id = ((await res.json()) as { service_request_id: string }[])[0]!.service_request_id
    const [m] = await t.db.sql`select id from report_media where report_id = ${id}`
    expect((await t.request(`${base()}/media/${m!.id}`)).status).toBe(404)
    expect((await t.request(`/v1/report-media/${m!.id}`, { token: operator })).status).toBe(200)
    expect((await t.request(`/v1/report-media/${m!.id}`, { token: partnerLess })).status).toBe(403)
  })
})

describe('GET requests and privacy', () => {
  let publicId: string
  let privateId: string
  const harassmentSpot = { lat: 47.241577, long: 6.019338 }

  beforeAll(async () => {
    const pub = await t.request(`${base()}/requests.json`, { method: 'POST', json: { service_code: 'nitrous_oxide', ...spot, description: 'Cartouches de proto', email: 'a@example.org' } })
    publicId = ((await pub.json()) as { service_request_id: string }[])[0]!.service_request_id
    const priv = await t.request(`${base()}/requests.json`, {
      method: 'POST',
      json: { service_code: 'harassment', ...harassmentSpot, address_string: '4 rue Battant', description: 'Suivie et insultée en sortant du tram', phone: '+33600000001' },
    })
    expect(priv.status).toBe(201)
    privateId = ((await priv.json()) as { service_request_id: string }[])[0]!.service_request_id
  })

  const everything = (text: string) => [String(harassmentSpot.lat), String(harassmentSpot.long), '47.2415', '6.0193', 'Battant', 'Suivie', '+3360000', 'a@example.org', 'resident@example.org', 'Camille']
    .filter((needle) => text.includes(needle))

  it('the public list has the spec fields, a coarsened point, no contact, and no private report', async () => {
    const res = await t.request(`${base()}/requests.json`)
    const text = await res.text()
    const list = JSON.parse(text) as Record<string, unknown>[]
    expect(list.map((r) => r.service_request_id)).toContain(publicId)
    expect(list.map((r) => r.service_request_id)).not.toContain(privateId)
    expect(everything(text)).toEqual([])
    const mine = list.find((r) => r.service_request_id === publicId)!
    expect(Object.keys(mine)).toEqual(expect.arrayContaining(['service_request_id', 'status', 'status_notes', 'service_name', 'service_code', 'description', 'requested_datetime', 'updated_datetime', 'address', 'lat', 'long', 'media_url']))
    expect(mine).toMatchObject({ status: 'open', service_code: 'nitrous_oxide', address: '', lat: 47.2375, long: 6.0245 })
    expect(Math.abs((mine.lat as number) - spot.lat)).toBeLessThan(0.001)
    expect(mine.requested_datetime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/)
  })

  it('the XML list says the same, parsed', async () => {
    const text = await (await t.request(`${base()}/requests.xml`)).text()
    const reqs = xml.parse(text).service_requests.request as Record<string, string>[]
    const mine = reqs.find((r) => r.service_request_id === publicId)!
    expect(mine).toMatchObject({ status: 'open', service_code: 'nitrous_oxide', lat: '47.2375', long: '6.0245' })
    expect(reqs.some((r) => r.service_request_id === privateId)).toBe(false)
    expect(everything(text)).toEqual([])
  })

  it('by id: the public report coarsened, the private one 404 to the public and whole to an operator', async () => {
    const pub = (await (await t.request(`${base()}/requests/${publicId}.xml`)).text())
    expect(xml.parse(pub).service_requests.request[0]).toMatchObject({ service_request_id: publicId, lat: '47.2375' })
    const hidden = await t.request(`${base()}/requests/${privateId}.json`)
    expect(hidden.status).toBe(404)
    expect(everything(await hidden.text())).toEqual([])
    const seen = await t.request(`${base()}/requests/${privateId}.json`, { token: operator })
    expect(seen.status).toBe(200)
    expect(((await seen.json()) as Record<string, unknown>[])[0]).toMatchObject({ lat: harassmentSpot.lat, long: harassmentSpot.long, address: '4 rue Battant' })
    const viaKey = await t.request(`${base()}/requests/${privateId}.json?api_key=${operator}`)
    expect(viaKey.status).toBe(200)
    expect((await t.request(`${base()}/requests/${privateId}.json?api_key=${partnerLess}`)).status).toBe(403)
    expect((await t.request(`/open311/v2/${other}/requests/${publicId}.json`)).status).toBe(404)
  })

  it('a bbox cannot find the private report nor narrow a public one below its cell', async () => {
    const tiny = (p: { lat: number; long: number }) => `${p.long - 0.00001},${p.lat - 0.00001},${p.long + 0.00001},${p.lat + 0.00001}`
    const around = (await (await t.request(`${base()}/requests.json?bbox=${tiny(harassmentSpot)}`)).json()) as unknown[]
    expect(around).toEqual([])
    // A box around the precise public point but off its cell's centre finds nothing; the cell's centre does.
    const precise = (await (await t.request(`${base()}/requests.json?bbox=${tiny(spot)}`)).json()) as unknown[]
    expect(precise).toEqual([])
    const cell = (await (await t.request(`${base()}/requests.json?bbox=6.0244,47.2374,6.0246,47.2376&service_code=nitrous_oxide`)).json()) as { service_request_id: string }[]
    expect(cell.map((r) => r.service_request_id)).toEqual([publicId])
    const forOperator = (await (await t.request(`${base()}/requests.json?bbox=${tiny(harassmentSpot)}`, { token: operator })).json()) as { service_request_id: string }[]
    expect(forOperator.map((r) => r.service_request_id)).toEqual([privateId])
  })

  it('filters: service_request_id list, service_code list, status, dates; bad filters are 400', async () => {
    const ids = (await (await t.request(`${base()}/requests.json?service_request_id=${publicId},${privateId}`)).json()) as { service_request_id: string }[]
    expect(ids.map((r) => r.service_request_id)).toEqual([publicId])
    const codes = (await (await t.request(`${base()}/requests.json?service_code=noise,nitrous_oxide`)).json()) as { service_code: string }[]
    expect(new Set(codes.map((r) => r.service_code))).toEqual(new Set(['noise', 'nitrous_oxide']))
    const closed = (await (await t.request(`${base()}/requests.json?status=closed`)).json()) as unknown[]
    expect(closed).toEqual([])
    const future = (await (await t.request(`${base()}/requests.json?start_date=2099-01-01T00:00:00Z`)).json()) as unknown[]
    expect(future).toEqual([])
    const now = Date.now()
    const window = `start_date=${new Date(now - 3600_000).toISOString()}&end_date=${new Date(now + 3600_000).toISOString()}`
    expect(((await (await t.request(`${base()}/requests.json?${window}`)).json()) as unknown[]).length).toBeGreaterThan(0)
    for (const [q, code] of [
      ['start_date=yesterday', 'validation_failed'],
      ['start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z', 'date_range_too_long'],
      ['status=pending', 'validation_failed'],
      ['bbox=1,2,3', 'validation_failed'],
      ['service_request_id=42', 'validation_failed'],
    ] as const) {
      const res = await t.request(`${base()}/requests.xml?${q}`)
      expect(res.status, q).toBe(400)
      expect(xml.parse(await res.text()).errors.error[0].code, q).toBe(code)
    }
  })
})

function strings(p: { lat: number; long: number }) {
  return { lat: String(p.lat), long: String(p.long) }
}
