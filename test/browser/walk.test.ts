import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace } from '../alerts/fixtures.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { axeViolations, type CitySite, citySite, embedPage, hasChromium, launch, phone, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// An exploratory walk from the operator's console to a participant's phone on the city's
// site and back: the code shown once, findings tapped with the phone's position, the
// export, a refuge proposed from a finding; then the help desk under the nearest refuges.
describe.skipIf(!hasChromium)('<halte-walk>, the console’s walks, help under <halte-nearby>', () => {
  let halte: ServedHalte
  let site: CitySite
  let browser: Browser
  let operator: string
  let code = ''
  const slug = `walk-${crypto.randomUUID().slice(0, 6)}`
  const P = { latitude: 46.1581, longitude: -1.1521 }

  beforeAll(async () => {
    ;[halte, site, browser] = await Promise.all([serveHalte(), citySite(), launch()])
    await createNetwork(halte, { slug })
    operator = await createToken(halte, slug, { role: 'operator', label: 'PC' })
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
    await halte?.close()
  })

  it('the operator opens a walk in the console and sees its participant code once', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' })
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/console?network=${slug}`)
    const consoleEl = page.locator('halte-console')
    await consoleEl.getByLabel('Jeton d’accès').fill(operator)
    await consoleEl.getByRole('button', { name: 'Se connecter' }).click()
    await consoleEl.getByRole('tab', { name: 'Marches' }).click()
    const walks = consoleEl.locator('halte-console-walks')
    await walks.getByLabel('Intitulé').fill('Marche exploratoire de femmes, ligne 2')
    const today = new Date().toISOString().slice(0, 10)
    await walks.getByLabel('Date').fill(today)
    await walks.getByLabel('Secteur (facultatif)').fill('Centre')
    await walks.getByRole('button', { name: 'Créer la marche' }).click()
    code = (await walks.locator('#walk-created .code').textContent())!.trim()
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/)
    await walks.getByText('0 constats').waitFor()
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'console-walks')
    await ctx.close()
  })

  it('a participant on the city site adds findings with the phone’s position, by keyboard, at 360 px', async () => {
    const ctx = await phone(browser, { geolocation: P })
    const page = await ctx.newPage()
    await page.setViewportSize({ width: 360, height: 780 })
    await page.goto(site.page('/marche.html', embedPage(halte.url, 'halte-walk', { network: slug, lang: 'fr' })))
    const w = page.locator('halte-walk')
    expect(await axeViolations(page)).toEqual([])
    // A code typed in lower case with spaces is the same code.
    await w.getByLabel('Code de participation').fill(code.toLowerCase().replaceAll('-', ' '))
    await page.keyboard.press('Enter')
    await w.getByRole('heading', { name: 'Marche exploratoire de femmes, ligne 2' }).waitFor()
    await w.getByText(/Position trouvée/).waitFor()
    await w.getByLabel(/Note \(facultatif\)/).fill('Passage sous le pont, aucun lampadaire')
    // Keyboard only: Tab to the first category and press Enter.
    await w.getByRole('button', { name: 'Mal éclairé' }).focus()
    await page.keyboard.press('Enter')
    await w.getByText('Ajouté : Mal éclairé').waitFor()
    await w.getByRole('button', { name: 'Commerce ouvert tard' }).click()
    await w.getByText('Ajouté : Commerce ouvert tard').waitFor()
    const mine = await w.locator('#walk-mine li').allTextContents()
    expect(mine).toHaveLength(2)
    expect(mine[1]).toContain('Passage sous le pont')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'walk')
    // A reload keeps the walk for this tab.
    await page.reload()
    await w.getByRole('heading', { name: 'Marche exploratoire de femmes, ligne 2' }).waitFor()
    await ctx.close()
  })

  it('in English too', async () => {
    const ctx = await phone(browser, { geolocation: P })
    const page = await ctx.newPage()
    await page.goto(site.page('/walk-en.html', embedPage(halte.url, 'halte-walk', { network: slug, lang: 'en' })))
    const w = page.locator('halte-walk')
    await w.getByLabel('Participant code').fill('AAAA-BBBB-CCCC')
    await w.getByRole('button', { name: 'Join the walk' }).click()
    await w.getByRole('alert').getByText('Unknown participant code.').waitFor()
    await w.getByLabel('Participant code').fill(code)
    await w.getByRole('button', { name: 'Join the walk' }).click()
    await w.getByRole('button', { name: 'Poorly lit' }).waitFor()
    expect(await axeViolations(page)).toEqual([])
    await ctx.close()
  })

  it('the export holds what was added; a finding becomes a pending refuge from the console', async () => {
    const [walk] = ((await (await halte.request(`/v1/networks/${slug}/walks`, { token: operator })).json()) as { walks: { id: string }[] }).walks
    const geo = (await (await halte.request(`/v1/walks/${walk!.id}/findings.geojson`, { token: operator })).json()) as {
      features: { geometry: { coordinates: number[] }; properties: { category: string; note: string | null } }[]
    }
    expect(geo.features.map((f) => [f.properties.category, f.geometry.coordinates])).toEqual([
      ['poor_lighting', [P.longitude, P.latitude]],
      ['shop_open_late', [P.longitude, P.latitude]],
    ])
    const csv = await (await halte.request(`/v1/walks/${walk!.id}/findings.csv`, { token: operator })).text()
    expect(csv).toContain('Passage sous le pont, aucun lampadaire')

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' })
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/console?network=${slug}`)
    const consoleEl = page.locator('halte-console')
    await consoleEl.getByLabel('Jeton d’accès').fill(operator)
    await consoleEl.getByRole('button', { name: 'Se connecter' }).click()
    await consoleEl.getByRole('tab', { name: 'Marches' }).click()
    const walks = consoleEl.locator('halte-console-walks')
    await walks.getByRole('button', { name: /Voir les constats/ }).click()
    const row = walks.locator('tr', { hasText: 'shop_open_late' })
    await row.getByRole('button', { name: 'Proposer un refuge ici' }).click()
    await row.getByLabel('Nom du lieu').fill('Épicerie de nuit')
    await row.getByLabel('Adresse').fill('12 rue du Pont')
    await row.getByLabel('Horaires (format OpenStreetMap)').fill('Mo-Su 18:00-01:00')
    await row.getByRole('button', { name: 'Créer la candidature' }).click()
    await walks.getByText('Épicerie de nuit : Refuge proposé (en attente de modération)').waitFor()
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'console-walk-findings')
    const pending = (await (await halte.request(`/v1/networks/${slug}/applications?status=pending`, { token: operator })).json()) as {
      features: { geometry: { coordinates: number[] }; properties: { name: string } }[]
    }
    expect(pending.features.map((f) => [f.properties.name, f.geometry.coordinates])).toEqual([['Épicerie de nuit', [P.longitude, P.latitude]]])
    await ctx.close()
  })

  it('the operator adds a help desk in the console’s Aide tab', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' })
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/console?network=${slug}`)
    const consoleEl = page.locator('halte-console')
    await consoleEl.getByLabel('Jeton d’accès').fill(operator)
    await consoleEl.getByRole('button', { name: 'Se connecter' }).click()
    await consoleEl.getByRole('tab', { name: 'Aide' }).click()
    const help = consoleEl.locator('halte-console-help')
    await help.getByText('Aucun service d’aide.').waitFor()
    await help.getByLabel('Nom').fill('France Victimes 17')
    await help.getByLabel('Adresse').fill('Maison de la tranquillité')
    await help.getByLabel('Latitude').fill(String(P.latitude + 0.002))
    await help.getByLabel('Longitude').fill(String(P.longitude))
    await help.getByLabel(/Horaires/).fill('Tu 14:00-17:00')
    await help.getByLabel(/Note affichée/).fill('permanence mardi 14:00, Maison de la tranquillité')
    await help.getByRole('button', { name: 'Ajouter', exact: true }).click()
    await help.getByText('France Victimes 17 : ajouté.').waitFor()
    await help.getByRole('heading', { name: 'France Victimes 17' }).waitFor()
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'console-help')
    await ctx.close()
  })

  it('<halte-nearby> shows the help desk under the refuges', async () => {
    await activePlace(halte, slug, operator, { lat: P.latitude + 0.001, lon: P.longitude, name: 'Bar du Port', hours: '24/7' })
    const ctx = await phone(browser, { geolocation: P })
    const page = await ctx.newPage()
    await page.goto(site.page('/refuges.html', embedPage(halte.url, 'halte-nearby', { network: slug, lang: 'fr' })))
    const w = page.locator('halte-nearby')
    await w.getByRole('button', { name: 'Utiliser ma position' }).click()
    await w.getByRole('heading', { name: 'Bar du Port' }).waitFor()
    const help = w.locator('section.help')
    await help.getByRole('heading', { name: 'Aide aux victimes' }).waitFor()
    expect(await help.textContent()).toContain('permanence mardi 14:00, Maison de la tranquillité')
    // Under the refuges, never among them.
    expect(await w.locator('ul.cards li h3').allTextContents()).toEqual(['Bar du Port'])
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'nearby-help')

    // The alert's answer offers the same desk, after the refuges.
    await page.goto(site.page('/alerte.html', embedPage(halte.url, 'halte-alert', { network: slug, lang: 'fr' })))
    const alert = page.locator('halte-alert')
    await alert.getByRole('button', { name: 'Je ne peux pas maintenir' }).click()
    await alert.getByRole('button', { name: 'Oui, envoyer' }).click()
    await alert.getByText('Alerte reçue · en attente').waitFor({ timeout: 15_000 })
    const offered = alert.locator('section.help')
    await offered.getByRole('heading', { name: 'Aide aux victimes' }).waitFor()
    expect(await offered.textContent()).toContain('France Victimes 17')
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'alert-help')
    await ctx.close()
  })
})
