import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// An exploratory walk on Saturday 5 December 2026, Europe/Paris: its code lives through
// Sunday 6 December, and opens that walk only.
let now = new Date('2026-12-05T18:00:00Z')
let t: TestApp
let slug: string
let operator: string
let walk: { id: string; participant_code: string; participant_link: string | null; code_expires_at: string }
let other: { id: string; participant_code: string }

const P = { lat: 46.158, lon: -1.152 }

beforeAll(async () => {
  t = await testApp({ clock: { now: () => now }, env: { PUBLIC_BASE_URL: 'https://halte.example.org' } })
  slug = (await createNetwork(t)).slug
  operator = await createToken(t, slug, { role: 'operator', label: 'PC' })
  const open = async (title: string) => {
    const res = await t.request(`/v1/networks/${slug}/walks`, {
      method: 'POST',
      token: operator,
      json: { title, date: '2026-12-05', sector: 'Villeneuve-les-Salines', group: 'Collectif des habitantes' },
    })
    expect(res.status, await res.clone().text()).toBe(201)
    return (await res.json()) as typeof walk
  }
  walk = await open('Marche exploratoire de femmes, ligne 2')
  other = await open('Marche du quartier nord')
})
afterAll(() => t?.close())

const addFinding = (id: string, code: string | undefined, json: unknown, token?: string) =>
  t.request(`/v1/walks/${id}/findings`, { method: 'POST', json, token, headers: code ? { 'x-access-token': code } : {} })

describe('exploratory walks', () => {
  it('opens a walk with a participant code valid through the next day, shown once', async () => {
    expect(walk.participant_code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/)

    expect(new Date(walk.code_expires_at).toISOString()).toBe('2026-12-06T23:00:00.000Z')
    expect(walk.participant_link).toBe(`https://halte.example.org/walk?network=${slug}#code=${walk.participant_code}`)
    const list = await t.request(`/v1/networks/${slug}/walks`, { token: operator })
    const body = (await list.json()) as { walks: Record<string, unknown>[] }
    expect(body.walks).toHaveLength(2)
    expect(JSON.stringify(body)).not.toContain(walk.participant_code)
    const byCode = await t.request('/v1/walks/by-code', { headers: { 'x-access-token': walk.participant_code.toLowerCase().replaceAll('-', ' ') } })
    expect(await byCode.json()).toMatchObject({ id: walk.id, title: 'Marche exploratoire de femmes, ligne 2', network: slug, sector: 'Villeneuve-les-Salines' })
  })

  it('participants add findings; the export holds them (GeoJSON, CSV)', async () => {
    const a = await addFinding(walk.id, walk.participant_code, { ...P, category: 'poor_lighting', note: 'Passage sous la voie ferrée, noir' })
    expect(a.status, await a.clone().text()).toBe(201)
    expect(await a.json()).toMatchObject({ category: 'poor_lighting', positive: false, lat: P.lat, lon: P.lon })
    now = new Date(now.getTime() + 60_000)
    const b = await addFinding(walk.id, walk.participant_code, { lat: 46.1585, lon: -1.1515, category: 'shop_open_late', note: '=HYPERLINK("x"), "épicerie"' })
    expect(((await b.json()) as { positive: boolean }).positive).toBe(true)
    const geo = await t.request(`/v1/walks/${walk.id}/findings.geojson`, { token: operator })
    expect(geo.headers.get('content-type')).toContain('application/geo+json')
    const fc = (await geo.json()) as { features: { geometry: { coordinates: number[] }; properties: { category: string } }[] }
    expect(fc.features.map((f) => [f.properties.category, f.geometry.coordinates])).toEqual([
      ['poor_lighting', [P.lon, P.lat]],
      ['shop_open_late', [-1.1515, 46.1585]],
    ])
    const csv = await t.request(`/v1/walks/${walk.id}/findings.csv`, { token: operator })
    expect(csv.headers.get('content-type')).toContain('text/csv')
    const text = await csv.text()
    const lines = text.replace(/^\uFEFF/, '').trim().split('\r\n')
    expect(lines[0]).toBe('id,created_at,lat,lon,category,positive,note,proposed_place_id,report_id')
    expect(lines[1]).toContain(',46.158,-1.152,poor_lighting,false,"Passage sous la voie ferrée, noir",,')
    // A note cannot run as a spreadsheet formula.
    expect(lines[2]).toContain(`,shop_open_late,true,"'=HYPERLINK(""x""), ""épicerie""",,`)
    now = new Date('2026-12-05T18:00:00Z')
  })

  it('a participant code is refused on another walk, after expiry, and when unknown', async () => {
    const wrong = await addFinding(other.id, walk.participant_code, { ...P, category: 'noise' })
    expect([wrong.status, ((await wrong.json()) as { code: string }).code]).toEqual([403, 'wrong_walk'])
    const unknown = await addFinding(walk.id, 'AAAA-BBBB-CCCC', { ...P, category: 'noise' })
    expect([unknown.status, ((await unknown.json()) as { code: string }).code]).toEqual([401, 'invalid_token'])
    expect((await addFinding(walk.id, undefined, { ...P, category: 'noise' })).status).toBe(401)
    now = new Date('2026-12-06T22:59:00Z') // Sunday 23:59 in Paris: still valid
    expect((await addFinding(walk.id, walk.participant_code, { ...P, category: 'noise' })).status).toBe(201)
    now = new Date('2026-12-06T23:00:00Z') // Monday 00:00
    const late = await addFinding(walk.id, walk.participant_code, { ...P, category: 'noise' })
    expect([late.status, ((await late.json()) as { code: string }).code]).toEqual([401, 'token_expired'])
    const lateLookup = await t.request('/v1/walks/by-code', { headers: { 'x-access-token': walk.participant_code } })
    expect(lateLookup.status).toBe(401)
    // The operator can still add what was written on paper.
    expect((await addFinding(walk.id, undefined, { ...P, category: 'damage' }, operator)).status).toBe(201)
    now = new Date('2026-12-05T18:00:00Z')
  })

  it('a participant code opens nothing else: no list, no export', async () => {
    const headers = { 'x-access-token': walk.participant_code }
    expect((await t.request(`/v1/walks/${walk.id}/findings`, { headers })).status).toBe(401)
    expect((await t.request(`/v1/walks/${walk.id}/findings.csv`, { headers })).status).toBe(401)
    const stranger = await createToken(t, (await createNetwork(t)).slug, { role: 'operator', label: 'x' })
    expect((await t.request(`/v1/walks/${walk.id}/findings.geojson`, { token: stranger })).status).toBe(403)
    expect((await t.request(`/v1/walks/${crypto.randomUUID()}/findings`, { token: operator })).status).toBe(404)
  })

  it('refuses malformed findings and walks', async () => {
    const bad = await addFinding(walk.id, walk.participant_code, { ...P, category: 'ufo' })
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([400, 'validation_failed'])
    expect((await addFinding(walk.id, walk.participant_code, { lat: 91, lon: 0, category: 'noise' })).status).toBe(400)
    expect((await addFinding(walk.id, walk.participant_code, { ...P, category: 'noise', extra: 1 })).status).toBe(400)
    const noDate = await t.request(`/v1/networks/${slug}/walks`, { method: 'POST', token: operator, json: { title: 'x', date: '5/12/2026' } })
    expect(noDate.status).toBe(400)
    expect((await t.request(`/v1/networks/${slug}/walks`, { method: 'POST', json: { title: 'x', date: '2026-12-05' } })).status).toBe(401)
  })

  it('a finding becomes a refuge proposal: a pending application at that point, once', async () => {
    const list = (await (await t.request(`/v1/walks/${walk.id}/findings`, { token: operator })).json()) as { findings: { id: string; category: string }[] }
    const shop = list.findings.find((f) => f.category === 'shop_open_late')!
    const propose = (json: unknown) => t.request(`/v1/walks/${walk.id}/findings/${shop.id}/propose-refuge`, { method: 'POST', token: operator, json })
    const body = { name: 'Épicerie de nuit', kind: 'shop', address: '12 avenue de Bourgogne', opening_hours: 'Mo-Su 18:00-01:00' }
    const badHours = await propose({ ...body, opening_hours: 'Mo-Su 25:00' })
    expect([badHours.status, ((await badHours.json()) as { code: string }).code]).toEqual([400, 'invalid_opening_hours'])
    const res = await propose(body)
    expect(res.status, await res.clone().text()).toBe(201)
    const created = (await res.json()) as { id: string; status: string }
    expect(created.status).toBe('pending')
    const pending = (await (await t.request(`/v1/networks/${slug}/applications?status=pending`, { token: operator })).json()) as {
      features: { geometry: { coordinates: number[] }; properties: { id: string; name: string } }[]
    }
    const app = pending.features.find((f) => f.properties.id === created.id)
    expect(app?.geometry.coordinates).toEqual([-1.1515, 46.1585])
    expect(app?.properties.name).toBe('Épicerie de nuit')
    const [row] = await t.db.sql<{ charter_accepted_at: Date | null; proposed_from_walk: string }[]>`
      select charter_accepted_at, proposed_from_walk from places where id = ${created.id}`
    expect(row).toEqual({ charter_accepted_at: null, proposed_from_walk: walk.id })
    const again = await propose(body)
    expect([again.status, ((await again.json()) as { code: string }).code]).toEqual([409, 'already_proposed'])
    const geo = (await (await t.request(`/v1/walks/${walk.id}/findings.geojson`, { token: operator })).json()) as {
      features: { properties: { id: string; proposed_place_id: string | null } }[]
    }
    expect(geo.features.find((f) => f.properties.id === shop.id)?.properties.proposed_place_id).toBe(created.id)
    const helpKind = await t.request(`/v1/walks/${walk.id}/findings/${list.findings[0]!.id}/propose-refuge`, {
      method: 'POST',
      token: operator,
      json: { ...body, kind: 'support_service' },
    })
    expect(helpKind.status).toBe(400)
    // Concurrent proposals from one finding: one wins.
    const third = list.findings.find((f) => f.category === 'noise')!
    const both = await Promise.all(
      [1, 2].map(() => t.request(`/v1/walks/${walk.id}/findings/${third.id}/propose-refuge`, { method: 'POST', token: operator, json: body })),
    )
    expect(both.map((r) => r.status).sort()).toEqual([201, 409])
  })
})

describe('a finding becomes a report', () => {
  it('under its category, keeping it private where the category is; once; never a positive finding', async () => {
    const list = (await (await t.request(`/v1/walks/${walk.id}/findings`, { token: operator })).json()) as {
      findings: { id: string; category: string; positive: boolean }[]
    }
    const dark = list.findings.find((f) => f.category === 'poor_lighting')!
    const toReport = (fid: string, json?: unknown) =>
      t.request(`/v1/walks/${walk.id}/findings/${fid}/to-report`, { method: 'POST', token: operator, ...(json ? { json } : {}) })
    const res = await toReport(dark.id)
    expect(res.status, await res.clone().text()).toBe(201)
    const { report_id } = (await res.json()) as { report_id: string }
    const [row] = await t.db.sql<{ code: string; private: boolean; description: string; lat: number; lon: number }[]>`
      select c.code, r.private, r.description, st_y(r.location::geometry) as lat, st_x(r.location::geometry) as lon
      from reports r join report_categories c on c.id = r.category_id where r.id = ${report_id}`
    expect(row).toEqual({
      code: 'poor_lighting',
      private: false,
      description: 'Marche exploratoire « Marche exploratoire de femmes, ligne 2 » (2026-12-05) : Passage sous la voie ferrée, noir',
      lat: P.lat,
      lon: P.lon,
    })
    const again = await toReport(dark.id)
    expect([again.status, ((await again.json()) as { code: string }).code]).toEqual([409, 'already_reported'])
    const good = list.findings.find((f) => f.positive)!
    const positive = await toReport(good.id)
    expect([positive.status, ((await positive.json()) as { code: string }).code]).toEqual([422, 'not_a_problem'])
    // A harassment finding becomes a private report.
    const harassment = (await (await addFinding(walk.id, walk.participant_code, { ...P, category: 'harassment' })).json()) as { id: string }
    const h = (await (await toReport(harassment.id, { description: 'Remarques insistantes à l’arrêt' })).json()) as { report_id: string }
    const [priv] = await t.db.sql<{ private: boolean; description: string }[]>`select private, description from reports where id = ${h.report_id}`
    expect(priv).toEqual({ private: true, description: 'Remarques insistantes à l’arrêt' })
    expect((await t.request(`/v1/walks/${walk.id}/findings/${dark.id}/to-report`, { method: 'POST', headers: { 'x-access-token': walk.participant_code } })).status).toBe(401)
  })
})
