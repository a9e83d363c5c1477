import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_CENTRE } from '../../src/demo/places.ts'
import { seedDemo } from '../../src/demo/seed.ts'
import { createNetwork, type TestApp, testApp } from '../helpers/app.ts'

// `npx halte demo`: a fictional network to try every screen, recreated whole on demand
// and never mixed with a real one.
describe('the demo network', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await testApp()
  })
  afterAll(() => t.close())

  it('is created with fictional refuges, a night line and working tokens, and recreated from scratch', async () => {
    const first = await seedDemo(t.db.sql, 'demo-a', new Date())
    expect(first.recreated).toBe(false)
    expect(first.network.name).toMatch(/DÉMO.*fictif/)
    const near = await t.request(`/v1/networks/demo-a/places/nearest?lat=${DEMO_CENTRE.lat}&lon=${DEMO_CENTRE.lon}&open=false&limit=20`)
    const names = ((await near.json()) as { features: { properties: { name: string; phone: string | null } }[] }).features.map((f) => f.properties)
    expect(names).toHaveLength(6)
    for (const p of names) {
      expect(p.name).toMatch(/\(fictif|\(fictive/)
      if (p.phone) expect(p.phone.replace(/\s/g, '')).toMatch(/^\+33199000/)
    }
    expect((await t.request('/v1/networks/demo-a/applications', { token: first.operatorToken })).status).toBe(200)
    // A rider can find the line's stops by name.
    const stops = await t.request('/v1/networks/demo-a/search?q=theatre')
    expect(((await stops.json()) as { results: { kind: string }[] }).results.map((r) => r.kind)).toContain('stop')

    // An alert raised in the demo, then a recreation: nothing of the first run is left.
    const alert = await t.request('/v1/networks/demo-a/alerts', { method: 'POST', json: { location: DEMO_CENTRE } })
    expect(alert.status).toBe(201)
    const again = await seedDemo(t.db.sql, 'demo-a', new Date())
    expect(again.recreated).toBe(true)
    expect(again.network.id).not.toBe(first.network.id)
    const left = await t.db.sql<{ n: number }[]>`select count(*)::int as n from alerts where network_id = ${first.network.id}`
    expect(left[0]!.n).toBe(0)
    expect((await t.request('/v1/networks/demo-a/applications', { token: first.operatorToken })).status).toBe(401)
    const marked = await t.db.sql<{ demo: boolean }[]>`select demo from networks where slug = 'demo-a'`
    expect(marked[0]!.demo).toBe(true)
  })

  it('never replaces a real network that holds the slug', async () => {
    const real = await createNetwork(t, { slug: 'demo-b' })
    await expect(seedDemo(t.db.sql, 'demo-b', new Date())).rejects.toMatchObject({ code: 'slug_taken' })
    const kept = await t.db.sql<{ id: string; demo: boolean }[]>`select id, demo from networks where slug = 'demo-b'`
    expect(kept[0]).toEqual({ id: real.id, demo: false })
  })
})

describe('halte’s own pages', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await testApp({ env: { HALTE_MAP_TILES: 'https://tiles.ville-exemple.fr/{z}/{x}/{y}.png' } })
  })
  afterAll(() => t.close())

  it('/ explains halte, shows the emergency numbers and an embed snippet for every widget', async () => {
    const res = await t.request('/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    const html = await res.text()
    expect(html).toContain('17')
    expect(html).toContain('114')
    for (const tag of ['halte-nearby', 'halte-alert', 'halte-partner', 'halte-dropoff', 'halte-driver', 'halte-console']) {
      expect(html).toContain(`&lt;script type=&quot;module&quot; src=&quot;http://localhost/widgets/${tag}.js&quot;&gt;&lt;/script&gt;`)
    }
    // The configured tile server is the one other source pages may load images from.
    expect(res.headers.get('content-security-policy')).toContain("img-src 'self' data: https://tiles.ville-exemple.fr")
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
  })

  it('each role page wraps its widget, for the network asked, and refuses to echo a bad one', async () => {
    for (const [path, tag] of [
      ['/partner', 'halte-partner'],
      ['/driver', 'halte-driver'],
      ['/console', 'halte-console'],
    ] as const) {
      const html = await (await t.request(`${path}?network=lyon`, { headers: { 'accept-language': 'en' } })).text()
      expect(html).toContain(`<${tag} network="lyon" lang="en" tiles="https://tiles.ville-exemple.fr/{z}/{x}/{y}.png"></${tag}>`)
      expect(html).toContain(`src="/widgets/${tag}.js"`)
    }
    const hostile = await (await t.request('/console?network=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&alert=x%22onload')).text()
    expect(hostile).not.toContain('<script>alert')
    expect(hostile).toContain('network="demo"')
    expect(hostile).not.toContain('alert="')
    const opened = await (await t.request('/console?alert=0b7e8c1e-58c6-4a53-9f4e-2f1c8d7a6b5c')).text()
    expect(opened).toContain('alert="0b7e8c1e-58c6-4a53-9f4e-2f1c8d7a6b5c"')
  })

  it('serves no widget file it does not have, and no path outside the widgets', async () => {
    expect((await t.request('/widgets/halte-nearby.js')).status).toBe(404) // this app was given no bundle
    expect((await t.request('/widgets/..%2Fpackage.json')).status).toBe(404)
  })
})
