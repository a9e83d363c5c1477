import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace } from '../alerts/fixtures.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { baseFeed, uploadFeed } from '../transit/feed.ts'
import { axeViolations, type CitySite, citySite, embedPage, hasChromium, launch, phone, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// A resident on the city's site, at night, looking for somewhere safe.
describe.skipIf(!hasChromium)('<halte-nearby> embedded in a city site', () => {
  let halte: ServedHalte
  let site: CitySite
  let browser: Browser
  let pageUrl: string
  const slug = `nearby-${crypto.randomUUID().slice(0, 6)}`

  beforeAll(async () => {
    ;[halte, site, browser] = await Promise.all([serveHalte(), citySite(), launch()])
    await createNetwork(halte, { slug })
    const operator = await createToken(halte, slug, { role: 'operator', label: 'CSU' })
    const feed = baseFeed()
    feed['stops.txt'] = feed['stops.txt']!.replace('"Arrêt 3, rue Test"', '"Place de la Réunion"')
    await uploadFeed(halte, slug, feed)
    // Near stop S3 (47.75, 7.32): one open all night, one closed at night.
    await activePlace(halte, slug, operator, { lat: 47.7505, lon: 7.3205, name: 'Bar du Théâtre', hours: '24/7' })
    await activePlace(halte, slug, operator, { lat: 47.7495, lon: 7.3195, name: 'Boulangerie Fermée', hours: 'Mo-Su 06:00-06:01' })
    pageUrl = site.page('/securite.html', embedPage(halte.url, 'halte-nearby', { network: slug, lang: 'fr' }))
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
    await halte?.close()
  })

  it('finds the open refuge from the phone’s position, with distance, hours, call and directions', async () => {
    const ctx = await phone(browser, { geolocation: { latitude: 47.7501, longitude: 7.3201 } })
    const page = await ctx.newPage()
    await page.goto(pageUrl)
    const widget = page.locator('halte-nearby')
    await expect.poll(() => widget.getByRole('link', { name: 'Police 17' }).count()).toBe(1)
    await widget.getByRole('button', { name: 'Utiliser ma position' }).click()
    const card = widget.getByRole('listitem').filter({ hasText: 'Bar du Théâtre' })
    await card.waitFor()
    expect(await card.textContent()).toMatch(/\d+ m/)
    expect(await card.textContent()).toContain('Ouvert')
    expect(await widget.getByRole('listitem').filter({ hasText: 'Boulangerie Fermée' }).count()).toBe(0)
    expect(await card.getByRole('link', { name: /Itinéraire/ }).getAttribute('href')).toContain('47.7505')
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'halte-nearby')
    await ctx.close()
  })

  it('when geolocation is refused, says so and finds refuges from a typed stop name, by keyboard only', async () => {
    const ctx = await phone(browser)
    const page = await ctx.newPage()
    await page.goto(pageUrl)
    const widget = page.locator('halte-nearby')
    await widget.getByRole('button', { name: 'Utiliser ma position' }).waitFor()
    // Keyboard only: Tab to the button and press Enter.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab')
      const focused = await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.textContent ?? '')
      if (focused.includes('Utiliser ma position')) break
    }
    await page.keyboard.press('Enter')
    await widget.getByText('Votre position n’est pas disponible').waitFor()
    // The typed field has the focus: type and press Enter.
    await page.keyboard.type('reunion')
    await page.keyboard.press('Enter')
    await widget.getByRole('listitem').filter({ hasText: 'Bar du Théâtre' }).waitFor()
    expect(await widget.getByText('Près de Place de la Réunion').count()).toBe(1)
    expect(await axeViolations(page)).toEqual([])
    await ctx.close()
  })

  it('says when nothing is open within the radius, and shows the next to open', async () => {
    const ctx = await phone(browser, { geolocation: { latitude: 47.7495, longitude: 7.3195 } })
    const page = await ctx.newPage()
    await page.goto(site.page('/petit-rayon.html', embedPage(halte.url, 'halte-nearby', { network: slug, lang: 'fr', radius: '50' })))
    const widget = page.locator('halte-nearby')
    await widget.getByRole('button', { name: 'Utiliser ma position' }).click()
    await widget.getByText('Aucun refuge ouvert à moins de 50 m').waitFor()
    await widget.getByText('Prochain à ouvrir').waitFor()
    expect(await widget.getByRole('listitem').filter({ hasText: 'Boulangerie Fermée' }).textContent()).toMatch(/ouvre .* à 06:00/)
    await ctx.close()
  })

  it('shows the emergency numbers even when halte is unreachable, and says the service is down', async () => {
    const ctx = await phone(browser, { geolocation: { latitude: 47.7501, longitude: 7.3201 } })
    const page = await ctx.newPage()
    // The script loads, then every call to the API fails, as when halte goes down mid-visit.
    await page.route(`${halte.url}/v1/**`, (route) => route.abort('connectionrefused'))
    await page.goto(pageUrl)
    const widget = page.locator('halte-nearby')
    for (const name of ['Police 17', 'Urgences 112', 'SMS 114']) expect(await widget.getByRole('link', { name }).getAttribute('href')).toMatch(/^(tel|sms):1(7|12|14)$/)
    await widget.getByRole('button', { name: 'Utiliser ma position' }).click()
    await widget.getByText('Le service halte ne répond pas').waitFor()
    expect(await widget.getByRole('link', { name: 'Police 17' }).isVisible()).toBe(true)
    await ctx.close()
  })

  it('speaks English when asked', async () => {
    const ctx = await phone(browser)
    const page = await ctx.newPage()
    await page.goto(site.page('/en.html', embedPage(halte.url, 'halte-nearby', { network: slug, lang: 'en' })))
    await page.locator('halte-nearby').getByRole('button', { name: 'Use my location' }).waitFor()
    expect(await page.locator('halte-nearby').getByRole('link', { name: 'Emergency 112' }).count()).toBe(1)
    await ctx.close()
  })
})
