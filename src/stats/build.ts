import type { Db } from '../db/types.ts'
import { RULE_CODES } from '../transit/refusals.ts'
import {
  alertCounts,
  contactCounts,
  dropoffCounts,
  firstAcknowledgements,
  OUTSIDE,
  type Period,
  refugeCounts,
  refusalCounts,
  reportCategories,
  reportCounts,
  sectorNames,
} from './queries.ts'
import { type Cell, K, type KeyedCell, part, partition, single } from './suppress.ts'

// The council's figures for a period, every count of people already suppressed (see
// suppress.ts). Each dimension lists all its keys, zeros included, in a stable order:
// a chart of the 24 hours, or of every sector, has no hole for the reader to guess at.

export const CHANNELS = ['web', 'sms'] as const
export const DROPOFF_OUTCOMES = ['pending', 'accepted', 'declined', 'expired'] as const
export const DECLINE_REASONS = ['unsafe_spot', 'traffic', 'too_late', 'other'] as const
export const REPORT_STATUSES = ['open', 'in_progress', 'closed'] as const
export const CONTACT_KINDS = ['conversation', 'orientation', 'conflict_mediation', 'assistance', 'other'] as const
// A refusal whose trip was not found has no line.
export const NO_ROUTE = 'course inconnue'

type Row = { dim: string; key: string | null; n: number }

// Counts of one dimension over `keys`, any key met in the data but not foreseen added at the end.
function cellsOf(rows: Row[], dim: string, keys: readonly string[], rename: (k: string) => string = (k) => k) {
  const counts = new Map<string, number>()
  for (const r of rows) if (r.dim === dim && r.key !== null) counts.set(rename(r.key), (counts.get(rename(r.key)) ?? 0) + r.n)
  const all = [...keys, ...[...counts.keys()].filter((k) => !keys.includes(k)).sort()]
  return all.map((key) => ({ key, n: counts.get(key) ?? 0 }))
}

const totalOf = (rows: Row[]) => rows.find((r) => r.dim === 'total')?.n ?? 0

function localDays(from: Date, to: Date, timezone: string): string[] {
  const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d)
  const days: string[] = []
  const last = day(new Date(to.getTime() - 1))
  // Noon UTC steps: one per calendar day whatever the zone's offset and its DST changes.
  for (let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() - 1, 12); ; t += 86_400_000) {
    const d = new Date(t).toISOString().slice(0, 10)
    if (d > last) break
    if (d >= day(from)) days.push(d)
  }
  return days
}

export interface Stats {
  k: number
  alerts: {
    total: Cell
    by_hour: KeyedCell[]
    by_day: KeyedCell[]
    by_sector: KeyedCell[]
    by_channel: KeyedCell[]
    escalated: Cell
    false_alarms: Cell
    first_acknowledgement: { acknowledged: Cell; p50_s: number | null; p90_s: number | null; suppressed: boolean }
  }
  refuges: { active: number; trained: number; renewal_due: number }
  dropoffs: {
    scope: 'network'
    requested: Cell
    by_outcome: KeyedCell[]
    declined_by_reason: KeyedCell[]
    refused: Cell
    refused_by_code: KeyedCell[]
    refused_by_route: KeyedCell[]
  }
  reports: { total: Cell; by_category: KeyedCell[]; by_status: KeyedCell[] }
  contacts: { total: Cell; by_sector: KeyedCell[]; by_kind: KeyedCell[] }
}

export async function buildStats(sql: Db, p: Period, network: { training_valid_months: number }, now: Date): Promise<Stats> {
  const [alerts, acks, refuges, dropoffs, refusals, reports, contacts, sectors, categories] = await Promise.all([
    alertCounts(sql, p),
    firstAcknowledgements(sql, p),
    refugeCounts(sql, p, network.training_valid_months, now),
    dropoffCounts(sql, p),
    refusalCounts(sql, p),
    reportCounts(sql, p),
    contactCounts(sql, p),
    sectorNames(sql, p.networkId),
    reportCategories(sql, p.networkId),
  ])
  const sectorKeys = p.sector ? [p.sector] : [...sectors, OUTSIDE]

  const alertCount = totalOf(alerts)
  const alertTotal = single(alertCount)
  const whole = alerts.find((r) => r.dim === 'total')
  const hours = Array.from({ length: 24 }, (_, h) => String(h))
  const byHour = cellsOf(alerts, 'hour', hours).map((c) => ({ key: c.key.padStart(2, '0'), n: c.n }))

  const requested = single(totalOf(dropoffs))
  const outcomes = partition(requested, cellsOf(dropoffs, 'status', DROPOFF_OUTCOMES))
  const declined = outcomes.find((c) => c.key === 'declined')!
  const refused = single(totalOf(refusals))
  const reportTotal = single(totalOf(reports))
  const contactTotal = single(totalOf(contacts))
  const acknowledged = part(alertTotal, alertCount, acks.n)
  const acksShown = acks.n >= K

  return {
    k: K,
    alerts: {
      total: alertTotal,
      by_hour: partition(alertTotal, byHour),
      by_day: partition(alertTotal, cellsOf(alerts, 'day', localDays(p.from, p.to, p.timezone))),
      by_sector: partition(alertTotal, cellsOf(alerts, 'sector', sectorKeys)),
      by_channel: partition(alertTotal, cellsOf(alerts, 'channel', CHANNELS)),
      escalated: part(alertTotal, alertCount, whole?.escalated ?? 0),
      false_alarms: part(alertTotal, alertCount, whole?.false_alarms ?? 0),
      first_acknowledgement: {
        acknowledged,
        p50_s: acksShown ? acks.p50 : null,
        p90_s: acksShown ? acks.p90 : null,
        suppressed: acks.n > 0 && !acksShown,
      },
    },
    refuges,
    dropoffs: {
      scope: 'network',
      requested,
      by_outcome: outcomes,
      declined_by_reason: partition(declined, cellsOf(dropoffs, 'reason', [...DECLINE_REASONS])),
      refused,
      refused_by_code: partition(refused, cellsOf(refusals, 'code', RULE_CODES)),
      refused_by_route: partition(refused, cellsOf(refusals, 'route', [], (k) => k || NO_ROUTE)),
    },
    reports: {
      total: reportTotal,
      by_category: partition(reportTotal, cellsOf(reports, 'category', categories)),
      by_status: partition(reportTotal, cellsOf(reports, 'status', REPORT_STATUSES)),
    },
    contacts: {
      total: contactTotal,
      by_sector: partition(contactTotal, cellsOf(contacts, 'sector', sectorKeys)),
      by_kind: partition(contactTotal, cellsOf(contacts, 'kind', CONTACT_KINDS)),
    },
  }
}
