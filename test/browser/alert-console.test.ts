import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace } from '../alerts/fixtures.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { baseFeed, zipOf } from '../transit/feed.ts'
import { axeViolations, type CitySite, citySite, embedPage, hasChromium, launch, phone, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// A resident's alert and the operator who answers it, on two screens at once; then the
// rest of the operator's console: moderation, tokens, a timetable, a link to one alert.
describe.skipIf(!hasChromium)('<halte-alert> and <halte-console>', () => {
  let halte: ServedHalte
  let site: CitySite
  let browser: Browser
  let operator: string
  let networkId: string
  const slug = `console-${crypto.randomUUID().slice(0, 6)}`

  // The operator's desk: a desktop browser that counts the beeps it plays.
  const desk = async (): Promise<BrowserContext> => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' })
    await ctx.addInitScript(() => {
      const w = window as unknown as { beeps: number }
      w.beeps = 0
      const start = OscillatorNode.prototype.start
      OscillatorNode.prototype.start = function (...a: [number?]) {
        w.beeps++
        return start.apply(this, a)
      }
    })
    return ctx
  }
  const signIn = async (p: Page, path = `/console?network=${slug}`) => {
    await p.goto(`${halte.url}${path}`)
    const consoleEl = p.locator('halte-console')
    await consoleEl.getByLabel('Jeton d’accès').fill(operator)
    await consoleEl.getByRole('button', { name: 'Se connecter' }).click()
    await consoleEl.getByRole('tab', { name: 'Alertes' }).waitFor()
    return consoleEl
  }
  const apply = async (name: string) => {
    const res = await halte.request(`/v1/networks/${slug}/applications`, {
      method: 'POST',
      json: { name, kind: 'bar', address: '2 rue Neuve', location: { lat: 47.751, lon: 7.31 }, opening_hours: '24/7', contact_name: 'Sam', charter_accepted: true },
    })
    return ((await res.json()) as { id: string }).id
  }
  // The element that has the focus, through the shadow roots.
  const focusedId = (p: Page) =>
    p.evaluate(() => {
      let el: Element | null = document.activeElement
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement
      return el?.id ?? ''
    })

  beforeAll(async () => {
    ;[halte, site, browser] = await Promise.all([serveHalte(), citySite(), launch()])
    networkId = (await createNetwork(halte, { slug })).id
    operator = await createToken(halte, slug, { role: 'operator', label: 'CSU' })
    await activePlace(halte, slug, operator, { lat: 47.7505, lon: 7.3205, name: 'Bar du Théâtre', hours: '24/7' })
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
    await halte?.close()
  })

  it('an alert held on the city site arrives live in the console with a beep; acknowledged there, the resident sees it taken in hand', async () => {
    const opCtx = await desk()
    const op = await opCtx.newPage()
    const consoleEl = await signIn(op)
    await consoleEl.getByText('Direct : connecté').waitFor()
    await consoleEl.getByText('Aucune alerte en cours.').waitFor()
    expect(await axeViolations(op)).toEqual([])

    const resCtx = await phone(browser, { geolocation: { latitude: 47.7501, longitude: 7.3201 } })
    const res = await resCtx.newPage()
    await res.goto(site.page('/alerte.html', embedPage(halte.url, 'halte-alert', { network: slug, lang: 'fr' })))
    const widget = res.locator('halte-alert')
    const button = widget.getByRole('button', { name: /Maintenez 2 secondes/ })
    const box = (await button.boundingBox())!
    await res.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await res.mouse.down()
    await res.waitForTimeout(2400)
    await res.mouse.up()
    await widget.getByText('Alerte reçue · en attente').waitFor()

    // Live, no reload: the card, its place, its channel, and a beep.
    const card = consoleEl.getByRole('listitem').filter({ hasText: 'En attente de prise en charge' })
    await card.waitFor()
    expect(await card.textContent()).toContain('Canal : Web')
    expect(await card.textContent()).toContain('47.75010, 7.32010')
    expect(await card.getByRole('link', { name: /OpenStreetMap/ }).getAttribute('href')).toContain('mlat=47.7501')
    await expect.poll(() => op.evaluate(() => (window as unknown as { beeps: number }).beeps)).toBeGreaterThanOrEqual(1)
    expect(await axeViolations(op)).toEqual([])
    await screenshots(op, 'halte-console')

    await card.getByLabel('Note (facultative)').fill('Patrouille envoyée')
    await card.getByRole('button', { name: 'Prendre en charge' }).click()
    await widget.getByText('Prise en charge par l’opérateur').waitFor()
    const [row] = await halte.db.sql<{ status: string }[]>`select status from alerts where network_id = ${networkId}`
    expect(row!.status).toBe('acknowledged')
    const notes = await halte.db.sql<{ note: string }[]>`select note from alert_events where network_id = ${networkId} and kind = 'acknowledged'`
    expect(notes.map((n) => n.note)).toEqual(['Patrouille envoyée'])
    expect(await axeViolations(res)).toEqual([])

    // False alarm: resolved with false_alarm, the resident sees it closed.
    await consoleEl.getByRole('button', { name: 'Fausse alerte' }).click()
    await widget.getByText('Terminée').waitFor()
    const [after] = await halte.db.sql<{ status: string }[]>`select status from alerts where network_id = ${networkId}`
    expect(after!.status).toBe('false_alarm')
    await resCtx.close()
    await opCtx.close()
  })

  it('/console?alert=<id> opens and focuses that alert', async () => {
    const made = await halte.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: { lat: 47.752, lon: 7.33 } } })
    const { id } = (await made.json()) as { id: string }
    const ctx = await desk()
    const p = await ctx.newPage()
    const consoleEl = await signIn(p, `/console?network=${slug}&alert=${id}`)
    await consoleEl.getByText('47.75200, 7.33000').waitFor()
    await expect.poll(() => focusedId(p)).toBe(`alert-${id}`)
    await ctx.close()
  })

  it('moderation: approves one application (active at once) and rejects another with a reason', async () => {
    const good = await apply('Café des Arts')
    const bad = await apply('Bar Douteux')
    const ctx = await desk()
    const p = await ctx.newPage()
    const consoleEl = await signIn(p)
    // Keyboard: arrows move along the tabs.
    await consoleEl.getByRole('tab', { name: 'Alertes' }).focus()
    await p.keyboard.press('ArrowRight')
    expect(await consoleEl.getByRole('tab', { name: 'Modération' }).getAttribute('aria-selected')).toBe('true')
    const queue = consoleEl.locator('halte-console-moderation')
    await queue.getByRole('heading', { name: 'Café des Arts' }).waitFor()
    expect(await axeViolations(p)).toEqual([])
    await screenshots(p, 'halte-console-moderation')
    await queue.getByRole('button', { name: 'Approuver : Café des Arts' }).click()
    await queue.getByText('Café des Arts : approuvé').waitFor()
    await queue.getByRole('button', { name: 'Refuser : Bar Douteux' }).click()
    await queue.getByLabel('Motif du refus').fill('Hors du périmètre du réseau')
    await queue.getByRole('button', { name: 'Confirmer le refus : Bar Douteux' }).click()
    await queue.getByText('Aucune candidature en attente.').waitFor()
    const rows = await halte.db.sql<{ id: string; status: string }[]>`select id, status from places where id in (${good}, ${bad})`
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({ [good]: 'active', [bad]: 'rejected' })
    const [reason] = await halte.db.sql<{ reason: string }[]>`select reason from place_status_history where place_id = ${bad} and to_status = 'rejected'`
    expect(reason!.reason).toBe('Hors du périmètre du réseau')
    // The approved place is in the public search at once.
    const near = await halte.request(`/v1/networks/${slug}/places/nearest?lat=47.751&lon=7.31&limit=10`)
    expect(JSON.stringify(await near.json())).toContain('Café des Arts')

    await consoleEl.getByRole('tab', { name: 'Lieux' }).click()
    const places = consoleEl.locator('halte-console-places')
    await places.getByRole('cell', { name: 'Café des Arts' }).waitFor()
    expect(await axeViolations(p)).toEqual([])
    await screenshots(p, 'halte-console-places')
    await consoleEl.getByRole('tab', { name: 'Formations' }).click()
    await consoleEl.locator('halte-console-renewals').getByText('Jamais formé').first().waitFor()
    expect(await axeViolations(p)).toEqual([])
    await ctx.close()
  })

  it('tokens: creates an operator token shown once, which works, then revokes it', async () => {
    const ctx = await desk()
    const p = await ctx.newPage()
    const consoleEl = await signIn(p)
    await consoleEl.getByRole('tab', { name: 'Jetons' }).click()
    const tokens = consoleEl.locator('halte-console-tokens')
    await tokens.getByRole('cell', { name: 'CSU', exact: true }).waitFor()
    await tokens.getByLabel('Libellé').fill('Poste de nuit')
    await tokens.getByRole('button', { name: 'Créer un jeton' }).click()
    const fresh = await tokens.getByLabel('Nouveau jeton').inputValue()
    expect(fresh.length).toBeGreaterThan(20)
    expect((await halte.request(`/v1/networks/${slug}/alerts`, { token: fresh })).status).toBe(200)
    expect(await axeViolations(p)).toEqual([])
    await screenshots(p, 'halte-console-tokens')
    await tokens.getByRole('button', { name: 'Révoquer : Poste de nuit' }).click()
    await tokens.getByRole('button', { name: 'Oui, révoquer : Poste de nuit' }).click()
    await tokens.getByText('Jeton révoqué').waitFor()
    const [row] = await halte.db.sql<{ revoked_at: Date | null }[]>`select revoked_at from tokens where label = 'Poste de nuit' and network_id = ${networkId}`
    expect(row!.revoked_at).not.toBeNull()
    expect((await halte.request(`/v1/networks/${slug}/alerts`, { token: fresh })).status).toBe(401)
    await ctx.close()
  })

  it('GTFS: uploads a zip and shows the import; a file that is not a feed gets halte’s problem', async () => {
    const ctx = await desk()
    const p = await ctx.newPage()
    const consoleEl = await signIn(p)
    await consoleEl.getByRole('tab', { name: 'Horaires GTFS' }).click()
    const gtfs = consoleEl.locator('halte-console-gtfs')
    await gtfs.getByText('Aucun fichier GTFS importé.').waitFor()
    await gtfs.getByLabel('Fichier GTFS (.zip)').setInputFiles({ name: 'feed.zip', mimeType: 'application/zip', buffer: Buffer.from(zipOf(baseFeed())) })
    await gtfs.getByRole('button', { name: 'Importer' }).click()
    await gtfs.getByText('Import réussi').waitFor()
    expect(await gtfs.getByText('Import réussi').textContent()).toContain('4 lignes, 5 trajets, 5 arrêts')
    await gtfs.getByText(/En vigueur/).waitFor()
    expect(await axeViolations(p)).toEqual([])
    await screenshots(p, 'halte-console-gtfs')
    await gtfs.getByLabel('Fichier GTFS (.zip)').setInputFiles({ name: 'notes.zip', mimeType: 'application/zip', buffer: Buffer.from('not a zip at all') })
    await gtfs.getByRole('button', { name: 'Importer' }).click()
    await gtfs.locator('#gtfs-problem').waitFor()
    expect((await gtfs.locator('#gtfs-problem').textContent())!.length).toBeGreaterThan(5)
    await ctx.close()
  })

  it('sound can be turned off, and a wrong token is refused with halte’s words', async () => {
    const ctx = await desk()
    const p = await ctx.newPage()
    const consoleEl = await signIn(p)
    await consoleEl.getByRole('button', { name: 'Son : activé' }).click()
    await consoleEl.getByRole('button', { name: 'Son : désactivé' }).waitFor()
    await consoleEl.getByText('Direct : connecté').waitFor()
    const before = await p.evaluate(() => (window as unknown as { beeps: number }).beeps)
    await halte.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: { lat: 47.753, lon: 7.33 } } })
    await consoleEl.getByText('47.75300, 7.33000').waitFor()
    await p.waitForTimeout(300)
    expect(await p.evaluate(() => (window as unknown as { beeps: number }).beeps)).toBe(before)
    await consoleEl.getByRole('button', { name: 'Se déconnecter' }).click()
    await consoleEl.getByLabel('Jeton d’accès').fill('wrong-token-0123456789')
    await consoleEl.getByRole('button', { name: 'Se connecter' }).click()
    await consoleEl.locator('halte-console-alerts').getByRole('alert').waitFor()
    await ctx.close()
  })
})
