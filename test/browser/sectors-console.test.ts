import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collection, feature, SECTOR_A, SECTOR_B } from '../field/fixtures.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { axeViolations, hasChromium, launch, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// The console's "Secteurs" tab: the city's GeoJSON file replaces the sectors; a file
// refused says why and changes nothing; each sector shows who is on duty in it.
describe.skipIf(!hasChromium)('<halte-console> Secteurs', () => {
  let halte: ServedHalte
  let browser: Browser
  let operator: string
  const slug = `sectors-${crypto.randomUUID().slice(0, 6)}`
  const dir = mkdtempSync(join(tmpdir(), 'halte-sectors-'))
  const good = join(dir, 'secteurs.geojson')
  const bad = join(dir, 'doublon.geojson')

  beforeAll(async () => {
    ;[halte, browser] = await Promise.all([serveHalte(), launch()])
    await createNetwork(halte, { slug })
    operator = await createToken(halte, slug, { role: 'operator', label: 'Cellule de veille' })
    writeFileSync(good, JSON.stringify(collection(feature('Centre', SECTOR_A), feature('Port', SECTOR_B))))
    writeFileSync(bad, JSON.stringify(collection(feature('Centre', SECTOR_A), feature('centre', SECTOR_B))))
  })
  afterAll(async () => {
    await browser?.close()
    await halte?.close()
  })

  it('imports a GeoJSON file, refuses a bad one with its reason, and counts who is on duty per sector', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' })
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/console?network=${slug}`)
    const consoleEl = page.locator('halte-console')
    await consoleEl.getByLabel('Jeton d’accès').fill(operator)
    await consoleEl.getByRole('button', { name: 'Se connecter' }).click()
    await consoleEl.getByRole('tab', { name: 'Secteurs' }).click()
    const panel = consoleEl.locator('halte-console-sectors')
    await panel.getByText(/Aucun secteur/).waitFor()

    await panel.getByLabel('Fichier GeoJSON des secteurs').setInputFiles(good)
    await panel.getByRole('button', { name: 'Importer' }).click()
    await panel.getByText('Secteurs importés : 2.').waitFor()
    const rows = () => panel.locator('tbody tr').allInnerTexts()
    expect(await rows()).toEqual(['Centre\t0', 'Port\t0'])

    // A mediator of the port goes on duty: the count follows when the tab is shown again.
    const mediator = await createToken(halte, slug, { role: 'mediator', label: 'Médiateur port', sectors: ['Port'] }, operator)
    expect((await halte.request('/v1/field/duty', { method: 'POST', token: mediator, json: { on: true } })).status).toBe(200)
    await consoleEl.getByRole('tab', { name: 'Alertes' }).click()
    await consoleEl.getByRole('tab', { name: 'Secteurs' }).click()
    await expect.poll(rows).toEqual(['Centre\t0', 'Port\t1'])

    await panel.getByLabel('Fichier GeoJSON des secteurs').setInputFiles(bad)
    await panel.getByRole('button', { name: 'Importer' }).click()
    const problem = panel.getByRole('alert')
    await problem.waitFor()
    expect(await problem.innerText()).toContain('Deux secteurs s’appellent « centre »')
    expect(await rows()).toEqual(['Centre\t0', 'Port\t1'])
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'console-sectors')
    await ctx.close()
  })
})
