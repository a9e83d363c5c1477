import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collection, feature, IN_A, IN_B, SECTOR_A, SECTOR_B } from '../field/fixtures.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { axeViolations, hasChromium, launch, phone, type ServedHalte, screenshots, serveHalte } from './harness.ts'

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

    // A mediator of the port, given a token in the Jetons tab, goes on duty: the count
    // follows when the Secteurs tab is shown again.
    await consoleEl.getByRole('tab', { name: 'Jetons' }).click()
    const tokens = consoleEl.locator('halte-console-tokens')
    await tokens.getByLabel('Rôle').selectOption('mediator')
    await tokens.getByLabel('Libellé (qui le détient)').fill('Médiateur port')
    await tokens.getByLabel('Secteurs (médiateur, police)').fill('Port')
    await tokens.getByRole('button', { name: 'Créer un jeton' }).click()
    const mediator = await tokens.getByLabel('Nouveau jeton').inputValue()
    expect(mediator).toMatch(/^halte_mediator_/)
    await tokens.getByRole('cell', { name: 'Médiateur port (Port)' }).waitFor()
    expect((await halte.request('/v1/field/duty', { method: 'POST', token: mediator, json: { on: true } })).status).toBe(200)
    await consoleEl.getByRole('tab', { name: 'Alertes' }).click()
    await consoleEl.getByRole('tab', { name: 'Secteurs' }).click()
    await expect.poll(rows).toEqual(['Centre\t0', 'Port\t1'])

    await panel.getByLabel('Fichier GeoJSON des secteurs').setInputFiles(bad)
    await panel.getByRole('button', { name: 'Importer' }).click()
    const problem = panel.getByRole('alert')
    await problem.waitFor()
    expect(await problem.textContent()).toContain('Deux secteurs s’appellent « centre »')
    expect(await rows()).toEqual(['Centre\t0', 'Port\t1'])
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'console-sectors')
    await ctx.close()
  })

  it('a mediator signs in on a phone: goes on duty, counts a person met in two taps, sees the alerts of its sector only', async () => {
    const mediator = await createToken(halte, slug, { role: 'mediator', label: 'Médiatrice centre', sectors: ['Centre'] }, operator)
    const ctx = await phone(browser)
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/console?network=${slug}`)
    const consoleEl = page.locator('halte-console')
    await consoleEl.getByLabel('Jeton d’accès').fill(mediator)
    await consoleEl.getByRole('button', { name: 'Se connecter' }).click()
    const field = consoleEl.locator('halte-console-field')
    await field.getByText('Secteurs : Centre').waitFor()
    // No operator tab: they would only answer 403.
    expect(await consoleEl.getByRole('tab').count()).toBe(0)
    await field.getByRole('button', { name: 'Prendre mon service' }).click()
    await field.getByRole('button', { name: 'Terminer mon service' }).waitFor()
    expect(await field.getByRole('status').first().textContent()).toMatch(/En service jusqu’à \d\d:\d\d/)

    await field.getByRole('button', { name: 'Personne rencontrée' }).click()
    await field.getByRole('button', { name: 'Orientation' }).click()
    await field.getByText(/Contact compté : Orientation, Centre/).waitFor()
    const [row] = await halte.db.sql<{ kind: string; sector_name: string }[]>`
      select kind, sector_name from field_contacts c join networks n on n.id = c.network_id where n.slug = ${slug}`
    expect(row).toEqual({ kind: 'orientation', sector_name: 'Centre' })

    const alerts = consoleEl.locator('halte-console-alerts')
    await alerts.getByText('Direct : connecté').waitFor()
    const raise = (location: { lat: number; lon: number }, message: string) =>
      halte.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location, message } })
    expect((await raise(IN_B, 'au port')).status).toBe(201)
    expect((await raise(IN_A, 'au centre')).status).toBe(201)
    await alerts.getByText('Message : « au centre »').waitFor()
    expect(await alerts.getByText('au port').count()).toBe(0)
    await alerts.getByRole('button', { name: 'Prendre en charge' }).click()
    await alerts.getByText('Prise en charge', { exact: true }).waitFor()
    // Handed to the SAMU: the number to call and what to read out, recorded in the alert's history.
    await alerts.getByLabel('Transmettre à').selectOption('samu')
    await alerts.getByRole('button', { name: 'Noter la transmission' }).click()
    await alerts.getByText('Appelez le 15').waitFor()
    expect(await alerts.getByRole('status').filter({ hasText: 'Appelez le 15' }).textContent()).toContain('46.16000, -1.16000')
    const [handed] = await halte.db.sql<{ to_service: string; actor_role: string }[]>`
      select h.to_service, h.actor_role from alert_handoffs h join networks n on n.id = h.network_id where n.slug = ${slug}`
    expect(handed).toEqual({ to_service: 'samu', actor_role: 'mediator' })
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'console-field')
    await ctx.close()
  })
})
