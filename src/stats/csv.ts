import type { Stats } from './build.ts'
import type { Cell, KeyedCell } from './suppress.ts'

// One tidy table: section, dimension, key, value, suppressed. A suppressed value is empty
// with suppressed=true (never "<5" in a numeric column); a percentile is in seconds.
const HEADER = 'section,dimension,key,value,suppressed'

function field(v: string): string {
  // Quoted when needed; a leading =, +, -, @ is defused so a spreadsheet never runs it.
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function statsCsv(s: Stats): string {
  const rows: string[][] = []
  const cell = (section: string, dimension: string, key: string, c: Cell) =>
    rows.push([section, dimension, key, c.count === null ? '' : String(c.count), String(c.suppressed)])
  const cells = (section: string, dimension: string, list: KeyedCell[]) => {
    for (const c of list) cell(section, dimension, c.key, c)
  }
  const a = s.alerts
  cell('alerts', 'total', '', a.total)
  cells('alerts', 'hour', a.by_hour)
  cells('alerts', 'day', a.by_day)
  cells('alerts', 'sector', a.by_sector)
  cells('alerts', 'channel', a.by_channel)
  cell('alerts', 'escalated', '', a.escalated)
  cell('alerts', 'false_alarms', '', a.false_alarms)
  const f = a.first_acknowledgement
  cell('alerts', 'first_acknowledgement', 'acknowledged', f.acknowledged)
  cell('alerts', 'first_acknowledgement', 'p50_s', { count: f.p50_s, suppressed: f.suppressed })
  cell('alerts', 'first_acknowledgement', 'p90_s', { count: f.p90_s, suppressed: f.suppressed })
  for (const k of ['active', 'trained', 'renewal_due'] as const) cell('refuges', 'state', k, { count: s.refuges[k], suppressed: false })
  const d = s.dropoffs
  cell('dropoffs', 'requested', '', d.requested)
  cells('dropoffs', 'outcome', d.by_outcome)
  cells('dropoffs', 'declined_reason', d.declined_by_reason)
  cell('dropoffs', 'refused', '', d.refused)
  cells('dropoffs', 'refused_code', d.refused_by_code)
  cells('dropoffs', 'refused_route', d.refused_by_route)
  cell('reports', 'total', '', s.reports.total)
  cells('reports', 'category', s.reports.by_category)
  cells('reports', 'status', s.reports.by_status)
  cell('contacts', 'total', '', s.contacts.total)
  cells('contacts', 'sector', s.contacts.by_sector)
  cells('contacts', 'kind', s.contacts.by_kind)
  return `${[HEADER, ...rows.map((r) => r.map(field).join(','))].join('\r\n')}\r\n`
}
