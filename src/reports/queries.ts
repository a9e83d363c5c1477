import type { Db } from '../db/types.ts'
import { textArray } from '../db/types.ts'
import { point } from '../geo/sql.ts'

export interface CategoryRow {
  id: string
  code: string
  name_fr: string
  name_en: string
  description_fr: string
  description_en: string
  visibility: 'public' | 'private'
  group: string
  keywords: string
  active: boolean
}

const categoryColumns = (sql: Db) =>
  sql`id, code, name_fr, name_en, description_fr, description_en, visibility, category_group as "group", keywords, active`

export function listCategories(sql: Db, networkId: string, onlyActive: boolean) {
  return sql<CategoryRow[]>`
    select ${categoryColumns(sql)} from report_categories
    where network_id = ${networkId} ${onlyActive ? sql`and active` : sql``}
    order by position, code`
}

export async function findCategory(sql: Db, networkId: string, code: string): Promise<CategoryRow | null> {
  const [row] = await sql<CategoryRow[]>`select ${categoryColumns(sql)} from report_categories where network_id = ${networkId} and code = ${code}`
  return row ?? null
}

export interface CategoryInput {
  code: string
  name_fr: string
  name_en: string
  description_fr?: string | undefined
  description_en?: string | undefined
  visibility: 'public' | 'private'
  group?: string | undefined
  keywords?: string | undefined
}

export async function insertCategory(sql: Db, networkId: string, c: CategoryInput): Promise<CategoryRow> {
  const [row] = await sql<CategoryRow[]>`
    insert into report_categories (network_id, code, name_fr, name_en, description_fr, description_en, visibility, category_group, keywords, position)
    values (${networkId}, ${c.code}, ${c.name_fr}, ${c.name_en}, ${c.description_fr ?? ''}, ${c.description_en ?? ''}, ${c.visibility},
      ${c.group ?? ''}, ${c.keywords ?? ''}, 1000)
    returning ${categoryColumns(sql)}`
  return row!
}

export type CategoryPatch = Partial<Omit<CategoryInput, 'code'>> & { active?: boolean | undefined }

export async function updateCategory(sql: Db, networkId: string, code: string, p: CategoryPatch): Promise<CategoryRow | null> {
  const [row] = await sql<CategoryRow[]>`
    update report_categories set
      name_fr = coalesce(${p.name_fr ?? null}, name_fr),
      name_en = coalesce(${p.name_en ?? null}, name_en),
      description_fr = coalesce(${p.description_fr ?? null}, description_fr),
      description_en = coalesce(${p.description_en ?? null}, description_en),
      visibility = coalesce(${p.visibility ?? null}, visibility),
      category_group = coalesce(${p.group ?? null}, category_group),
      keywords = coalesce(${p.keywords ?? null}, keywords),
      active = coalesce(${p.active ?? null}::boolean, active)
    where network_id = ${networkId} and code = ${code}
    returning ${categoryColumns(sql)}`
  return row ?? null
}

export interface NewReport {
  networkId: string
  category: CategoryRow
  description: string
  lat: number
  lon: number
  address: string | null
  email: string | null
  firstName: string | null
  lastName: string | null
  phone: string | null
  deviceId: string | null
  photo: { type: string; bytes: Uint8Array } | null
}

// The report, its photo and its first event are one fact: all stored or none.
export async function insertReport(tx: Db, r: NewReport, now: Date): Promise<string> {
  const [row] = await tx<{ id: string }[]>`
    insert into reports (network_id, category_id, private, description, location, address, email, first_name, last_name, phone, device_id, created_at, updated_at)
    values (${r.networkId}, ${r.category.id}, ${r.category.visibility === 'private'}, ${r.description},
      ${point(tx, r.lat, r.lon)}, ${r.address}, ${r.email}, ${r.firstName}, ${r.lastName},
      ${r.phone}, ${r.deviceId}, ${now}, ${now})
    returning id`
  const id = row!.id
  if (r.photo) {
    await tx`insert into report_media (report_id, content_type, bytes, created_at) values (${id}, ${r.photo.type}, ${r.photo.bytes}, ${now})`
  }
  await tx`insert into report_events (report_id, network_id, kind, to_status, actor_role, at) values (${id}, ${r.networkId}, 'created', 'open', 'public', ${now})`
  return id
}

export interface ReportRow {
  id: string
  network_id: string
  status: 'open' | 'in_progress' | 'closed'
  status_notes: string | null
  description: string
  lat: number
  lon: number
  address: string | null
  email: string | null
  first_name: string | null
  last_name: string | null
  phone: string | null
  contact_erased_at: Date | null
  created_at: Date
  updated_at: Date
  // Published: neither taken under a private category nor in one now.
  public: boolean
  category_code: string
  category_name_fr: string
  category_name_en: string
  media_ids: string[]
}

// The grid public output snaps to (see present.ts): 0.001° of latitude is ~111 m, of
// longitude ~75 m at 47° N. A public bbox filter must test the same snapped point: a
// filter on the precise point would let anyone locate it by shrinking the box.
export const GRID_DEG = 0.001

export interface ReportFilter {
  ids?: string[] | undefined
  codes?: string[] | undefined
  statuses?: string[] | undefined
  from?: Date | undefined
  to?: Date | undefined
  bbox?: [number, number, number, number] | undefined
  publicOnly: boolean
  limit: number
  // A field token: only the reports in its sectors (all, for a whole-network token).
  scopeToken?: string | undefined
}

export function listReports(sql: Db, networkId: string, f: ReportFilter) {
  const lat = f.publicOnly ? sql`(floor(st_y(r.location::geometry) / ${GRID_DEG}::float8) * ${GRID_DEG}::float8 + ${GRID_DEG / 2}::float8)` : sql`st_y(r.location::geometry)`
  const lon = f.publicOnly ? sql`(floor(st_x(r.location::geometry) / ${GRID_DEG}::float8) * ${GRID_DEG}::float8 + ${GRID_DEG / 2}::float8)` : sql`st_x(r.location::geometry)`
  return sql<ReportRow[]>`
    select ${reportColumns(sql)}
    from reports r join report_categories c on c.id = r.category_id
    where r.network_id = ${networkId}
      ${f.publicOnly ? sql`and not r.private and c.visibility = 'public'` : sql``}
      ${f.ids ? sql`and r.id = any(${textArray(f.ids)}::uuid[])` : sql``}
      ${f.codes ? sql`and c.code = any(${textArray(f.codes)}::text[])` : sql``}
      ${f.statuses ? sql`and r.status = any(${textArray(f.statuses)}::text[])` : sql``}
      ${f.from ? sql`and r.created_at >= ${f.from}` : sql``}
      ${f.to ? sql`and r.created_at <= ${f.to}` : sql``}
      ${f.scopeToken ? sql`and ${inSectorsOf(sql, f.scopeToken)}` : sql``}
      ${f.bbox ? sql`and ${lon} between ${f.bbox[0]}::float8 and ${f.bbox[2]}::float8 and ${lat} between ${f.bbox[1]}::float8 and ${f.bbox[3]}::float8` : sql``}
    order by r.created_at desc, r.id
    limit ${f.limit}::int`
}

const reportColumns = (sql: Db) => sql`
  r.id, r.network_id, r.status, r.status_notes, r.description,
  st_y(r.location::geometry) as lat, st_x(r.location::geometry) as lon, r.address,
  r.email, r.first_name, r.last_name, r.phone, r.contact_erased_at, r.created_at, r.updated_at,
  (not r.private and c.visibility = 'public') as public,
  c.code as category_code, c.name_fr as category_name_fr, c.name_en as category_name_en,
  array(select m.id::text from report_media m where m.report_id = r.id order by m.created_at, m.id) as media_ids`

export async function findReport(sql: Db, id: string): Promise<ReportRow | null> {
  const [row] = await sql<ReportRow[]>`
    select ${reportColumns(sql)} from reports r join report_categories c on c.id = r.category_id where r.id = ${id}`
  return row ?? null
}

export async function findMedia(sql: Db, id: string) {
  const [row] = await sql<{ report_id: string; content_type: string; bytes: Uint8Array }[]>`
    select report_id, content_type, bytes from report_media where id = ${id}`
  return row ?? null
}

export interface StatusChange {
  reportId: string
  networkId: string
  from: string
  to: string
  publicNote: string | null
  actor: { role: string; tokenId: string | null }
}

export async function changeStatus(tx: Db, ch: StatusChange, now: Date) {
  await tx`update reports set status = ${ch.to}, updated_at = ${now},
             status_notes = coalesce(${ch.publicNote}, status_notes)
           where id = ${ch.reportId}`
  await tx`insert into report_events (report_id, network_id, kind, from_status, to_status, public_note, actor_role, actor_token_id, at)
           values (${ch.reportId}, ${ch.networkId}, 'status', ${ch.from}, ${ch.to}, ${ch.publicNote}, ${ch.actor.role}, ${ch.actor.tokenId}, ${now})`
}

export function reportEvents(sql: Db, reportId: string) {
  return sql<{ kind: string; from_status: string | null; to_status: string; public_note: string | null; actor_role: string; actor_token_id: string | null; at: Date }[]>`
    select kind, from_status, to_status, public_note, actor_role, actor_token_id, at
    from report_events where report_id = ${reportId} order by id`
}

// Past the network's retention period the reporter's contact goes; the report, its
// spot and its history stay (the spot is the problem reported, kept for the follow-up).
export async function eraseReportContacts(sql: Db, now: Date): Promise<number> {
  const erased = await sql`
    update reports r set email = null, first_name = null, last_name = null, phone = null, device_id = null,
      contact_erased_at = ${now}
    from networks n
    where n.id = r.network_id and r.contact_erased_at is null
      and r.created_at < ${now}::timestamptz - make_interval(days => n.retention_days)`
  return erased.count
}

// "This report (alias r) is within a field token's reach": its point in one of the
// token's sectors, or the token scoped to the whole network. Same rule as alerts
// (sectors/queries.ts alertInScope); a report always has a point.
const inSectorsOf = (sql: Db, tokenId: string) => sql`(
  not exists (select 1 from token_sectors ts where ts.token_id = ${tokenId})
  or exists (select 1 from token_sectors ts join sectors sec on sec.id = ts.sector_id
             where ts.token_id = ${tokenId} and st_covers(sec.area, r.location::geometry)))`

export async function reportInScope(sql: Db, reportId: string, tokenId: string): Promise<boolean> {
  const [row] = await sql<{ ok: boolean }[]>`select ${inSectorsOf(sql, tokenId)} as ok from reports r where r.id = ${reportId}`
  return row?.ok ?? false
}

export interface ReportEventRow {
  id: string
  report_id: string
  kind: string
  from_status: string | null
  to_status: string
  actor_role: string
  at: Date
}

// A field token's report stream: the network's report events after a cursor, of the
// reports within its sectors only.
export function fieldReportEventsAfter(sql: Db, networkId: string, tokenId: string, after: string | null, limit: number, since: Date | null) {
  return sql<ReportEventRow[]>`
    select e.id::text, e.report_id, e.kind, e.from_status, e.to_status, e.actor_role, e.at
    from report_events e join reports r on r.id = e.report_id
    where e.network_id = ${networkId} and e.id > ${after ?? '0'}::bigint ${since ? sql`and e.at >= ${since}` : sql``}
      and ${inSectorsOf(sql, tokenId)}
    order by e.id limit ${limit}`
}
