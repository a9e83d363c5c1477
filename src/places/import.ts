import type { Sql } from 'postgres'
import { HalteError } from '../errors.ts'
import type { Network } from '../networks/schemas.ts'
import { enrolPlace } from './enrol.ts'
import { applicationSchema, KINDS } from './schemas.ts'

// Bulk import for cities that keep their partner list in a spreadsheet: each row is
// checked like a public application and stored in its own transaction, so one bad row
// is reported and skipped while the others land. The city vetted these partners, so
// the charter counts as accepted and `approve` puts them straight into service.

export type ImportRow = Record<string, string | number | null | undefined>

export interface ImportReport {
  imported: { row: number; id: string; name: string; partner_token: string; warnings: string[] }[]
  rejected: { row: number; name: string | null; reason: string }[]
}

const text = (v: ImportRow[string]) => (v === null || v === undefined ? undefined : String(v).trim() || undefined)
const list = (v: ImportRow[string]) =>
  text(v)
    ?.split(/[;,|]/)
    .map((f) => f.trim())
    .filter(Boolean)

function toApplication(r: ImportRow) {
  const kind = text(r.kind)?.toLowerCase()
  return {
    name: text(r.name),
    kind: kind && (KINDS as readonly string[]).includes(kind) ? kind : 'other',
    address: text(r.address) ?? text(r.city),
    location: { lat: Number(text(r.lat) ?? Number.NaN), lon: Number(text(r.lon) ?? Number.NaN) },
    opening_hours: text(r.opening_hours),
    phone: text(r.phone),
    email: text(r.email),
    features: list(r.features),
    contact_name: text(r.contact_name) ?? 'import',
    charter_accepted: true,
    training_date: text(r.training_date),
    trained_staff: text(r.trained_staff) === undefined ? undefined : Number(r.trained_staff),
  }
}

export async function importPlaces(
  sql: Sql,
  network: Network,
  rows: ImportRow[],
  opts: { approve: boolean; now: Date },
): Promise<ImportReport> {
  const report: ImportReport = { imported: [], rejected: [] }
  for (const [i, raw] of rows.entries()) {
    const row = i + 1
    const parsed = applicationSchema.safeParse(toApplication(raw))
    if (!parsed.success) {
      const reason = parsed.error.issues.map((x) => `${x.path.join('.') || 'row'}: ${x.message}`).join('; ')
      report.rejected.push({ row, name: text(raw.name) ?? null, reason })
      continue
    }
    const p = parsed.data
    try {
      const done = await enrolPlace(sql, network, p, {
        status: opts.approve ? 'active' : 'pending',
        actor: 'import',
        reason: 'bulk import',
        now: opts.now,
      })
      report.imported.push({ row, id: done.id, name: p.name, partner_token: done.token, warnings: done.warnings })
    } catch (e) {
      const reason = e instanceof HalteError ? (e.detailText?.en ?? e.code) : e instanceof Error ? e.message : String(e)
      report.rejected.push({ row, name: p.name, reason })
    }
  }
  return report
}
