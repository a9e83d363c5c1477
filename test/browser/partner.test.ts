import type { Browser, Page } from 'playwright-core'
import webpush from 'web-push'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { subscription } from '../alerts/fixtures.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { baseFeed, uploadFeed } from '../transit/feed.ts'
import { axeViolations, type CitySite, citySite, embedPage, hasChromium, launch, phone, pushToServiceWorker, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// A bar owner: applies from the city's site, is approved, sees an alert arrive live and
// says "I'm on it", keeps hours and closures up to date, and turns on notifications
// on halte's own partner page.
describe.skipIf(!hasChromium)('<halte-partner>', () => {
  let halte: ServedHalte
  let site: CitySite
  let browser: Browser
  let operator: string
  let token = ''
  let placeId = ''
  const slug = `partner-${crypto.randomUUID().slice(0, 6)}`
  const vapid = webpush.generateVAPIDKeys()
  const pageFr = () => site.page('/partenaires.html', embedPage(halte.url, 'halte-partner', { network: slug, lang: 'fr' }))
  // Near stop S3 of the test feed (47.75, 7.32).
  const here = { lat: 47.7503, lon: 7.3203 }

  beforeAll(async () => {
    ;[halte, site, browser] = await Promise.all([
      serveHalte({ env: { VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:reseau@example.org' } }),
      citySite(),
      launch(),
    ])
    await createNetwork(halte, { slug })
    operator = await createToken(halte, slug, { role: 'operator', label: 'CSU' })
    const feed = baseFeed()
    feed['stops.txt'] = feed['stops.txt']!.replace('"Arrêt 3, rue Test"', '"Place de la Réunion"')
    await uploadFeed(halte, slug, feed)
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
    await halte?.close()
  })

  const hoursPreview = (page: Page, id = 'ap-hours') => page.locator('halte-partner').locator(`#${id}-preview`)

  it('applies from the city site: live hours preview, halte’s errors beside the fields, the token shown once', async () => {
    const ctx = await phone(browser)
    const page = await ctx.newPage()
    await page.goto(pageFr())
    const w = page.locator('halte-partner')
    await w.getByRole('heading', { name: 'Devenir lieu refuge' }).waitFor()
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'halte-partner-apply')

    // The live reading of the hours, as typed.
    const hours = w.getByLabel('Horaires d’ouverture (format OpenStreetMap)')
    await hours.fill('Mo-Sa 18:00-02:00; PH off')
    await expect.poll(() => hoursPreview(page).textContent(), { timeout: 5000 }).toMatch(/(Ouvert|Fermé) maintenant · change à \d\d:\d\d · jours fériés fermés/)
    expect(await hoursPreview(page).textContent()).toMatch(/Prochains changements :.*(ouvre|ferme) \p{L}+ \d+ \p{L}+ à \d\d:\d\d/su)
    await hours.fill('Mo-Fr 10:00-')
    await expect.poll(() => hoursPreview(page).textContent(), { timeout: 5000 }).toContain('La plage horaire ne continue pas')
    expect(await hoursPreview(page).textContent()).toContain('Horaires non reconnus')

    // The position from a stop's name; then a first send that halte refuses.
    await w.getByLabel('Arrêt ou lieu proche').fill('reunion')
    await w.getByRole('button', { name: 'Chercher' }).click()
    await w.getByText('Position retenue : Place de la Réunion').waitFor()
    expect(Number(await w.getByLabel('Latitude').inputValue())).toBeCloseTo(47.75, 2)
    await w.getByLabel('Adresse').fill('3 place de la Réunion')
    await w.getByLabel('Téléphone (facultatif)').fill('08 99 12 34 56')
    await w.getByRole('button', { name: 'Envoyer ma candidature' }).click()
    await w.getByText('La candidature n’a pas été acceptée').waitFor()
    // Beside the fields: the name is missing, the number is premium-rate, the charter unticked.
    expect(await w.locator('#ap-name-err').textContent()).toMatch(/^Doit contenir au moins 1 caractère/)
    expect(await w.locator('#ap-phone-err').textContent()).toMatch(/surtaxé/)
    expect(await w.locator('#ap-charter-err').count()).toBe(1)
    expect(await w.getByLabel('Nom de l’établissement').getAttribute('aria-invalid')).toBe('true')
    // Nothing typed is lost.
    expect(await w.getByLabel('Adresse').inputValue()).toBe('3 place de la Réunion')
    expect(await hours.inputValue()).toBe('Mo-Fr 10:00-')
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'halte-partner-apply-errors')

    // Corrected and sent.
    await w.getByLabel('Nom de l’établissement').fill('Bar de la Réunion')
    await w.getByLabel('Type d’établissement').selectOption('bar')
    await w.getByLabel('Latitude').fill(String(here.lat))
    await w.getByLabel('Longitude').fill(String(here.lon))
    await hours.fill('24/7')
    await expect.poll(() => hoursPreview(page).textContent(), { timeout: 5000 }).toContain('Ouvert maintenant')
    await w.getByLabel('Téléphone (facultatif)').fill('+33 3 89 00 00 00')
    await w.getByLabel('Toilettes').check()
    await w.getByLabel('Personne à contacter').fill('Camille Martin')
    await w.getByLabel(/J’accepte la charte/).check()
    await w.getByRole('button', { name: 'Envoyer ma candidature' }).click()

    const once = w.locator('#halte-token-once')
    await once.waitFor()
    expect(await once.textContent()).toContain('Gardez ce jeton, il ne sera plus affiché')
    token = (await once.locator('.token-value').textContent())!.trim()
    expect(token.length).toBeGreaterThan(20)
    // Signed in with it: the place, pending.
    await w.getByText('en attente de validation par la ville').waitFor()
    expect(await w.getByRole('heading', { name: 'Bar de la Réunion' }).count()).toBe(1)
    const [row] = await halte.db.sql<{ id: string; status: string; opening_hours: string; phone: string; features: string[]; contact_name: string }[]>`
      select id, status, opening_hours, phone, features, contact_name from places where name = 'Bar de la Réunion'`
    expect(row).toMatchObject({ status: 'pending', opening_hours: '24/7', phone: '+33 3 89 00 00 00', features: ['toilets'], contact_name: 'Camille Martin' })
    placeId = row!.id
    // Once noted, the token is not on screen any more.
    await w.getByRole('button', { name: 'J’ai noté mon jeton' }).click()
    expect(await w.getByText(token).count()).toBe(0)
    await ctx.close()
  })

  it('speaks English: the hours preview and the parser’s message', async () => {
    const ctx = await phone(browser)
    const page = await ctx.newPage()
    await page.goto(site.page('/en.html', embedPage(halte.url, 'halte-partner', { network: slug, lang: 'en' })))
    const w = page.locator('halte-partner')
    const hours = w.getByLabel('Opening hours (OpenStreetMap format)')
    await hours.fill('Mo-Sa 18:00-02:00; PH off')
    await expect.poll(() => hoursPreview(page).textContent(), { timeout: 5000 }).toMatch(/(Open|Closed) now · changes at \d\d:\d\d · closed on public holidays/)
    await hours.fill('Mo-Fr 10:00-')
    await expect.poll(() => hoursPreview(page).textContent(), { timeout: 5000 }).toContain('Time range does not continue as expected')
    await ctx.close()
  })

  it('once approved, an alert near the place appears live; “Je m’en occupe” acknowledges it', async () => {
    expect(token).not.toBe('')
    // The operator approves it in <halte-console> on halte's /console page.
    const desk = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' })
    const op = await desk.newPage()
    await op.goto(`${halte.url}/console?network=${slug}`)
    const consoleEl = op.locator('halte-console')
    await consoleEl.getByLabel('Jeton d’accès').fill(operator)
    await consoleEl.getByRole('button', { name: 'Se connecter' }).click()
    await consoleEl.getByRole('tab', { name: 'Modération' }).click()
    const queue = consoleEl.locator('halte-console-moderation')
    await queue.getByRole('button', { name: 'Approuver : Bar de la Réunion' }).click()
    await queue.getByText('Bar de la Réunion : approuvé').waitFor()
    await desk.close()
    const [approved] = await halte.db.sql<{ status: string }[]>`select status from places where id = ${placeId}`
    expect(approved!.status).toBe('active')
    // halte tells only places it can reach by push: this place has a phone subscribed.
    const sub = await halte.request('/v1/partner/push-subscriptions', { method: 'POST', token, json: subscription() })
    expect(sub.status).toBe(201)

    const ctx = await phone(browser)
    const page = await ctx.newPage()
    await page.goto(site.page('/espace.html', embedPage(halte.url, 'halte-partner', { network: slug, lang: 'fr', token })))
    const w = page.locator('halte-partner')
    await w.getByText('actif — votre lieu est affiché').waitFor()
    await w.getByText('Aucune alerte en cours.').waitFor()
    await w.getByText('Suivi en direct').waitFor()
    // Embedded on the city's origin: no service worker here, a link to halte's own page.
    const link = w.getByRole('link', { name: 'Ouvrir l’espace partenaire halte' })
    expect(await link.getAttribute('href')).toBe(`${halte.url}/partner?network=${slug}`)
    expect(await w.getByText('ouvrez l’espace partenaire halte').count()).toBe(1)
    expect(await w.getByRole('button', { name: 'Recevoir les alertes sur cet appareil' }).count()).toBe(0)
    expect(await axeViolations(page)).toEqual([])

    const raised = await halte.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: { lat: 47.7505, lon: 7.3205 } } })
    expect(raised.status).toBe(201)
    const alertId = ((await raised.json()) as { id: string }).id
    await w.getByText('Nouvelle alerte près de votre lieu').waitFor({ timeout: 10_000 })
    const card = w.getByRole('listitem').filter({ hasText: 'Une personne a demandé de l’aide' })
    expect(await card.textContent()).toMatch(/à environ \d+ m de votre lieu/)
    expect(await card.textContent()).toContain('personne ne s’en occupe encore')
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'halte-partner-manage')

    await card.getByRole('button', { name: 'Je m’en occupe' }).click()
    await w.getByText('Vous avez indiqué vous en occuper.').waitFor()
    expect(await card.textContent()).toContain('prise en charge')
    const seen = await halte.request(`/v1/alerts/${alertId}`, { token: operator })
    expect(((await seen.json()) as { status: string }).status).toBe('acknowledged')
    const [ack] = await halte.db.sql<{ actor_role: string; actor_place_id: string }[]>`
      select actor_role, actor_place_id from alert_events where alert_id = ${alertId} and kind = 'acknowledged'`
    expect(ack).toEqual({ actor_role: 'partner', actor_place_id: placeId })
    await ctx.close()
  })

  it('edits the hours with the preview, asks for a new phone, adds a closure, signs out and back in', async () => {
    const ctx = await phone(browser)
    const page = await ctx.newPage()
    await page.goto(pageFr())
    const w = page.locator('halte-partner')
    // Sign in by typing the token.
    await w.getByRole('button', { name: 'J’ai déjà un jeton partenaire' }).click()
    await w.getByLabel('Jeton d’accès').fill(token)
    await w.getByRole('button', { name: 'Se connecter' }).click()
    await w.getByRole('heading', { name: 'Bar de la Réunion' }).waitFor()

    const hours = w.getByLabel('Horaires d’ouverture (format OpenStreetMap)')
    expect(await hours.inputValue()).toBe('24/7')
    await hours.fill('Mo-Su 17:00-03:00; PH off')
    await expect.poll(() => hoursPreview(page, 'ed-hours').textContent(), { timeout: 5000 }).toMatch(/(Ouvert|Fermé) maintenant · change à (17|03):00 · jours fériés fermés/)
    await w.getByLabel('Téléphone (facultatif)').fill('+33 3 89 11 11 11')
    await w.getByRole('button', { name: 'Enregistrer' }).first().click()
    await w.getByText('en attente de validation par la ville ; l’ancien reste affiché').waitFor()
    const [place] = await halte.db.sql<{ opening_hours: string; phone: string }[]>`select opening_hours, phone from places where id = ${placeId}`
    expect(place).toEqual({ opening_hours: 'Mo-Su 17:00-03:00; PH off', phone: '+33 3 89 00 00 00' })
    const mine = (await (await halte.request('/v1/partner/place', { token })).json()) as { properties: { pending_change: { phone: string } } }
    expect(mine.properties.pending_change.phone).toBe('+33 3 89 11 11 11')

    // A closure, typed in the city's time.
    await w.getByLabel('Du', { exact: true }).fill('2030-12-24T18:00')
    await w.getByLabel('Au', { exact: true }).fill('2030-12-26T09:00')
    await w.getByLabel('Raison (facultatif)').fill('Noël')
    await w.getByRole('button', { name: 'Ajouter la fermeture' }).click()
    await w.getByText('Fermeture enregistrée.').waitFor()
    const item = w.getByRole('listitem').filter({ hasText: 'Fermé exceptionnellement du' })
    expect(await item.textContent()).toMatch(/du mardi 24 décembre.*18:00 au jeudi 26 décembre.*09:00 — Noël/)
    const [closure] = await halte.db.sql<{ starts_at: Date; ends_at: Date }[]>`select starts_at, ends_at from place_closures where place_id = ${placeId}`
    expect(closure!.starts_at.toISOString()).toBe('2030-12-24T17:00:00.000Z')
    expect(closure!.ends_at.toISOString()).toBe('2030-12-26T08:00:00.000Z')

    // Training: the date and how many were trained, served at once.
    await w.getByLabel('Date de la dernière formation').fill('2026-11-14')
    await w.getByLabel('Nombre de personnes formées').fill('3')
    await w.getByRole('button', { name: 'Enregistrer' }).nth(1).click()
    await w.locator('form.training').getByText('Enregistré.').waitFor()
    const [trained] = await halte.db.sql<{ training_date: string; trained_staff: number }[]>`
      select to_char(training_date, 'YYYY-MM-DD') as training_date, trained_staff from places where id = ${placeId}`
    expect(trained).toEqual({ training_date: '2026-11-14', trained_staff: 3 })

    await w.getByRole('button', { name: 'Se déconnecter' }).click()
    await w.getByLabel('Jeton d’accès').waitFor()
    expect(await w.getByRole('heading', { name: 'Bar de la Réunion' }).count()).toBe(0)
    await w.getByLabel('Jeton d’accès').fill(token)
    await w.getByLabel('Jeton d’accès').press('Enter')
    await w.getByRole('heading', { name: 'Bar de la Réunion' }).waitFor()
    // The form is gone: the keyboard user is taken to the place's name.
    await expect.poll(() => page.evaluate(() => document.querySelector('halte-partner')?.shadowRoot?.activeElement?.id)).toBe('halte-place-title')
    await ctx.close()
  })

  it('a wrong token is refused in words', async () => {
    const ctx = await phone(browser)
    const page = await ctx.newPage()
    await page.goto(pageFr())
    const w = page.locator('halte-partner')
    await w.getByRole('button', { name: 'J’ai déjà un jeton partenaire' }).click()
    await w.getByLabel('Jeton d’accès').fill('not-a-token-0123456789')
    await w.getByRole('button', { name: 'Se connecter' }).click()
    await w.getByRole('alert').filter({ hasText: /jeton|token/i }).waitFor()
    expect(await w.getByLabel('Jeton d’accès').count()).toBe(1)
    await ctx.close()
  })

  it('on halte’s own /partner page, the service worker registers and this device subscribes (or says why not)', async () => {
    const ctx = await phone(browser)
    await ctx.grantPermissions(['notifications'], { origin: halte.url })
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/partner?network=${slug}`)
    const w = page.locator('halte-partner')
    await w.getByRole('button', { name: 'J’ai déjà un jeton partenaire' }).click()
    await w.getByLabel('Jeton d’accès').fill(token)
    await w.getByRole('button', { name: 'Se connecter' }).click()
    const before = await subscriptionCount()
    await w.getByRole('button', { name: 'Recevoir les alertes sur cet appareil' }).click()
    const outcome = w.locator('#halte-device-title ~ div[aria-live]')
    await expect.poll(() => outcome.textContent(), { timeout: 15_000 }).toMatch(/Cet appareil recevra les alertes|Le navigateur n’a pas pu s’abonner/)
    // The worker from halte's origin is installed and active.
    const script = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration('/widgets/')
      return reg?.active?.scriptURL ?? null
    })
    expect(script).toBe(`${halte.url}/widgets/halte-sw.js`)
    const text = (await outcome.textContent()) ?? ''
    if (text.includes('Cet appareil recevra les alertes')) {
      expect(await subscriptionCount()).toBe(before + 1)
    } else {
      // Headless Chromium without a push service: the refusal is said, nothing stored.
      console.warn(`[partner test] pushManager.subscribe refused: ${text}`)
      expect(await subscriptionCount()).toBe(before)
    }

    // What the worker does with halte's alert push (delivered as DevTools does): a
    // notification in words, whose link opens this network's partner page.
    const payload = { type: 'alert', alert_id: crypto.randomUUID(), network: slug, status: 'open', audience: 'partner' }
    expect((await pushToServiceWorker(ctx, page, halte.url, JSON.stringify(payload)))[0]).toEqual({
      title: 'halte : une personne a besoin d’aide près de chez vous',
      body: 'Ouvrez l’espace partenaire pour dire « Je m’en occupe ».',
      url: `${halte.url}/partner?network=${slug}`,
    })
    await ctx.close()
  })

  it('sends the browser’s subscription to halte, which stores it for the place', async () => {
    // Headless Chromium has no push service (subscribe answers "permission denied"):
    // the browser's half is stood in for, with keys a push library could encrypt to.
    const fake = subscription()
    const ctx = await phone(browser)
    await ctx.grantPermissions(['notifications'], { origin: halte.url })
    await ctx.addInitScript((sub) => {
      const asSubscription = { endpoint: sub.endpoint, toJSON: () => sub }
      PushManager.prototype.getSubscription = async () => null
      PushManager.prototype.subscribe = async () => asSubscription as unknown as PushSubscription
    }, fake)
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/partner?network=${slug}`)
    const w = page.locator('halte-partner')
    await w.getByRole('button', { name: 'J’ai déjà un jeton partenaire' }).click()
    await w.getByLabel('Jeton d’accès').fill(token)
    await w.getByRole('button', { name: 'Se connecter' }).click()
    await w.getByRole('button', { name: 'Recevoir les alertes sur cet appareil' }).click()
    await w.getByText('Cet appareil recevra les alertes.').waitFor()
    const rows = await halte.db.sql<{ owner: string; p256dh: string }[]>`
      select owner, p256dh from push_subscriptions where place_id = ${placeId} and endpoint = ${fake.endpoint}`
    expect(rows).toEqual([{ owner: 'place', p256dh: fake.keys.p256dh }])
    await ctx.close()
  })

  it('says so when the server has no push configured or the permission is refused', async () => {
    const ctx = await phone(browser)
    // Notifications refused by the person.
    await ctx.grantPermissions([], { origin: halte.url })
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/partner?network=${slug}`)
    const w = page.locator('halte-partner')
    await w.getByRole('button', { name: 'J’ai déjà un jeton partenaire' }).click()
    await w.getByLabel('Jeton d’accès').fill(token)
    await w.getByRole('button', { name: 'Se connecter' }).click()
    await page.route('**/v1/push/vapid-public-key', (r) =>
      r.fulfill({ status: 404, contentType: 'application/problem+json', body: JSON.stringify({ code: 'not_found', title: 'Introuvable' }) }),
    )
    await w.getByRole('button', { name: 'Recevoir les alertes sur cet appareil' }).click()
    await w.getByText('Les notifications ne sont pas configurées sur ce serveur halte').waitFor()
    await page.unroute('**/v1/push/vapid-public-key')
    await w.getByRole('button', { name: 'Recevoir les alertes sur cet appareil' }).click()
    await w.getByText('Vous avez refusé les notifications. Autorisez-les dans les réglages du navigateur, puis réessayez.').waitFor()
    await ctx.close()
  })

  it('leaves the network after confirming, and the place stops being shown', async () => {
    const ctx = await phone(browser)
    const page = await ctx.newPage()
    await page.goto(site.page('/quitter.html', embedPage(halte.url, 'halte-partner', { network: slug, lang: 'fr', token })))
    const w = page.locator('halte-partner')
    await w.getByRole('button', { name: 'Quitter le réseau' }).click()
    // One tap is not enough: a second, explicit one.
    const [still] = await halte.db.sql<{ status: string }[]>`select status from places where id = ${placeId}`
    expect(still!.status).toBe('active')
    await w.getByRole('button', { name: 'Confirmer : quitter le réseau' }).click()
    await w.getByText('retiré du réseau').waitFor()
    const [gone] = await halte.db.sql<{ status: string }[]>`select status from places where id = ${placeId}`
    expect(gone!.status).toBe('withdrawn')
    // Nothing left to edit: halte would refuse it.
    expect(await w.getByRole('heading', { name: 'Horaires, téléphone, services' }).count()).toBe(0)
    await ctx.close()
  })

  async function subscriptionCount() {
    const [r] = await halte.db.sql<{ n: number }[]>`select count(*)::int as n from push_subscriptions where place_id = ${placeId}`
    return r!.n
  }
})
