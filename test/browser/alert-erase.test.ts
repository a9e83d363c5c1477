import { readFile } from 'node:fs/promises'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken } from '../helpers/app.ts'
import { axeViolations, type CitySite, citySite, embedPage, hasChromium, launch, phone, type ServedHalte, serveHalte } from './harness.ts'

// Once a request is over, its person downloads what halte kept about it and erases it,
// from the same <halte-alert> that raised it (followed through a reload: sessionStorage).
describe.skipIf(!hasChromium)('<halte-alert>: my data, once the request is over', () => {
  let halte: ServedHalte
  let site: CitySite
  let browser: Browser
  const slug = `erase-${crypto.randomUUID().slice(0, 6)}`
  const MESSAGE = 'message à effacer depuis le navigateur'

  beforeAll(async () => {
    ;[halte, site, browser] = await Promise.all([serveHalte(), citySite(), launch()])
    await createNetwork(halte, { slug })
    await createToken(halte, slug, { role: 'operator', label: 'CSU' })
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
    await halte?.close()
  })

  it('downloads the JSON export, then erases after a confirmation', async () => {
    const res = await fetch(`${halte.url}/v1/networks/${slug}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ location: { lat: 47.7501, lon: 7.3201 }, message: MESSAGE }),
    })
    expect(res.status).toBe(201)
    const alert = (await res.json()) as { id: string; access_token: string }
    const cancelled = await fetch(`${halte.url}/v1/alerts/${alert.id}/cancel`, { method: 'POST', headers: { 'x-access-token': alert.access_token } })
    expect(cancelled.status).toBe(200)

    const ctx = await phone(browser)
    const kept = JSON.stringify({ id: alert.id, access_token: alert.access_token, nearest: [], help: null, notified: true, status: 'cancelled' })
    await ctx.addInitScript(([key, value]) => sessionStorage.setItem(key!, value!), [`halte:alert:${slug}`, kept])
    const p = await ctx.newPage()
    await p.goto(site.page(`/p-${crypto.randomUUID().slice(0, 6)}.html`, embedPage(halte.url, 'halte-alert', { network: slug, lang: 'fr' })))
    const widget = p.locator('halte-alert')
    await widget.getByText('Annulée').waitFor()
    expect(await axeViolations(p)).toEqual([])

    const [download] = await Promise.all([p.waitForEvent('download'), widget.getByRole('button', { name: 'Télécharger mes données' }).click()])
    const exported = JSON.parse(await readFile((await download.path())!, 'utf8')) as { alert: { id: string; message: string } }
    expect(exported.alert).toMatchObject({ id: alert.id, message: MESSAGE })

    await widget.getByRole('button', { name: 'Effacer mes données' }).click()
    await widget.getByText('C’est définitif').waitFor()
    expect(await axeViolations(p)).toEqual([])
    // Backing out erases nothing.
    await widget.getByRole('button', { name: 'Non, garder' }).click()
    expect((await halte.db.sql`select message from alerts where id = ${alert.id}`)[0]!.message).toBe(MESSAGE)
    await widget.getByRole('button', { name: 'Effacer mes données' }).click()
    await widget.getByRole('button', { name: 'Oui, effacer' }).click()
    await widget.getByText('Vos données ont été effacées.').waitFor()
    const [row] = await halte.db.sql`select message, location, erased_by from alerts where id = ${alert.id}`
    expect(row).toEqual({ message: null, location: null, erased_by: 'requester' })
    // Nothing is followed any more: the page forgot the alert and offers to ask for help again.
    expect(await p.evaluate((key) => sessionStorage.getItem(key), `halte:alert:${slug}`)).toBeNull()
    await widget.getByText('Maintenez 2 secondes').first().waitFor()
    await ctx.close()
  })
})
