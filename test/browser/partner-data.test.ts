import { readFile } from 'node:fs/promises'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace } from '../alerts/fixtures.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { axeViolations, type CitySite, citySite, embedPage, hasChromium, launch, phone, type ServedHalte, serveHalte } from './harness.ts'

// A partner exports its data and closes its account from <halte-partner>, in two steps.
describe.skipIf(!hasChromium)('<halte-partner>: my data', () => {
  let halte: ServedHalte
  let site: CitySite
  let browser: Browser
  const slug = `pdata-${crypto.randomUUID().slice(0, 6)}`
  let place: { id: string; token: string }

  beforeAll(async () => {
    ;[halte, site, browser] = await Promise.all([serveHalte(), citySite(), launch()])
    await createNetwork(halte, { slug })
    const operator = await createToken(halte, slug, { role: 'operator', label: 'CSU' })
    place = await activePlace(halte, slug, operator, { lat: 47.7505, lon: 7.3205, name: 'Bar des Données' })
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
    await halte?.close()
  })

  it('exports the JSON, then closes the account after a confirmation', async () => {
    const ctx = await phone(browser)
    const p = await ctx.newPage()
    await p.goto(site.page('/partenaire.html', embedPage(halte.url, 'halte-partner', { network: slug, lang: 'fr', token: place.token })))
    const w = p.locator('halte-partner')
    await w.getByRole('heading', { name: 'Bar des Données' }).waitFor()
    const [download] = await Promise.all([p.waitForEvent('download'), w.getByRole('button', { name: 'Exporter mes données' }).click()])
    const exported = JSON.parse(await readFile((await download.path())!, 'utf8')) as { place: { id: string; contact_name: string } }
    expect(exported.place).toMatchObject({ id: place.id, contact_name: 'Camille' })

    await w.getByRole('button', { name: 'Fermer mon compte' }).click()
    await w.getByText('C’est définitif').waitFor()
    expect(await axeViolations(p)).toEqual([])
    await w.getByRole('button', { name: 'Oui, fermer mon compte' }).click()
    await w.getByText('Votre compte est fermé').waitFor()
    const [row] = await halte.db.sql`select status, contact_name from places where id = ${place.id}`
    expect(row).toEqual({ status: 'withdrawn', contact_name: null })
    await w.getByRole('button', { name: 'Terminer' }).click()
    await ctx.close()
  })
})
