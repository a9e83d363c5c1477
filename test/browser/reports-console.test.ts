import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken } from '../helpers/app.ts'
import { jpegWithGps } from '../reports/images.ts'
import { axeViolations, hasChromium, launch, type ServedHalte, screenshots, serveHalte } from './harness.ts'

// The console's "Signalements" tab: residents' reports arrive through Open311, the
// operator sees them at their precise point with the photo and the contact, takes one
// on with a public note, and the public Open311 view says so.
describe.skipIf(!hasChromium)('<halte-console> Signalements', () => {
  let halte: ServedHalte
  let browser: Browser
  let operator: string
  const slug = `reports-${crypto.randomUUID().slice(0, 6)}`
  let lightingId: string

  beforeAll(async () => {
    ;[halte, browser] = await Promise.all([serveHalte(), launch()])
    await createNetwork(halte, { slug })
    operator = await createToken(halte, slug, { role: 'operator', label: 'Maison de la tranquillité' })
    const fd = new FormData()
    for (const [k, v] of Object.entries({ service_code: 'poor_lighting', lat: '47.237829', long: '6.024127', description: 'Passage sous la voie ferrée sans lumière', first_name: 'Camille', phone: '+33611223344' })) fd.set(k, v)
    fd.set('media', new Blob([new Uint8Array(jpegWithGps().bytes)], { type: 'image/jpeg' }), 'photo.jpg')
    const lighting = await halte.request(`/open311/v2/${slug}/requests.json`, { method: 'POST', body: fd })
    lightingId = ((await lighting.json()) as { service_request_id: string }[])[0]!.service_request_id
    await halte.request(`/open311/v2/${slug}/requests.json`, {
      method: 'POST',
      json: { service_code: 'harassment', lat: 47.241577, long: 6.019338, description: 'Suivie en sortant du tram' },
    })
  })
  afterAll(async () => {
    await browser?.close()
    await halte?.close()
  })

  it('lists the reports with precise point, photo and contact; a status change with a public note reaches Open311', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' })
    const page = await ctx.newPage()
    const problems: string[] = []
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    await page.goto(`${halte.url}/console?network=${slug}`)
    const consoleEl = page.locator('halte-console')
    await consoleEl.getByLabel('Jeton d’accès').fill(operator)
    await consoleEl.getByRole('button', { name: 'Se connecter' }).click()
    await consoleEl.getByRole('tab', { name: 'Signalements' }).click()
    const panel = consoleEl.locator('halte-console-reports')
    const lighting = panel.locator(`li[data-report="${lightingId}"]`)
    await lighting.getByText('Passage sous la voie ferrée sans lumière').waitFor()
    // The photo, fetched with the operator's token, is shown (loaded, not blocked by the page's CSP).
    const img = lighting.getByRole('img', { name: /Photo jointe/ })
    await img.waitFor()
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(16)
    const text = (await lighting.textContent()) ?? ''
    expect(text).toContain('47.23783, 6.02413')
    expect(text).toContain('Camille · +33611223344')
    expect(text).toContain('Public : publié à ~100 m près')
    const harassment = panel.locator('li', { hasText: 'Suivie en sortant du tram' })
    expect(await harassment.textContent()).toContain('Privé : jamais publié')
    expect(await axeViolations(page)).toEqual([])
    await screenshots(page, 'console-reports')

    await lighting.getByLabel('Note publique (lue par les habitants)').fill('Transmis au service éclairage')
    await lighting.getByRole('button', { name: /Prendre en charge/ }).click()
    await panel.getByText('Signalement mis à jour : Éclairage insuffisant → En cours').waitFor()
    await lighting.getByText('Dernière note publique : Transmis au service éclairage').waitFor()

    const open311 = (await (await halte.request(`/open311/v2/${slug}/requests/${lightingId}.json`)).json()) as Record<string, unknown>[]
    expect(open311[0]).toMatchObject({ status: 'open', status_notes: 'Transmis au service éclairage' })
    const [event] = await halte.db.sql`select to_status, public_note, actor_role from report_events where report_id = ${lightingId} and kind = 'status'`
    expect(event).toMatchObject({ to_status: 'in_progress', public_note: 'Transmis au service éclairage', actor_role: 'operator' })
    expect(problems).toEqual([])
    await ctx.close()
  })
})
