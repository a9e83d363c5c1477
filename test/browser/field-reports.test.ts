import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.ts'
import { drainOutbox } from '../../src/notify/dispatcher.ts'
import { recordingPush } from '../../src/notify/ports.ts'
import { subscription } from '../alerts/fixtures.ts'
import { collection, feature, IN_A, IN_B, SECTOR_A, SECTOR_B } from '../field/fixtures.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { axeViolations, hasChromium, launch, phone, pushToServiceWorker, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// A mediator's phone: the field screen lists the residents' reports of its sector (not
// another sector's, never the reporter's contact), a new one appears as it is filed, and
// "Prendre en charge" moves it; the service worker shows a report push in words.
describe.skipIf(!hasChromium)('<halte-console> field screen: reports of my sectors', () => {
  let halte: ServedHalte
  let browser: Browser
  let mediator: string
  const slug = `field-reports-${crypto.randomUUID().slice(0, 6)}`

  const report = async (at: { lat: number; lon: number }, service_code: string, description: string) => {
    const res = await halte.request(`/open311/v2/${slug}/requests.json`, {
      method: 'POST',
      json: { service_code, lat: at.lat, long: at.lon, description, email: 'habitante@example.org', phone: '+33612345678' },
    })
    expect(res.status).toBe(201)
  }

  beforeAll(async () => {
    ;[halte, browser] = await Promise.all([serveHalte(), launch()])
    await createNetwork(halte, { slug })
    const operator = await createToken(halte, slug, { role: 'operator', label: 'Cellule de veille' })
    expect((await halte.request(`/v1/networks/${slug}/sectors`, { method: 'PUT', token: operator, json: collection(feature('Centre', SECTOR_A), feature('Port', SECTOR_B)) })).status).toBe(200)
    mediator = await createToken(halte, slug, { role: 'mediator', label: 'Médiatrice centre', sectors: ['Centre'] }, operator)
  })
  afterAll(async () => {
    await browser?.close()
    await halte?.close()
  })

  it('lists the reports of my sector without contact, shows a new one live, and takes one on', async () => {
    await report(IN_A, 'poor_lighting', 'Lampadaire éteint rue du Palais')
    await report(IN_B, 'noise', 'Bruit au port')
    const ctx = await phone(browser)
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/console?network=${slug}`)
    const consoleEl = page.locator('halte-console')
    await consoleEl.getByLabel('Jeton d’accès').fill(mediator)
    await consoleEl.getByRole('button', { name: 'Se connecter' }).click()
    const reports = consoleEl.locator('halte-console-reports')
    await reports.getByRole('heading', { name: 'Signalements de mes secteurs' }).waitFor()
    await reports.getByText('Lampadaire éteint rue du Palais').waitFor()
    expect(await reports.getByText('Bruit au port').count()).toBe(0)
    expect(await reports.getByText(/habitante@example\.org|Contact/).count()).toBe(0)

    // Filed while the screen is open: the field report stream brings it in.
    await report(IN_A, 'harassment', 'Un groupe interpelle les passantes')
    await reports.getByText('Un groupe interpelle les passantes').waitFor({ timeout: 10_000 })

    const card = reports.locator('li', { hasText: 'Lampadaire éteint rue du Palais' })
    await card.getByRole('button', { name: /Prendre en charge/ }).click()
    await reports.getByText(/Signalement mis à jour : Éclairage insuffisant → En cours/).waitFor()
    const [row] = await halte.db.sql<{ to_status: string; actor_role: string }[]>`
      select e.to_status, e.actor_role from report_events e join reports r on r.id = e.report_id
      where r.description = 'Lampadaire éteint rue du Palais' and e.kind = 'status'`
    expect(row).toEqual({ to_status: 'in_progress', actor_role: 'mediator' })
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'console-field-reports')
    await ctx.close()
  })

  it('the service worker shows a report push in words: its kind, nothing the resident wrote', async () => {
    expect((await halte.request(`/v1/networks/${slug}/push-subscriptions`, { method: 'POST', token: mediator, json: subscription() })).status).toBe(201)
    expect((await halte.request('/v1/field/duty', { method: 'POST', token: mediator, json: { on: true } })).status).toBe(200)
    const pushes = recordingPush()
    const drain = () => drainOutbox({ sql: halte.db.sql, clock: { now: () => new Date() }, log: createLogger('silent', () => {}), push: pushes.sender })
    await drain()
    pushes.sent.length = 0
    await report(IN_A, 'harassment', 'Il s’appelle Marc')
    await drain()
    const payload = pushes.sent.map((m) => m.payload).find((p) => p.includes('"type":"report"'))
    expect(payload).toBeDefined()
    expect(payload).not.toContain('Marc')

    const ctx = await phone(browser)
    await ctx.grantPermissions(['notifications'], { origin: halte.url })
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/console?network=${slug}`)
    const [note] = await pushToServiceWorker(ctx, page, halte.url, payload!)
    expect(note!.title).toBe('halte : nouveau signalement dans votre secteur')
    expect(note!.body).toBe('Harcèlement de rue. Ouvrez la console pour le lire et le prendre en charge.')
    expect(note!.url).toMatch(new RegExp(`^${halte.url}/console\\?network=${slug}&report=[0-9a-f-]{36}$`))
    await ctx.close()
  })
})
