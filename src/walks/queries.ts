import type { Db } from '../db/types.ts'
import { point } from '../geo/sql.ts'

// One function per query for exploratory walks and their findings.

export interface WalkRow {
  id: string
  network_id: string
  title: string
  date: string
  sector: string | null
  group: string | null
  code_expires_at: string
  created_at: string
}

const walkColumns = (sql: Db) => sql`
  w.id, w.network_id, w.title, w.walk_date::text as date, w.sector, w.group_name as "group",
  to_json(w.code_expires_at)#>>'{}' as code_expires_at, to_json(w.created_at)#>>'{}' as created_at`

export async function insertWalk(
  sql: Db,
  w: { networkId: string; title: string; date: string; sector: string | null; group: string | null; codeHash: string; expiresAt: Date; createdBy: string | null },
  now: Date,
): Promise<WalkRow> {
  const [row] = await sql<WalkRow[]>`
    insert into walks as w (network_id, title, walk_date, sector, group_name, code_hash, code_expires_at, created_at, created_by)
    values (${w.networkId}, ${w.title}, ${w.date}, ${w.sector}, ${w.group}, ${w.codeHash}, ${w.expiresAt}, ${now}, ${w.createdBy})
    returning ${walkColumns(sql)}`
  return row!
}

export async function findWalk(sql: Db, id: string): Promise<WalkRow | null> {
  const [row] = await sql<WalkRow[]>`select ${walkColumns(sql)} from walks w where w.id = ${id}`
  return row ?? null
}

// The walk a participant code opens, whatever its expiry (the caller says which refusal).
export async function walkByCode(sql: Db, codeHash: string): Promise<WalkRow | null> {
  const [row] = await sql<WalkRow[]>`select ${walkColumns(sql)} from walks w where w.code_hash = ${codeHash}`
  return row ?? null
}

export function listWalks(sql: Db, networkId: string, limit: number) {
  return sql<(WalkRow & { findings: number })[]>`
    select ${walkColumns(sql)}, (select count(*) from walk_findings f where f.walk_id = w.id)::int as findings
    from walks w where w.network_id = ${networkId}
    order by w.walk_date desc, w.created_at desc limit ${limit}`
}

export interface FindingRow {
  id: string
  walk_id: string
  lat: number
  lon: number
  category: string
  positive: boolean
  note: string | null
  created_at: string
  proposed_place_id: string | null
  report_id: string | null
}

const findingColumns = (sql: Db) => sql`
  f.id, f.walk_id, st_y(f.location::geometry) as lat, st_x(f.location::geometry) as lon, f.category, f.positive,
  f.note, to_json(f.created_at)#>>'{}' as created_at, f.proposed_place_id, f.report_id`

export async function insertFinding(
  sql: Db,
  f: { walkId: string; lat: number; lon: number; category: string; positive: boolean; note: string | null },
  now: Date,
): Promise<FindingRow> {
  const [row] = await sql<FindingRow[]>`
    insert into walk_findings as f (walk_id, location, category, positive, note, created_at)
    values (${f.walkId}, ${point(sql, f.lat, f.lon)}, ${f.category}, ${f.positive}, ${f.note}, ${now})
    returning ${findingColumns(sql)}`
  return row!
}

export function listFindings(sql: Db, walkId: string) {
  return sql<FindingRow[]>`select ${findingColumns(sql)} from walk_findings f where f.walk_id = ${walkId} order by f.created_at, f.id`
}

export async function findFinding(sql: Db, walkId: string, id: string): Promise<FindingRow | null> {
  const [row] = await sql<FindingRow[]>`
    select ${findingColumns(sql)} from walk_findings f where f.id = ${id} and f.walk_id = ${walkId}`
  return row ?? null
}

// Only once: false when a proposal was already made from this finding (the row lock
// makes a concurrent second proposal wait, then find it taken).
export async function markProposed(sql: Db, id: string, placeId: string): Promise<boolean> {
  const rows = await sql`update walk_findings set proposed_place_id = ${placeId} where id = ${id} and proposed_place_id is null returning id`
  return rows.length === 1
}

export async function markReported(sql: Db, id: string, reportId: string): Promise<boolean> {
  const rows = await sql`update walk_findings set report_id = ${reportId} where id = ${id} and report_id is null returning id`
  return rows.length === 1
}
