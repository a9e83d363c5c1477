import { execFileSync } from 'node:child_process'

// The opening_hours library evaluated where it is at home: in a process whose own
// zone is the network's, with no conversion of ours in between. Tests compare what
// halte serves against this.

export interface OracleCase {
  value: string
  lat: number
  lon: number
  instants: string[]
  horizonDays: number
}

export interface OracleAnswer {
  error: string | null
  // Per instant: open (not unknown) intervals from the instant to instant + horizon, merged.
  intervals: Array<Array<[string, string]>>
}

// Offsets of a zone as a plain table (the test's own, not Intl's): each entry holds
// until the instant `until`. Used where the library misreads its own zone: on a
// spring-forward night, run natively, it moves a range past midnight to the next day.
export interface OffsetRule {
  until: string | null
  offsetMin: number
}

const SCRIPT = `
import { readFileSync } from 'node:fs'
import OpeningHours from 'opening_hours'
const { cases, conf, state, offsets } = JSON.parse(readFileSync(0, 'utf8'))
const rules = offsets?.map((r) => ({ until: r.until ? Date.parse(r.until) : Infinity, off: r.offsetMin * 60000 }))
const offAt = (t) => rules.find((r) => t < r.until).off
// Wall clock (UTC fields) -> instant: the earlier reading if twice, the jump if never.
const toInstant = (w) => {
  const ok = rules.map((r) => w - r.off).filter((t) => offAt(t) === w - t).sort((a, b) => a - b)
  if (ok.length) return ok[0]
  // In a gap: past the end of one rule by its offset, before it by the next one's.
  return rules.find((r, i) => w - r.off >= r.until && i + 1 < rules.length && w - rules[i + 1].off < r.until).until
}
const intervalsOf = (oh, from, to) => {
  if (!rules) return oh.getOpenIntervals(from, to)
  const wall = (d) => new Date(d.getTime() + offAt(d.getTime()))
  return oh.getOpenIntervals(wall(from), wall(to)).map(([s, e, u]) => [new Date(toInstant(s.getTime())), new Date(toInstant(e.getTime())), u])
    .filter(([s, e]) => e > s)
}
const out = cases.map(({ value, lat, lon, instants, horizonDays }) => {
  let oh
  try {
    oh = new OpeningHours(value, { lat, lon, address: { country_code: 'fr', state } }, conf)
  } catch (e) {
    return { error: String(e), intervals: [] }
  }
  return {
    error: null,
    intervals: instants.map((iso) => {
      const from = new Date(iso)
      const to = new Date(from.getTime() + horizonDays * 86400000)
      const merged = []
      for (const [s, e, unknown] of intervalsOf(oh, from, to)) {
        if (unknown) continue
        const last = merged[merged.length - 1]
        if (last && s.getTime() <= last[1].getTime()) { if (e > last[1]) last[1] = e }
        else merged.push([s, e])
      }
      return merged.map(([s, e]) => [s.toISOString(), e.toISOString()])
    }),
  }
})
process.stdout.write(JSON.stringify(out))
`

export function libraryOracle(timeZone: string, cases: OracleCase[], opts: { state?: string; offsets?: OffsetRule[] } = {}): OracleAnswer[] {
  const conf = { mode: 0, tag_key: 'opening_hours', locale: 'en', map_value: false, warnings_severity: 4 }
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    env: { ...process.env, TZ: opts.offsets ? 'UTC' : timeZone },
    input: JSON.stringify({ cases, conf, state: opts.state ?? '', offsets: opts.offsets }),
    maxBuffer: 256 * 1024 * 1024,
  })
  return JSON.parse(out.toString()) as OracleAnswer[]
}
