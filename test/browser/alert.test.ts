import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace } from '../alerts/fixtures.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { baseFeed, uploadFeed } from '../transit/feed.ts'
import { axeViolations, type CitySite, citySite, embedPage, hasChromium, launch, phone, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// A resident asks for help from the city's site: deliberately, once, and sees it followed.
describe.skipIf(!hasChromium)('<halte-alert> embedded in a city site', () => {
  let halte: ServedHalte
  let site: CitySite
  let browser: Browser
  let networkId: string
  const slug = `alert-${crypto.randomUUID().slice(0, 6)}`
  const alertRows = async () =>
    (await halte.db.sql<{ id: string; lat: number; lon: number }[]>`
      select id, st_y(location::geometry) as lat, st_x(location::geometry) as lon from alerts where network_id = ${networkId} order by created_at`)
  const page = (attrs: Record<string, string> = {}) => site.page(`/p-${crypto.randomUUID().slice(0, 6)}.html`, embedPage(halte.url, 'halte-alert', { network: slug, lang: 'fr', ...attrs }))
  const hold = async (p: Page, ms = 2400) => {
    const button = p.locator('halte-alert').getByRole('button', { name: /Maintenez 2 secondes/ })
    const box = (await button.boundingBox())!
    await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await p.mouse.down()
    await p.waitForTimeout(ms)
    await p.mouse.up()
  }

  beforeAll(async () => {
    ;[halte, site, browser] = await Promise.all([serveHalte(), citySite(), launch()])
    networkId = (await createNetwork(halte, { slug })).id
    const operator = await createToken(halte, slug, { role: 'operator', label: 'CSU' })
    const feed = baseFeed()
    feed['stops.txt'] = feed['stops.txt']!.replace('"Arrêt 3, rue Test"', '"Place de la Réunion"')
    await uploadFeed(halte, slug, feed)
    await activePlace(halte, slug, operator, { lat: 47.7505, lon: 7.3205, name: 'Bar du Théâtre', hours: '24/7' })
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
    await halte?.close()
  })

  it('a quick tap raises nothing; holding 2 seconds raises one alert with refuges, cancelled after a confirm', async () => {
    const ctx = await phone(browser, { geolocation: { latitude: 47.7501, longitude: 7.3201 } })
    const p = await ctx.newPage()
    await p.goto(page())
    const widget = p.locator('halte-alert')
    expect(await widget.getByRole('link', { name: 'Police 17' }).getAttribute('href')).toBe('tel:17')
    await widget.getByText('Maintenez 2 secondes').first().waitFor()
    expect(await axeViolations(p)).toEqual([])
    await screenshots(p, 'halte-alert')
    await widget.getByRole('button', { name: /Maintenez 2 secondes/ }).click()
    await widget.getByText('Relâché trop tôt').waitFor()
    await hold(p, 600)
    await p.waitForTimeout(800)
    expect(await alertRows()).toHaveLength(0)

    await hold(p)
    await widget.getByText('Alerte reçue · en attente').waitFor()
    const rows = await alertRows()
    expect(rows).toHaveLength(1)
    expect(rows[0]!.lat).toBeCloseTo(47.7501, 4)
    const refuge = widget.getByRole('listitem').filter({ hasText: 'Bar du Théâtre' })
    expect(await refuge.textContent()).toMatch(/\d+ m/)
    expect(await refuge.textContent()).toContain('Ouvert')
    expect(await axeViolations(p)).toEqual([])
    await screenshots(p, 'halte-alert-raised')

    // A reload keeps following the same alert.
    await p.reload()
    await widget.getByText('Alerte reçue · en attente').waitFor()
    await widget.getByRole('button', { name: 'Annuler l’alerte' }).click()
    await widget.getByRole('button', { name: 'Oui, annuler' }).click()
    await widget.getByText('Annulée').waitFor()
    const [row] = await halte.db.sql<{ status: string }[]>`select status from alerts where id = ${rows[0]!.id}`
    expect(row!.status).toBe('cancelled')
    expect(await alertRows()).toHaveLength(1)
    await ctx.close()
  })

  it('a double activation of the two-step confirm, and a lost answer retried, make exactly one alert', async () => {
    const before = (await alertRows()).length
    const ctx = await phone(browser, { geolocation: { latitude: 47.75, longitude: 7.32 } })
    const p = await ctx.newPage()
    // The first answer is lost after halte stored the alert: the widget must retry with the same key.
    const keys: string[] = []
    let lost = false
    await p.route(`${halte.url}/v1/networks/*/alerts`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue()
      keys.push((await route.request().headerValue('idempotency-key')) ?? '')
      if (!lost) {
        lost = true
        await route.fetch()
        return route.abort('connectionreset')
      }
      return route.continue()
    })
    await p.goto(page())
    const widget = p.locator('halte-alert')
    await widget.getByRole('button', { name: 'Je ne peux pas maintenir' }).click()
    await widget.getByRole('button', { name: 'Oui, envoyer' }).waitFor()
    // Two activations in the same instant, before the widget can redraw.
    await p.evaluate(() => {
      const root = document.querySelector('halte-alert')!.shadowRoot!
      const yes = [...root.querySelectorAll('button')].find((b) => b.textContent?.includes('Oui, envoyer'))!
      yes.click()
      yes.click()
    })
    await widget.getByText('Alerte reçue · en attente').waitFor({ timeout: 15_000 })
    expect(keys.length).toBeGreaterThanOrEqual(2)
    expect(new Set(keys).size).toBe(1)
    expect((await alertRows()).length).toBe(before + 1)
    await ctx.close()
  })

  it('geolocation refused: the person types a stop name and the alert carries that stop’s position, by keyboard only', async () => {
    const ctx = await phone(browser)
    const p = await ctx.newPage()
    await p.goto(page())
    const widget = p.locator('halte-alert')
    await widget.getByRole('button', { name: /Maintenez 2 secondes/ }).waitFor()
    for (let i = 0; i < 12; i++) {
      await p.keyboard.press('Tab')
      const focused = await p.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.textContent ?? '')
      if (focused.includes('Maintenez 2 secondes')) break
    }
    await p.keyboard.down('Space')
    await p.waitForTimeout(2400)
    await p.keyboard.up('Space')
    await widget.getByText('Votre position n’est pas disponible').waitFor()
    // The field has the focus.
    await p.keyboard.type('reunion')
    await p.keyboard.press('Enter')
    await widget.getByText('Alerte reçue · en attente').waitFor()
    const rows = await alertRows()
    const last = rows[rows.length - 1]!
    expect(last.lat).toBeCloseTo(47.75, 4)
    expect(last.lon).toBeCloseTo(7.32, 4)
    await ctx.close()
  })

  it('a position that never comes: after 10 seconds it says so and offers typing a place', async () => {
    const ctx = await phone(browser)
    await ctx.addInitScript(() => {
      // A phone that neither answers nor refuses.
      navigator.geolocation.getCurrentPosition = () => {}
    })
    const p = await ctx.newPage()
    await p.goto(page({ lang: 'en' }))
    const widget = p.locator('halte-alert')
    await widget.getByRole('button', { name: 'I cannot hold' }).click()
    await widget.getByRole('button', { name: 'Yes, send' }).click()
    await widget.getByText('Finding your location…').waitFor()
    // Typing is offered at once, and said plainly once 10 seconds have passed.
    expect(await widget.getByLabel('Stop or place where you are').count()).toBe(1)
    await widget.getByText('Still no location after 10 seconds').waitFor({ timeout: 14_000 })
    expect(await widget.getByRole('link', { name: 'Emergency 112' }).count()).toBe(1)
    await ctx.close()
  })

  it('discreet mode: a neutral look, no word "alerte" in its title, and it still raises', async () => {
    const before = (await alertRows()).length
    const ctx = await phone(browser, { geolocation: { latitude: 47.75, longitude: 7.32 } })
    const p = await ctx.newPage()
    await p.goto(page({ discreet: '' }))
    const widget = p.locator('halte-alert')
    await widget.getByRole('heading', { name: 'Aide' }).waitFor()
    expect(await widget.getByRole('heading').allTextContents()).not.toContainEqual(expect.stringMatching(/alerte/i))
    expect(await widget.getByText(/ALERTE/).count()).toBe(0)
    expect(await widget.getByRole('link', { name: 'Police 17' }).count()).toBe(1)
    expect(await axeViolations(p)).toEqual([])
    await screenshots(p, 'halte-alert-discreet')
    await hold(p)
    await widget.getByText('Demande reçue · en attente').waitFor()
    expect(await widget.getByText(/alerte/i).count()).toBe(0)
    expect((await alertRows()).length).toBe(before + 1)
    await ctx.close()
  })

  it('when halte is unreachable: says so, points to 17 and 112, and keeps trying with the same key', async () => {
    const ctx = await phone(browser, { geolocation: { latitude: 47.75, longitude: 7.32 } })
    const p = await ctx.newPage()
    const keys: string[] = []
    await p.route(`${halte.url}/v1/**`, async (route) => {
      keys.push((await route.request().headerValue('idempotency-key')) ?? '')
      return route.abort('connectionrefused')
    })
    await p.goto(page())
    const widget = p.locator('halte-alert')
    await hold(p)
    await widget.getByText('Le service halte ne répond pas').waitFor()
    expect(await widget.getByText(/Appelez le 17 ou le 112/).count()).toBe(1)
    await expect.poll(() => keys.length, { timeout: 8000 }).toBeGreaterThanOrEqual(2)
    expect(new Set(keys).size).toBe(1)
    expect(await widget.getByRole('link', { name: 'Urgences 112' }).isVisible()).toBe(true)
    await ctx.close()
  })
})
