import type { FindingRow, WalkRow } from './queries.ts'

// A walk's findings as the city's GIS and spreadsheets read them: GeoJSON (RFC 7946,
// [lon, lat]) and CSV (RFC 4180, a header row, UTF-8 with a BOM so spreadsheet
// programs read the accents).

export function findingsGeoJson(walk: WalkRow, rows: FindingRow[]) {
  return {
    type: 'FeatureCollection' as const,
    walk: { id: walk.id, title: walk.title, date: walk.date, sector: walk.sector, group: walk.group },
    features: rows.map((f) => ({
      type: 'Feature' as const,
      geometry: { type: 'Point' as const, coordinates: [f.lon, f.lat] as [number, number] },
      properties: {
        id: f.id,
        category: f.category,
        positive: f.positive,
        note: f.note,
        created_at: f.created_at,
        proposed_place_id: f.proposed_place_id,
        report_id: f.report_id,
      },
    })),
  }
}

const CSV_COLUMNS = ['id', 'created_at', 'lat', 'lon', 'category', 'positive', 'note', 'proposed_place_id', 'report_id'] as const

function cell(value: unknown): string {
  if (value === null || value === undefined) return ''
  let text = String(value)
  // A note starting with = + - @ would run as a formula in a spreadsheet.
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function findingsCsv(rows: FindingRow[]): string {
  const lines = [CSV_COLUMNS.join(',')]
  for (const f of rows) lines.push(CSV_COLUMNS.map((k) => cell(f[k])).join(','))
  return `\uFEFF${lines.join('\r\n')}\r\n`
}
