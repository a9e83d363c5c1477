import { readFileSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collection, feature, IN_A, IN_B, SECTOR_A, SECTOR_B } from '../field/fixtures.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { axeViolations, hasChromium, launch, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// The console's "Chiffres" tab: the period's figures as bar charts with their numbers
// written, small counts (and the one hidden with them) as "masqué", a sector filter,
// and the CSV saved from the button.
describe.skipIf(!hasChromium)('<halte-console> Chiffres', () => {
  let halte: ServedHalte
  let browser: Browser
  let operator: string
  const slug = `stats-${crypto.randomUUID().slice(0, 6)}`

  beforeAll(async () => {
    ;[halte, browser] = await Promise.all([serveHalte(), launch()])
    const n = await createNetwork(halte, { slug })
    operator = await createToken(halte, slug, { role: 'operator', label: 'Observatoire' })
    const put = await halte.request(`/v1/networks/${slug}/sectors`, { method: 'PUT', token: operator, json: collection(feature('Centre', SECTOR_A), feature('Port', SECTOR_B)) })
    expect(put.status).toBe(200)
    // Seven alerts in Centre, two in Port, over the last days (within the default half-year).
    const raise = (p: { lat: number; lon: number }, daysAgo: number, source: string) => halte.db.sql`
      insert into alerts (network_id, status, source, location, created_at, updated_at)
      values (${n.id}, 'resolved', ${source}, st_setsrid(st_makepoint(${p.lon + 0.00123}, ${p.lat + 0.00123}), 4326)::geography,
              now() - ${daysAgo} * interval '1 day', now())`
    for (let i = 0; i < 7; i++) await raise(IN_A, 1 + i, 'web')
    for (let i = 0; i < 2; i++) await raise(IN_B, 2, 'sms')
  })
  afterAll(async () => {
    await browser?.close()
    await halte?.close()
  })

  it('shows the figures as charts with their numbers, small counts hidden, by sector, and saves the CSV', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR', timezoneId: 'Europe/Paris', acceptDownloads: true })
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/console?network=${slug}`)
    const consoleEl = page.locator('halte-console')
    await consoleEl.getByLabel('Jeton d’accès').fill(operator)
    await consoleEl.getByRole('button', { name: 'Se connecter' }).click()
    await consoleEl.getByRole('tab', { name: 'Chiffres' }).click()
    const panel = consoleEl.locator('halte-console-stats')
    const bySector = panel.getByRole('img', { name: 'Alertes par secteur' })
    await bySector.waitFor()
    // 9 alerts: Port's 2 is hidden, and Centre's 7 with it (9 − 7 would give 2 back);
    // zero describes nobody and is written.
    expect(await bySector.locator('text').allTextContents()).toEqual(['Centre', 'masqué', 'Port', 'masqué', 'hors secteur', '0'])
    expect(await bySector.locator('desc').textContent()).toBe('Centre : masqué ; Port : masqué ; hors secteur : 0')
    expect(await panel.getByRole('img', { name: 'Alertes par canal' }).locator('text.value').allTextContents()).toEqual(['masqué', 'masqué'])
    expect(await panel.locator('dl.figures').first().textContent()).toMatch(/Total\s*9\b/)
    // The hours: 24 bars, each with its number.
    expect(await panel.getByRole('img', { name: 'Alertes par heure de la journée' }).locator('text.value').count()).toBe(24)
    // No point finer than a sector anywhere in the tab.
    const everything = (await panel.locator('form, p, dl, figure').allTextContents()).join(' ')
    expect(everything).toContain('Alertes par secteur')
    expect(everything).not.toMatch(/46\.16|1\.16|1\.14/)

    // One sector.
    await panel.getByLabel('Secteur', { exact: true }).selectOption('Centre')
    await panel.getByRole('button', { name: 'Afficher' }).click()
    await expect.poll(() => panel.getByRole('img', { name: 'Alertes par secteur' }).locator('desc').textContent()).toBe('Centre : 7')
    expect(await panel.locator('dl.figures').first().textContent()).toMatch(/Total\s*7\b/)

    // The CSV, saved under halte's name for it.
    const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Télécharger le CSV' }).click()])
    expect(download.suggestedFilename()).toMatch(new RegExp(`^halte-${slug}-stats-\\d{4}-\\d{2}-\\d{2}-\\d{4}-\\d{2}-\\d{2}-secteur\\.csv$`))
    const csv = readFileSync((await download.path())!, 'utf8')
    expect(csv.split('\r\n')[0]).toBe('section,dimension,key,value,suppressed')
    expect(csv).toContain('alerts,sector,Centre,7,false')

    // A period the API refuses: its reason, in words.
    await panel.getByLabel('Du', { exact: true }).fill('2020-01-01')
    await panel.getByRole('button', { name: 'Afficher' }).click()
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('2 ans')

    await panel.getByLabel('Du', { exact: true }).fill(new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10))
    await panel.getByLabel('Secteur', { exact: true }).selectOption('')
    await panel.getByRole('button', { name: 'Afficher' }).click()
    await bySector.waitFor()
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'console-stats')
    await ctx.close()
  })
})
