import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activePlace } from '../alerts/fixtures.ts'
import { createNetwork, createToken } from '../helpers/app.ts'
import { axeViolations, hasChromium, launch, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// The console's "Couverture" tab on a hand-built network (the one of
// test/evaluation/coverage.test.ts): a bar open day and night, closed on Thursday
// 10:00–14:00, and a café open on weekday evenings, off on public holidays.
const NOW = new Date('2026-11-09T09:00:00Z') // Monday 9 November 2026, 10:00 in Paris
const AREA = {
  type: 'MultiPolygon',
  coordinates: [[[[4.83, 45.742], [4.862, 45.742], [4.862, 45.758], [4.83, 45.758], [4.83, 45.742]]]],
}

type Hour = { weekday: number; hour: number; date: string; covered_share: number; uncovered_cells: number }

describe.skipIf(!hasChromium)('<halte-console> Couverture', () => {
  let halte: ServedHalte
  let browser: Browser
  let operator: string
  const slug = `couverture-${crypto.randomUUID().slice(0, 6)}`

  beforeAll(async () => {
    ;[halte, browser] = await Promise.all([serveHalte({ clock: { now: () => NOW } }), launch()])
    await createNetwork(halte, { slug, area: AREA })
    operator = await createToken(halte, slug, { role: 'operator', label: 'Observatoire' })
    const bar = await activePlace(halte, slug, operator, { lat: 45.75, lon: 4.84, name: 'Bar de nuit et de jour', hours: '24/7' })
    await activePlace(halte, slug, operator, { lat: 45.75, lon: 4.852, name: 'Café du soir', hours: 'Mo-Fr 18:00-02:00; PH off' })
    const closed = await halte.request('/v1/partner/closures', {
      method: 'POST',
      token: bar.token,
      json: { from: '2026-11-12T10:00:00+01:00', to: '2026-11-12T14:00:00+01:00' },
    })
    expect(closed.status).toBe(201)
  })
  afterAll(async () => {
    await browser?.close()
    await halte?.close()
  })

  it('shows the week hour by hour with a keyboard slider, the worst hours and the critical refuges, in words', async () => {
    const week = (await (await halte.request(`/v1/networks/${slug}/coverage/week`, { token: operator })).json()) as { hours: Hour[]; cells: number }
    const pct = (h: Hour) => `${Math.round(h.covered_share * 100)} %`
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' })
    const page = await ctx.newPage()
    await page.goto(`${halte.url}/console?network=${slug}`)
    const consoleEl = page.locator('halte-console')
    await consoleEl.getByLabel('Jeton d’accès').fill(operator)
    await consoleEl.getByRole('button', { name: 'Se connecter' }).click()
    await consoleEl.getByRole('tab', { name: 'Couverture' }).click()
    const panel = consoleEl.locator('halte-console-coverage')
    const output = panel.locator('output')
    // It opens on the worst hour: the bar's closure, nobody open.
    await expect.poll(() => output.textContent()).toContain('jeudi 10:00 : 0 % couvert')
    expect(await output.textContent()).toContain(`${week.cells} sur ${week.cells} cellules sans refuge ouvert à moins de 400 m`)

    const slider = panel.getByLabel('Heure de la semaine')
    expect(await slider.getAttribute('aria-valuetext')).toBe('jeudi 10:00, 0 % couvert')
    await slider.focus()
    await page.keyboard.press('Home')
    await expect.poll(() => slider.getAttribute('aria-valuetext')).toMatch(/^lundi 00:00, /)
    // Tuesday 20:00 is 24 + 20 steps to the right: both refuges open.
    for (let i = 0; i < 44; i++) await page.keyboard.press('ArrowRight')
    const tuesday = week.hours.find((h) => h.weekday === 2 && h.hour === 20)!
    await expect.poll(() => output.textContent()).toContain(`mardi 20:00 : ${pct(tuesday)} couvert`)

    // The day's chart writes every hour's figure; the chosen one is marked in words.
    const chart = panel.locator('figure').first()
    expect(await chart.locator('figcaption').textContent()).toBe('Part couverte heure par heure — mardi')
    const desc = await chart.locator('desc').textContent()
    for (const h of week.hours.filter((x) => x.weekday === 2)) expect(desc).toContain(`${String(h.hour).padStart(2, '0')}:00 : ${pct(h)}`)
    expect(await chart.getByText(`${pct(tuesday)} ◀ heure choisie`).count()).toBe(1)

    const worst = panel.getByRole('list', { name: 'Heures les moins couvertes' }).getByRole('listitem')
    expect(await worst.count()).toBe(5)
    expect(await worst.nth(0).textContent()).toContain('jeudi 10:00 : 0 % couvert')
    const critical = panel.getByRole('list', { name: /Refuges critiques/ }).getByRole('listitem')
    expect(await critical.allTextContents()).toEqual([
      expect.stringMatching(/^Bar de nuit et de jour : [\d,]+ % des cellules-heures de la semaine ne dépendent que de lui/),
      expect.stringMatching(/^Café du soir : /),
    ])
    // No tiles on this page: no map, and Leaflet was never asked for.
    expect(await panel.locator('#coverage-map').count()).toBe(0)
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'console-coverage')

    // A given week: its dates, the Armistice included (the café shut on Wednesday 11).
    await panel.getByLabel('Semaine à partir du').fill('2026-11-09')
    await panel.getByRole('button', { name: 'Calculer' }).click()
    await expect.poll(() => output.textContent()).toContain('jeudi 12/11 10:00 : 0 % couvert')

    // With tiles, the chosen hour's cells are drawn: every one, the uncovered ones hatched
    // red. (The tiles themselves come from nowhere here: only the cells matter.)
    await page.evaluate(() => document.querySelector('halte-console')!.setAttribute('tiles', 'http://127.0.0.1:9/{z}/{x}/{y}.png'))
    await panel.getByRole('button', { name: 'Calculer' }).click()
    const map = panel.locator('#coverage-map')
    const red = map.locator('path[fill="#b91c1c"]')
    await expect.poll(() => map.locator('path.leaflet-interactive').count()).toBe(week.cells)
    await expect.poll(() => red.count()).toBe(week.cells)
    await slider.focus()
    await page.keyboard.press('Home')
    for (let i = 0; i < 44; i++) await page.keyboard.press('ArrowRight')
    await expect.poll(() => output.textContent()).toContain('mardi 10/11 20:00')
    await expect.poll(() => red.count()).toBe(tuesday.uncovered_cells)
    await ctx.close()
  })
})
