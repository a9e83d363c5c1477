import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_CENTRE } from '../../src/demo/places.ts'
import { seedDemo } from '../../src/demo/seed.ts'
import { axeViolations, hasChromium, launch, phone, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// halte's own pages, on the demo network, as someone who follows a link to them sees them.
describe.skipIf(!hasChromium)('halte’s pages on the demo network', () => {
  let halte: ServedHalte
  let browser: Browser
  let demo: Awaited<ReturnType<typeof seedDemo>>

  beforeAll(async () => {
    ;[halte, browser] = await Promise.all([serveHalte(), launch()])
    demo = await seedDemo(halte.db.sql, 'demo', new Date())
  })
  afterAll(async () => {
    await browser?.close()
    await halte?.close()
  })

  it('/ shows what halte is, the emergency numbers, working demo widgets and the embed snippets', async () => {
    const ctx = await phone(browser, { geolocation: { latitude: DEMO_CENTRE.lat, longitude: DEMO_CENTRE.lon } })
    const page = await ctx.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await page.goto(`${halte.url}/`)
    await page.getByRole('heading', { name: 'halte', exact: true }).waitFor()
    const nearby = page.locator('halte-nearby')
    await nearby.getByRole('link', { name: 'Police 17' }).waitFor()
    await nearby.getByRole('button', { name: 'Utiliser ma position' }).click()
    await nearby.getByRole('listitem').filter({ hasText: '(fictif)' }).first().waitFor()
    expect(await page.locator('halte-alert').getByRole('link', { name: 'Urgences 112' }).count()).toBe(1)
    const snippets = await page.locator('pre code').allTextContents()
    expect(snippets).toHaveLength(6)
    expect(snippets[0]).toBe(`<script type="module" src="${halte.url}/widgets/halte-nearby.js"></script>\n<halte-nearby network="demo" lang="fr"></halte-nearby>`)
    expect(await axeViolations(page)).toEqual([])
    expect(errors).toEqual([])
    await screenshots(page, 'page-landing')
    await ctx.close()
  })

  for (const [path, tag, token] of [
    ['/console', 'halte-console', () => demo.operatorToken],
    ['/driver', 'halte-driver', () => demo.driverToken],
    ['/partner', 'halte-partner', () => demo.partnerToken],
  ] as const) {
    it(`${path} opens its screen on the network asked, and signs in with the demo's token`, async () => {
      const ctx = await phone(browser)
      const page = await ctx.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(`${halte.url}${path}?network=demo`)
      const widget = page.locator(tag)
      // A partner's screen opens on the application form; the token is one click away.
      if (tag === 'halte-partner') await widget.getByRole('button', { name: 'J’ai déjà un jeton partenaire' }).click()
      const field = widget.getByLabel('Jeton d’accès')
      await field.waitFor()
      expect(await axeViolations(page)).toEqual([])
      await field.fill(token())
      await field.press('Enter')
      await widget.getByRole('button', { name: 'Se déconnecter' }).waitFor()
      expect(await axeViolations(page)).toEqual([])
      expect(errors).toEqual([])
      await screenshots(page, `page-${path.slice(1)}`)
      await ctx.close()
    })
  }
})
