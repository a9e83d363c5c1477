import { existsSync, readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { refreshDuePeriods } from '../../src/places/periods.ts'
import { createNetwork, type TestApp, testApp } from '../helpers/app.ts'
import { libraryOracle } from '../helpers/library-oracle.ts'
import { runCli } from '../helpers/process.ts'

// 64 real French places (Niort pharmacies and doctors, Paris restaurants) with their
// OpenStreetMap opening_hours: what halte serves must be what the library says, at
// instants that matter, on both paths (materialised periods and direct evaluation).
const FILE = '../shared/data/opening-hours/french-pois-with-opening-hours.csv'
const present = existsSync(FILE)
if (!present) console.log(`[skip] ${FILE} is absent: the real-data opening-hours checks do not run`)

interface Row {
  name: string
  lat: string
  lon: string
  opening_hours: string
  city: string
}

const CENTRES = [
  { lat: 46.3237, lon: -0.4588 }, // Niort
  { lat: 48.8566, lon: 2.3522 }, // Paris
]

const quarterHours = (from: string, to: string, stepMin = 30) => {
  const out: string[] = []
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepMin * 60_000) out.push(new Date(t).toISOString())
  return out
}

// Each clock materialises a window around itself; its instants lie inside that window.
// Europe/Paris in 2026, written out: the oracle for the spring-forward night.
const PARIS_2026 = [
  { until: '2026-03-29T01:00:00Z', offsetMin: 60 },
  { until: '2026-10-25T01:00:00Z', offsetMin: 120 },
  { until: null, offsetMin: 60 },
]

const CLOCKS: { now: string; instants: string[]; offsets?: typeof PARIS_2026 }[] = [
  {
    now: '2026-07-12T08:00:00Z',
    instants: [
      '2026-07-15T10:00:00Z', // Wednesday noon
      '2026-07-12T13:00:00Z', // Sunday afternoon
      '2026-07-18T23:30:00Z', // Sunday 01:30, after a Saturday evening
      '2026-07-17T23:30:00Z', // Saturday 01:30, after a Friday evening
      '2026-07-14T09:00:00Z', // 14 July, a public holiday
      '2026-07-14T19:45:00Z',
    ],
  },
  { now: '2026-03-27T08:00:00Z', instants: quarterHours('2026-03-28T22:00:00Z', '2026-03-29T03:30:00Z'), offsets: PARIS_2026 },
  { now: '2026-10-22T08:00:00Z', instants: quarterHours('2026-10-24T21:00:00Z', '2026-10-25T03:30:00Z') },
]

const key = (name: string, lat: number, lon: number) => `${name}|${lat.toFixed(5)}|${lon.toFixed(5)}`

let t: TestApp
let rows: Row[]
const DAY = 86_400_000
// Searches accept instants from a day back to two weeks ahead of the service's now:
// each clock below sets it.
let serviceNow = new Date()

beforeAll(async () => {
  if (!present) return
  rows = parse(readFileSync(FILE, 'utf8'), { columns: true, bom: true }) as Row[]
  t = await testApp({ clock: { now: () => serviceNow } })
  await createNetwork(t, { slug: 'france', search_radius_m: 50000 })
})
afterAll(() => t?.close())

describe.skipIf(!present)('real French places: import and open-now against the library', () => {
  it('the bulk import takes every row the library reads and reports every other one with its reason', async () => {
    const child = runCli(['places', 'import', FILE, '--network', 'france', '--approve'], {
      DATABASE_URL: t.db.url,
      HALTE_DB_SCHEMA: t.db.schema,
    })
    expect(await child.exited, child.output()).toBe(0)
    const report = JSON.parse(child.output().slice(child.output().indexOf('{'))) as {
      imported: { row: number }[]
      rejected: { row: number; reason: string }[]
    }
    expect(report.imported.length + report.rejected.length).toBe(rows.length)
    const oracle = libraryOracle(
      'Europe/Paris',
      rows.map((r) => ({ value: r.opening_hours, lat: Number(r.lat), lon: Number(r.lon), instants: [], horizonDays: 1 })),
    )
    // Refused: what the library cannot read, and rows without any address (no city either).
    const refused = rows.flatMap((r, i) => (oracle[i]!.error || !r.city ? [i + 1] : []))
    expect(report.rejected.map((r) => r.row).sort((a, b) => a - b)).toEqual(refused)
    for (const r of report.rejected) {
      expect(r.reason).toMatch(rows[r.row - 1]!.city ? /opening hours/i : /^address:/)
    }
    expect(report.imported.length).toBeGreaterThan(15)
  })

  for (const clock of CLOCKS) {
    for (const path of ['materialised periods', 'direct evaluation'] as const) {
      it(`around ${clock.now.slice(0, 10)}, ${path}: open_now, open_until and next_open are the library's`, async () => {
        const now = new Date(clock.now)
        serviceNow = now
        // The direct path: materialise far away from the instants asked.
        const materialiseAt = path === 'materialised periods' ? now : new Date(now.getTime() - 60 * DAY)
        await refreshDuePeriods(t.db.sql, materialiseAt, { force: true })
        const windowEnd = materialiseAt.getTime() + 21 * DAY
        const served = new Map<string, Map<string, Record<string, unknown>>>()
        for (const at of clock.instants) {
          const byName = new Map<string, Record<string, unknown>>()
          for (const c of CENTRES) {
            const res = await t.request(
              `/v1/networks/france/places/nearest?lat=${c.lat}&lon=${c.lon}&open=false&limit=50&at=${encodeURIComponent(at)}`,
            )
            expect(res.status).toBe(200)
            const body = (await res.json()) as {
              features: { geometry: { coordinates: [number, number] }; properties: Record<string, unknown> }[]
            }
            for (const f of body.features) {
              const [lon, lat] = f.geometry.coordinates
              byName.set(key(String(f.properties.name), lat, lon), f.properties)
            }
          }
          served.set(at, byName)
        }
        const oracle = libraryOracle(
          'Europe/Paris',
          rows.map((r) => ({ value: r.opening_hours, lat: Number(r.lat), lon: Number(r.lon), instants: clock.instants, horizonDays: 30 })),
          { offsets: clock.offsets },
        )
        const imported = rows.flatMap((r, i) => (!oracle[i]!.error && r.city ? [{ r, answer: oracle[i]! }] : []))
        expect(imported.length).toBeGreaterThan(15)
        let opens = 0
        for (const { r, answer } of imported) {
          clock.instants.forEach((at, k) => {
            const got = served.get(at)!.get(key(r.name, Number(r.lat), Number(r.lon)))
            expect(got, `${r.name} served at ${at}`).toBeDefined()
            const atMs = Date.parse(at)
            const horizon = path === 'materialised periods' ? windowEnd : atMs + 14 * DAY
            const intervals = answer.intervals[k]!.map(([s, e]) => [Date.parse(s), Date.parse(e)] as const)
            const first = intervals[0]
            const open = first !== undefined && first[0] <= atMs
            const expected = {
              open_now: open,
              open_until: open && first[1] < horizon ? first[1] : null,
              next_open: open ? null : first && first[0] < horizon ? first[0] : null,
            }
            const ms = (v: unknown) => (v === null ? null : Date.parse(String(v)))
            const actual = { open_now: got!.open_now, open_until: ms(got!.open_until), next_open: ms(got!.next_open) }
            expect(actual, `${r.name} "${r.opening_hours}" at ${at}`).toEqual(expected)
            if (open) opens++
          })
        }
        // The instants were chosen so that both answers occur.
        expect(opens).toBeGreaterThan(0)
        expect(opens).toBeLessThan(imported.length * clock.instants.length)
      })
    }
  }
})
