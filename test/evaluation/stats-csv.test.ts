import { describe, expect, it } from 'vitest'
import type { Stats } from '../../src/stats/build.ts'
import { statsCsv } from '../../src/stats/csv.ts'

// The CSV's cells are safe to open in a spreadsheet: a sector or category named like a
// formula is defused, commas and quotes are quoted, and a hidden count is an empty value.
const cell = (count: number | null) => ({ count, suppressed: count === null })
const stats = {
  k: 5,
  alerts: {
    total: cell(12),
    by_hour: [],
    by_day: [],
    by_sector: [{ key: '=HYPERLINK("http://x")', ...cell(7) }, { key: 'Port, quai "Est"', ...cell(null) }, { key: 'hors secteur', ...cell(null) }],
    by_channel: [],
    escalated: cell(0),
    false_alarms: cell(null),
    first_acknowledgement: { acknowledged: cell(0), p50_s: null, p90_s: null, suppressed: false },
  },
  refuges: { active: 3, trained: 1, renewal_due: 2 },
  dropoffs: { scope: 'network', requested: cell(0), by_outcome: [], declined_by_reason: [], refused: cell(0), refused_by_code: [], refused_by_route: [] },
  reports: { total: cell(0), by_category: [{ key: '+cmd', ...cell(0) }], by_status: [] },
  contacts: { total: cell(0), by_sector: [], by_kind: [] },
} satisfies Stats

describe('stats CSV', () => {
  it('defuses formulas, quotes what must be, and leaves hidden counts empty', () => {
    const lines = statsCsv(stats).split('\r\n')
    expect(lines[0]).toBe('section,dimension,key,value,suppressed')
    expect(lines).toContain(`alerts,sector,"'=HYPERLINK(""http://x"")",7,false`)
    expect(lines).toContain('alerts,sector,"Port, quai ""Est""",,true')
    expect(lines).toContain("reports,category,'+cmd,0,false")
    expect(lines).toContain('alerts,false_alarms,,,true')
    expect(lines).toContain('refuges,state,renewal_due,2,false')
    expect(lines.at(-1)).toBe('')
  })
})
