import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace, subscription } from '../alerts/fixtures.ts'
import { createLogger } from '../../src/logger.ts'
import { drainOutbox } from '../../src/notify/dispatcher.ts'
import { recordingPush } from '../../src/notify/ports.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { axeViolations, type CitySite, citySite, embedPage, hasChromium, launch, phone, pushToServiceWorker, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// Rapid mobilisation on screen: the operator writes one message in the console's
// "Diffusion" tab, a partner inside the circle reads it on the city site and
// acknowledges it, and the console shows who did; a partner outside hears nothing.
describe.skipIf(!hasChromium)('console “Diffusion” and the partner’s acknowledgement', () => {
  let halte: ServedHalte
  let site: CitySite
  let browser: Browser
  let operator: string
  let inside: { id: string; token: string }
  let outside: { id: string; token: string }
  const slug = `diffusion-${crypto.randomUUID().slice(0, 6)}`
  const message = 'Incident grave rue du Palais : restez vigilants, accueillez.'

  beforeAll(async () => {
    ;[halte, site, browser] = await Promise.all([serveHalte(), citySite(), launch()])
    await createNetwork(halte, { slug })
    operator = await createToken(halte, slug, { role: 'operator', label: 'Cellule de veille' })
    inside = await activePlace(halte, slug, operator, { lat: 46.1591, lon: -1.1517, name: 'Bar de la Grosse Horloge' })
    outside = await activePlace(halte, slug, operator, { lat: 46.17, lon: -1.1517, name: 'Café des Minimes' })
    // A device of the partner inside: what halte pushes to it is read back below.
    expect((await halte.request('/v1/partner/push-subscriptions', { method: 'POST', token: inside.token, json: subscription() })).status).toBe(201)
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
    await halte?.close()
  })

  const signInConsole = async (p: Page) => {
    await p.goto(`${halte.url}/console?network=${slug}`)
    const c = p.locator('halte-console')
    await c.getByLabel('Jeton d’accès').fill(operator)
    await c.getByRole('button', { name: 'Se connecter' }).click()
    await c.getByRole('tab', { name: 'Diffusion' }).click()
    return c
  }
  const signInPartner = async (p: Page, token: string) => {
    await p.goto(site.page('/partenaires.html', embedPage(halte.url, 'halte-partner', { network: slug, lang: 'fr' })))
    const w = p.locator('halte-partner')
    await w.getByRole('button', { name: 'J’ai déjà un jeton partenaire' }).click()
    await w.getByLabel('Jeton d’accès').fill(token)
    await w.getByRole('button', { name: 'Se connecter' }).click()
    return w
  }

  it('the operator sends around a point; the partner inside acknowledges; the console shows it per partner', async () => {
    const deskCtx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' })
    const desk = await deskCtx.newPage()
    const c = await signInConsole(desk)
    await c.getByRole('heading', { name: 'Diffusion aux partenaires' }).waitFor()
    await c.getByText('Aucun message envoyé.').waitFor()
    expect(await axeViolations(desk)).toEqual([])

    // A sector the network does not have: halte's words, nothing sent.
    await c.getByLabel('Message').fill(message)
    await c.getByLabel('Un secteur').check()
    await c.getByLabel('Nom du secteur').fill('Atlantide')
    await c.getByRole('button', { name: 'Envoyer le message' }).click()
    await c.getByText('Ce réseau n’a pas de secteur « Atlantide ».').waitFor()

    // Once the city has drawn its sectors, they are chosen from a list.
    const square = (w: number, e: number) => ({ type: 'Polygon', coordinates: [[[w, 46.14], [e, 46.14], [e, 46.18], [w, 46.18], [w, 46.14]]] })
    const put = await halte.request(`/v1/networks/${slug}/sectors`, {
      method: 'PUT',
      token: operator,
      json: {
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { name: 'Vieux-Port' }, geometry: square(-1.16, -1.14) },
          { type: 'Feature', properties: { name: 'Minimes' }, geometry: square(-1.14, -1.12) },
        ],
      },
    })
    expect(put.status).toBe(200)
    await c.getByRole('button', { name: 'Actualiser' }).click()
    await expect.poll(() => c.getByLabel('Nom du secteur').locator('option').allTextContents()).toEqual(['Minimes', 'Vieux-Port'])

    await c.getByLabel('Autour d’un point').check()
    // Other tabs (help services) have their own point fields, mounted while hidden.
    const panel = c.locator('#panel-broadcasts')
    await panel.getByLabel('Latitude').fill('46,1590')
    await panel.getByLabel('Longitude').fill('-1.1520')
    await c.getByLabel('Rayon (m, 5 000 au plus)').fill('1000')
    await c.getByRole('button', { name: 'Envoyer le message' }).click()
    // No push or SMS configured on this server: the count says so rather than pretending.
    await c.getByText(/Message envoyé à 1 destinataire\(s\) — Notification : canal non configuré · SMS : canal non configuré/).waitFor()
    const card = c.getByRole('listitem').filter({ hasText: message })
    await card.waitFor()
    expect(await card.textContent()).toContain('autour de 46.159, -1.152 (1000 m)')
    expect(await card.textContent()).toContain('0 accusé(s) de réception')
    expect(await axeViolations(desk)).toEqual([])
    await screenshots(desk, 'halte-console-broadcasts')

    const ctx = await phone(browser)
    const p = await ctx.newPage()
    const w = await signInPartner(p, inside.token)
    await w.getByRole('heading', { name: 'Messages de la ville' }).waitFor()
    await w.getByText(message).waitFor()
    expect(await axeViolations(p)).toEqual([])
    await w.getByRole('button', { name: 'Accusé de réception' }).click()
    await w.getByText(/^Reçu à \d\d:\d\d$/).waitFor()
    expect(await w.getByRole('button', { name: 'Accusé de réception' }).count()).toBe(0)
    await screenshots(p, 'halte-partner-broadcast')
    const [row] = await halte.db.sql<{ acknowledged_at: Date | null }[]>`select acknowledged_at from broadcast_recipients where place_id = ${inside.id}`
    expect(row!.acknowledged_at).not.toBeNull()

    // The partner outside the circle has no message to see.
    const other = await (await browser.newContext()).newPage()
    const w2 = await signInPartner(other, outside.token)
    await w2.getByRole('heading', { name: 'Café des Minimes' }).waitFor()
    await w2.getByText('Aucune alerte').first().waitFor()
    expect(await w2.getByRole('heading', { name: 'Messages de la ville' }).count()).toBe(0)

    await c.getByRole('button', { name: 'Actualiser' }).click()
    await card.getByText('1 accusé(s) de réception').waitFor()
    await card.getByRole('button', { name: 'Détail par partenaire' }).click()
    const line = card.getByRole('row', { name: /Bar de la Grosse Horloge/ })
    await line.waitFor()
    expect(await line.textContent()).toMatch(/\d\d:\d\d/)
    expect(await card.getByRole('row', { name: /Café des Minimes/ }).count()).toBe(0)
    expect(await axeViolations(desk)).toEqual([])
    await ctx.close()
    await deskCtx.close()
  })

  it('the partner’s service worker shows the pushed broadcast in words', async () => {
    // The very payload the outbox would send to the partner's device.
    const pushes = recordingPush()
    await drainOutbox({ sql: halte.db.sql, clock: { now: () => new Date() }, log: createLogger('silent', () => {}), push: pushes.sender })
    const payload = pushes.sent.map((m) => m.payload).find((p) => p.includes(message))
    expect(payload).toBeDefined()

    const ctx = await phone(browser)
    await ctx.grantPermissions(['notifications'], { origin: halte.url })
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/partner?network=${slug}`)
    expect((await pushToServiceWorker(ctx, page, halte.url, payload!))[0]).toEqual({
      title: 'halte : message de la ville',
      body: `Message de la ville : ${message}`,
      url: `${halte.url}/partner?network=${slug}`,
    })
    await ctx.close()
  })
})
