// CSV (RFC 4180) for spreadsheets: fields with a comma, quote or line break are quoted,
// and a text that a spreadsheet would run as a formula (=, +, -, @ first) is prefixed
// with an apostrophe: token labels and hold reasons are typed by people.
const FORMULA = /^[=+\-@\t\r]/

export function csvField(v: unknown): string {
  if (v === null || v === undefined) return ''
  let text = v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v)
  if (typeof v === 'string' && FORMULA.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function toCsv(header: string[], rows: readonly object[]): string {
  const lines = rows.map((r) => header.map((h) => csvField((r as Record<string, unknown>)[h])).join(','))
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`
}
