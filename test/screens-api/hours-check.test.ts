import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, type TestApp, testApp } from '../helpers/app.ts'

// The partner's form reads the opening hours back while they are typed: valid or not
// (never an HTTP error for that), open at an instant, next changes, public holidays.
const NOW = new Date('2026-12-01T12:00:00Z')
let t: TestApp

type Check = {
  valid: boolean
  error: string | null
  warnings: string[]
  open_now: boolean | null
  unknown: boolean
  changes_at: string | null
  next_changes: { at: string; open: boolean }[]
  public_holidays: string
  code?: string
}

const check = async (body: unknown, lang?: string, slug = 'paris') => {
  const res = await t.request(`/v1/networks/${slug}/hours/check`, { method: 'POST', json: body, headers: lang ? { 'accept-language': lang } : {} })
  return { res, body: (await res.json()) as Check }
}

beforeAll(async () => {
  t = await testApp({ clock: { now: () => NOW } })
  await createNetwork(t, { slug: 'paris' })
  await createNetwork(t, { slug: 'colmar', region_code: 'FR-68' })
  await createNetwork(t, { slug: 'montreal', timezone: 'America/Toronto', country_code: 'CA', region_code: 'QC' })
})
afterAll(() => t?.close())

describe('hours check', () => {
  it('on a Tuesday at 15:00 in Paris, Mo-Fr 10:00-19:00 is open and closes at 19:00 that day', async () => {
    const { res, body } = await check({ opening_hours: 'Mo-Fr 10:00-19:00', at: '2026-12-01T15:00:00+01:00' })
    expect(res.status).toBe(200)
    expect(body).toMatchObject({ valid: true, error: null, warnings: [], open_now: true, unknown: false })
    expect(body.changes_at).toBe('2026-12-01T19:00:00+01:00')
    expect(body.next_changes).toEqual([
      { at: '2026-12-01T19:00:00+01:00', open: false },
      { at: '2026-12-02T10:00:00+01:00', open: true },
      { at: '2026-12-02T19:00:00+01:00', open: false },
      { at: '2026-12-03T10:00:00+01:00', open: true },
      { at: '2026-12-03T19:00:00+01:00', open: false },
      { at: '2026-12-04T10:00:00+01:00', open: true },
    ])
    // Silent on holidays: a 25 December that is a weekday opens as any weekday.
    expect(body.public_holidays).toBe('unspecified')
  })

  it('a wall-clock `at` is read in the network’s zone, and the default is now', async () => {
    const local = await check({ opening_hours: 'Mo-Fr 10:00-19:00', at: '2026-12-01T19:30' })
    expect(local.body.open_now).toBe(false)
    expect(local.body.changes_at).toBe('2026-12-02T10:00:00+01:00')
    // NOW is 13:00 in Paris, 07:00 in Montréal.
    expect((await check({ opening_hours: 'Mo-Fr 10:00-19:00' })).body.open_now).toBe(true)
    const mtl = await check({ opening_hours: 'Mo-Fr 10:00-19:00' }, undefined, 'montreal')
    expect(mtl.body.open_now).toBe(false)
    expect(mtl.body.changes_at).toBe('2026-12-01T10:00:00-05:00')
  })

  it('on a French public holiday, "PH off" is closed and says so', async () => {
    const { body } = await check({ opening_hours: 'Mo-Fr 10:00-19:00; PH off', at: '2026-12-25T15:00:00+01:00' })
    expect(body).toMatchObject({ valid: true, open_now: false, public_holidays: 'closed' })
    expect(body.changes_at).toBe('2026-12-28T10:00:00+01:00')
    const open = await check({ opening_hours: 'Mo-Fr,PH 10:00-19:00', at: '2026-12-25T15:00:00+01:00' })
    expect(open.body).toMatchObject({ open_now: true, public_holidays: 'open' })
    // The same value without PH opens on Christmas Day (a Friday).
    expect((await check({ opening_hours: 'Mo-Fr 10:00-19:00', at: '2026-12-25T15:00:00+01:00' })).body.open_now).toBe(true)
    // 26 December is a holiday in Alsace-Moselle only: the network's region decides.
    const stStephen = { opening_hours: 'Mo-Sa 10:00-19:00; PH off', at: '2026-12-26T15:00:00+01:00' }
    expect((await check(stStephen)).body.open_now).toBe(true)
    expect((await check(stStephen, undefined, 'colmar')).body.open_now).toBe(false)
  })

  it('reports "unknown" rather than a guess', async () => {
    const { body } = await check({ opening_hours: 'Mo-Fr 10:00-19:00 unknown', at: '2026-12-01T15:00:00+01:00' })
    expect(body).toMatchObject({ valid: true, unknown: true, open_now: null })
  })

  it('an invalid value is a 200 with the parser’s message in the reader’s language', async () => {
    const fr = await check({ opening_hours: 'Mo-Fr 10:00-' })
    expect(fr.res.status).toBe(200)
    expect(fr.body).toMatchObject({ valid: false, open_now: null, changes_at: null, next_changes: [], warnings: [] })
    expect(fr.body.error).toContain('La plage horaire ne continue pas')
    const en = await check({ opening_hours: 'Mo-Fr 10:00-' }, 'en')
    expect(en.body.error).toContain('Time range does not continue as expected')
    expect((await check({ opening_hours: '' })).body).toMatchObject({ valid: false, error: 'Valeur vide.' })
    const long = await check({ opening_hours: `Mo-Fr 10:00-19:00 "${'x'.repeat(300)}"` }, 'en')
    expect(long.body.valid).toBe(false)
    expect(long.body.error).toMatch(/more than the 255/)
  })

  it('warnings come in French by default and in English on request', async () => {
    const fr = await check({ opening_hours: 'Lu-Ve 10:00-19:00' })
    const en = await check({ opening_hours: 'Lu-Ve 10:00-19:00' }, 'en-GB,en;q=0.9')
    expect(fr.body.valid).toBe(true)
    expect(fr.body.warnings.length).toBeGreaterThan(0)
    expect(en.body.warnings.length).toBe(fr.body.warnings.length)
    expect(fr.body.warnings.join(' ')).toMatch(/Veuillez utiliser l'abréviation anglaise/)
    expect(en.body.warnings.join(' ')).toMatch(/Please use the English abbreviation/)
  })

  it('refuses a missing, oversized or mistyped field, an unknown field and a far instant with a 400', async () => {
    const cases: [unknown, string][] = [
      [{}, 'validation_failed'],
      [{ opening_hours: 'x'.repeat(501) }, 'validation_failed'],
      [{ opening_hours: 12 }, 'validation_failed'],
      [{ opening_hours: '24/7', at: 'tomorrow' }, 'validation_failed'],
      [{ opening_hours: '24/7', extra: true }, 'validation_failed'],
      [{ opening_hours: '24/7', at: '2029-01-01T00:00:00Z' }, 'instant_out_of_range'],
    ]
    for (const [body, code] of cases) {
      const { res, body: problem } = await check(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(problem.code).toBe(code)
    }
  })

  it('refuses what is not JSON or too large, and answers 404 for an unknown network', async () => {
    const text = await t.request('/v1/networks/paris/hours/check', { method: 'POST', body: 'Mo-Fr 10:00-19:00', headers: { 'content-type': 'text/plain' } })
    expect(text.status).toBe(415)
    const huge = await check({ opening_hours: '24/7', note: 'x'.repeat(2_000_000) })
    expect(huge.res.status).toBe(413)
    expect(huge.body.code).toBe('payload_too_large')
    const { res, body } = await check({ opening_hours: '24/7' }, undefined, 'nowhere')
    expect(res.status).toBe(404)
    expect(body.code).toBe('network_not_found')
  })
})
