import { readFile } from 'node:fs/promises'
import { createServer, type Server, type Socket, connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace } from '../alerts/fixtures.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { baseFeed, LAT, uploadFeed } from '../transit/feed.ts'
import { axeViolations, type CitySite, citySite, embedPage, hasChromium, launch, phone, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// A rider at night asks to get off between two stops from the city's site; the driver
// answers from the cab screen. halte's clock is Tuesday 24 Nov 2026, 22:11 in Paris: the
// test feed's trips (22:10–22:14) are running.
const NOW = new Date('2026-11-24T21:11:00Z')

// A TCP relay between the cab screen and halte that can be cut: every open connection
// dropped and new ones refused, as when a bus goes through a tunnel.
async function cuttableRelay(target: string) {
  const { hostname, port } = new URL(target)
  const sockets = new Set<Socket>()
  let down = false
  const server: Server = createServer((client) => {
    if (down) return void client.destroy()
    const upstream = connect(Number(port), hostname)
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a)
      a.pipe(b)
      a.on('error', () => b.destroy())
      a.on('close', () => {
        sockets.delete(a)
        b.destroy()
      })
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut() {
      down = true
      for (const s of sockets) s.destroy()
    },
    restore() {
      down = false
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

describe.skipIf(!hasChromium)('<halte-dropoff> and <halte-driver>', () => {
  let halte: ServedHalte
  let site: CitySite
  let browser: Browser
  let relay: Awaited<ReturnType<typeof cuttableRelay>>
  let riderUrl: string
  let cab: Page // the embedded cab screen of bus 205, shared by the last two journeys
  const slug = `dropoff-${crypto.randomUUID().slice(0, 6)}`
  let bus204: string
  let bus205: string

  const ask = async (trip: string, lon: number) => {
    const res = await halte.request(`/v1/networks/${slug}/dropoffs`, { method: 'POST', json: { trip_id: trip, location: { lat: LAT, lon } } })
    const body = (await res.json()) as { id: string; access_token: string }
    if (res.status !== 201) throw new Error(JSON.stringify(body))
    return body
  }
  const stored = async (id: string) => (await halte.db.sql`select status, decision_reason, decision_note from dropoffs where id = ${id}`)[0]
  const cards = (driver: Locator) => driver.locator('li[data-id]')

  beforeAll(async () => {
    ;[halte, site, browser] = await Promise.all([serveHalte({ clock: { now: () => NOW } }), citySite(), launch()])
    relay = await cuttableRelay(halte.url)
    await createNetwork(halte, { slug, dropoff: { hours: 'Mo-Su 21:00-06:00' } })
    const operator = await createToken(halte, slug, { role: 'operator', label: 'CSU' })
    const feed = baseFeed()
    // Headsigns, as riders read them on the bus.
    feed['trips.txt'] = feed['trips.txt']!.replace('shape_id\n', 'shape_id,trip_headsign\n').replace('TR1,L1,WK,SH1', 'TR1,L1,WK,SH1,Gare').replace('TR1b,L1,WK,SH1', 'TR1b,L1,WK,SH1,Hôpital')
    await uploadFeed(halte, slug, feed)
    // 11 m north of the line, between stops 3 and 4.
    await activePlace(halte, slug, operator, { lat: 47.7501, lon: 7.325, name: 'Bar du Théâtre' })
    bus204 = await createToken(halte, slug, { role: 'driver', label: 'Bus 204', vehicle: '204' })
    bus205 = await createToken(halte, slug, { role: 'driver', label: 'Bus 205', vehicle: '205' })
    riderUrl = site.page('/descente.html', embedPage(halte.url, 'halte-dropoff', { network: slug, lang: 'fr' }))
  })
  afterAll(async () => {
    await browser?.close()
    await relay?.close()
    await site?.close()
    await halte?.close()
  })

  it('a rider asks from the city site; the driver signs in, sees it and declines for traffic; the rider reads why', async () => {
    // The driver, on halte's own page, at the first stop.
    const cabCtx = await phone(browser, { geolocation: { latitude: LAT, longitude: 7.3001 } })
    const cabPage = await cabCtx.newPage()
    await cabPage.goto(`${halte.url}/driver?network=${slug}`)
    const driver = cabPage.locator('halte-driver')
    await driver.getByLabel('Jeton d’accès').fill(bus204)
    await driver.getByRole('button', { name: 'Se connecter' }).click()
    await driver.getByRole('button', { name: 'Courses autour de moi' }).click()
    await driver.getByRole('button', { name: /Ligne 1 → Gare \(course TR1\)/ }).click()
    await driver.getByText('Aucune demande pour le moment.').waitFor()
    await driver.getByText(/Position envoyée il y a \d+ s/).waitFor()
    expect((await halte.db.sql`select trip_id from vehicle_positions where vehicle = '204'`)[0]).toMatchObject({ trip_id: 'TR1' })

    // The rider, on the city's site, near the first stop.
    const ctx = await phone(browser, { geolocation: { latitude: 47.7501, longitude: 7.3002 } })
    const page = await ctx.newPage()
    await page.goto(riderUrl)
    const rider = page.locator('halte-dropoff')
    await expect.poll(() => rider.getByRole('link', { name: 'Police 17' }).count()).toBe(1)
    await rider.getByRole('button', { name: 'Trouver les bus autour de moi' }).click()
    // Both line 1 trips run on the same street: the headsign and the bus number tell them apart.
    await rider.getByRole('button', { name: /Ligne 1 → Hôpital/ }).waitFor()
    expect(await axeViolations(page)).toEqual([])
    await rider.getByRole('button', { name: /Ligne 1 → Gare · Bus 204/ }).click()
    await rider.getByLabel('Un arrêt ou un lieu').fill('théâtre')
    await rider.getByLabel('Un arrêt ou un lieu').press('Enter')
    await rider.getByText('En attente du conducteur…').waitFor()
    expect(await rider.getByText(/Votre demande : Entre Arrêt 3, rue Test et Arrêt 4, rue Test/).count()).toBe(1)
    const kept = JSON.parse((await page.evaluate((k) => sessionStorage.getItem(k), `halte:dropoff:${slug}`)) ?? '{}') as { id: string; access_token: string }
    expect(await stored(kept.id)).toMatchObject({ status: 'pending' })
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'halte-dropoff')

    // The driver sees it first and biggest, and declines it.
    const card = cards(driver).first()
    await card.getByText(/^Après Arrêt 3, rue Test, 37\d m$/).waitFor({ timeout: 5000 })
    expect(await card.getAttribute('data-id')).toBe(kept.id)
    await card.getByRole('button', { name: 'Refuser' }).click()
    await card.getByLabel('Note pour la personne (facultatif)').fill('Travaux, voie étroite')
    expect(await card.getByRole('button', { name: /^(Endroit dangereux|Circulation|Trop tard|Autre raison)$/ }).count()).toBe(4)
    expect(await axeViolations(cabPage)).toEqual([])
    await card.getByRole('button', { name: 'Circulation' }).click()
    await driver.getByText('Aucune demande pour le moment.').waitFor()
    expect(await stored(kept.id)).toMatchObject({ status: 'declined', decision_reason: 'traffic', decision_note: 'Travaux, voie étroite' })

    // The rider reads it in words, within a poll or two.
    await rider.getByText('Refusé : la circulation ne permet pas de s’arrêter. « Travaux, voie étroite »').waitFor({ timeout: 8000 })
    await rider.getByRole('button', { name: 'Nouvelle demande' }).waitFor()
    expect(await axeViolations(page)).toEqual([])

    // Over: the rider takes what halte keeps about it, then erases it.
    const [download] = await Promise.all([page.waitForEvent('download'), rider.getByRole('button', { name: 'Télécharger mes données' }).click()])
    const exported = JSON.parse(await readFile((await download.path())!, 'utf8')) as Record<string, unknown>
    expect(JSON.stringify(exported)).toContain(kept.id)
    await rider.getByRole('button', { name: 'Effacer mes données' }).click()
    expect(await axeViolations(page)).toEqual([])
    await rider.getByRole('button', { name: 'Oui, effacer' }).click()
    await rider.getByText('Vos données ont été effacées.').waitFor()
    const [erased] = await halte.db.sql<{ erased_at: Date | null; snapped: string | null }[]>`select erased_at, snapped::text from dropoffs where id = ${kept.id}`
    expect(erased!.erased_at).not.toBeNull()
    expect(erased!.snapped).toBeNull()
    expect(await page.evaluate((k) => sessionStorage.getItem(k), `halte:dropoff:${slug}`)).toBeNull()
    await ctx.close()
    await cabCtx.close()
  })

  it('a point the rules refuse is explained in plain words, with what to do instead', async () => {
    // 67 m north of the street: near enough to find the bus, too far for it to stop.
    const ctx = await phone(browser, { geolocation: { latitude: 47.7506, longitude: 7.315 } })
    const page = await ctx.newPage()
    await page.goto(riderUrl)
    const rider = page.locator('halte-dropoff')
    await rider.getByRole('button', { name: 'Trouver les bus autour de moi' }).click()
    await rider.getByRole('button', { name: /Ligne 1 → Hôpital/ }).click()
    const before = (await halte.db.sql`select count(*)::int as n from dropoffs`)[0]!.n as number
    await rider.getByRole('button', { name: 'Ici (ma position actuelle)' }).click()
    await rider.getByText('Demande impossible').waitFor()
    expect(await rider.getByText('Ce point est trop loin de la rue où passe le bus. Choisissez un point le long du trajet').count()).toBe(1)
    // halte's own detail, with its numbers, below the plain words.
    expect(await rider.getByText(/Détail : Ce point est à 6\d m du trajet du bus/).count()).toBe(1)
    expect((await halte.db.sql`select count(*)::int as n from dropoffs`)[0]!.n).toBe(before)
    expect(await axeViolations(page)).toEqual([])
    await ctx.close()
  })

  it('the cab screen survives a lost connection: the request sent meanwhile shows once, nothing doubles', async () => {
    const ctx = await phone(browser, { geolocation: { latitude: LAT, longitude: 7.3001 } })
    cab = await ctx.newPage()
    // Embedded with its token, talking to halte through a relay that can be cut.
    await cab.goto(site.page('/cabine.html', embedPage(halte.url, 'halte-driver', { network: slug, lang: 'fr', token: bus205, api: relay.url })))
    const driver = cab.locator('halte-driver')
    await driver.getByRole('button', { name: 'Courses autour de moi' }).click()
    await driver.getByRole('button', { name: /Ligne 1 → Hôpital \(course TR1b\)/ }).click()
    await driver.getByText('Connecté').waitFor()
    const first = await ask('TR1b', 7.315)
    await cards(driver).first().waitFor()
    expect(await cards(driver).count()).toBe(1)

    relay.cut()
    await driver.getByText('Connexion perdue — reconnexion…').waitFor({ timeout: 5000 })
    const second = await ask('TR1b', 7.335)
    await new Promise((r) => setTimeout(r, 1500))
    expect(await cards(driver).count()).toBe(1)
    relay.restore()

    await driver.locator(`li[data-id="${second.id}"]`).waitFor({ timeout: 20_000 })
    await driver.getByText('Connecté').waitFor()
    // Give a late duplicate (stream replay or list merge) the time to show, then count.
    await new Promise((r) => setTimeout(r, 1000))
    expect(await cards(driver).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual([first.id, second.id])
    expect(await driver.getByText('Connexion perdue — reconnexion…').count()).toBe(0)
  })

  it('accept then done, seen by the rider; the night theme stays readable and accessible', async () => {
    const driver = cab.locator('halte-driver')
    const [firstId] = await cards(driver).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!))
    const rows = await halte.db.sql`select id from dropoffs where id = ${firstId!}`
    expect(rows.length).toBe(1)
    const next = cards(driver).first()
    await next.getByRole('button', { name: 'Accepter' }).click()
    await next.getByText('Acceptée : arrêtez-vous à ce point').waitFor()
    expect(await stored(firstId!)).toMatchObject({ status: 'accepted' })
    expect(await axeViolations(cab)).toEqual([])
    await screenshots(cab, 'halte-driver')

    // Night: a dark background, light text, the same words.
    const colours = () => driver.evaluate((el) => ({ bg: getComputedStyle(el).backgroundColor, fg: getComputedStyle(el).color }))
    expect(await colours()).toEqual({ bg: 'rgb(255, 255, 255)', fg: 'rgb(17, 17, 17)' })
    await driver.getByRole('button', { name: 'Mode nuit' }).click()
    expect(await driver.getByRole('button', { name: 'Mode nuit' }).getAttribute('aria-pressed')).toBe('true')
    expect(await colours()).toEqual({ bg: 'rgb(16, 20, 24)', fg: 'rgb(242, 242, 242)' })
    expect(await axeViolations(cab)).toEqual([])
    await screenshots(cab, 'halte-driver-night')

    await next.getByRole('button', { name: 'Fait : descendu' }).click()
    await expect.poll(() => cards(driver).count()).toBe(1)
    expect(await stored(firstId!)).toMatchObject({ status: 'done' })
    await driver.getByRole('button', { name: 'Mode nuit' }).click()
    expect(await colours()).toEqual({ bg: 'rgb(255, 255, 255)', fg: 'rgb(17, 17, 17)' })
    await cab.context().close()
  })

  it('a cab whose phone refuses location says so, and claims its trip at the stop the driver typed', async () => {
    const bus206 = await createToken(halte, slug, { role: 'driver', label: 'Bus 206', vehicle: '206' })
    const ctx = await phone(browser)
    const page = await ctx.newPage()
    await page.goto(site.page('/cabine-206.html', embedPage(halte.url, 'halte-driver', { network: slug, lang: 'fr', token: bus206 })))
    const driver = page.locator('halte-driver')
    await driver.getByText(/^Localisation refusée/).waitFor()
    await driver.getByLabel('Ou tapez un arrêt de la course').fill('Arrêt 1')
    await driver.getByLabel('Ou tapez un arrêt de la course').press('Enter')
    await driver.getByRole('button', { name: /Ligne 2 .*\(course TL\)/ }).click()
    await driver.getByText('Aucune demande pour le moment.').waitFor()
    await driver.getByText(/Position envoyée il y a \d+ s/).waitFor()
    expect((await halte.db.sql`select trip_id from vehicle_positions where vehicle = '206'`)[0]).toMatchObject({ trip_id: 'TL' })
    expect(await driver.getByText(/^Localisation refusée/).count()).toBe(1)
    expect(await axeViolations(page)).toEqual([])
    await ctx.close()
  })

  it('in English, without location: the bus found from a typed stop, the request sent from a typed place', async () => {
    const ctx = await phone(browser)
    const page = await ctx.newPage()
    await page.goto(site.page('/en/drop-off.html', embedPage(halte.url, 'halte-dropoff', { network: slug, lang: 'en' })))
    const rider = page.locator('halte-dropoff')
    await rider.getByRole('button', { name: 'Find the buses around me' }).click()
    await rider.getByText('Your location is not available.', { exact: false }).waitFor()
    await rider.getByLabel('Or type the stop where you got on').fill('Arrêt 1')
    await rider.getByLabel('Or type the stop where you got on').press('Enter')
    const stop = rider.getByRole('button', { name: 'Arrêt 1, rue Test', exact: true })
    // One match goes straight to the buses; several ask which.
    await Promise.race([stop.waitFor(), rider.getByRole('button', { name: /Line 1 → Gare/ }).waitFor()])
    if (await stop.count()) await stop.click()
    await rider.getByRole('button', { name: /Line 1 → Gare · Bus 204/ }).click()
    await rider.getByLabel('A stop or a place').fill('théâtre')
    await rider.getByRole('button', { name: 'Search' }).click()
    await rider.getByText('Waiting for the driver…').waitFor()
    expect(await axeViolations(page)).toEqual([])
    await ctx.close()
  })

  it('a rider following an accepted request reads where the bus will stop', async () => {
    const r = await ask('TR1', 7.318)
    expect((await halte.request(`/v1/driver/dropoffs/${r.id}/accept`, { method: 'POST', token: bus204 })).status).toBe(200)
    const ctx = await phone(browser)
    const page = await ctx.newPage()
    // A reload while following: the request is picked up from sessionStorage.
    await page.addInitScript(
      ([key, value]) => sessionStorage.setItem(key!, value!),
      [`halte:dropoff:${slug}`, JSON.stringify({ id: r.id, access_token: r.access_token, trip: 'Ligne 1 → Gare' })],
    )
    await page.goto(riderUrl)
    const rider = page.locator('halte-dropoff')
    await rider.getByText('Accepté : le bus s’arrêtera après Arrêt 2, rue Test.').waitFor()
    expect(await axeViolations(page)).toEqual([])
    await ctx.close()
  })
})
