import { type Db, textArray } from '../db/types.ts'
import type { MultiPolygon } from '../geo/schemas.ts'

// Sectors of a network and the field tokens scoped to them. A point is in a sector when
// the sector's polygon covers it (its edge included); sectors may overlap where a city
// drew them so, and routing then reaches the people of each.

export interface SectorRef {
  id: string
  name: string
}

const pointGeom = (sql: Db, lat: number, lon: number) => sql`st_setsrid(st_makepoint(${lon}::float8, ${lat}::float8), 4326)`

// The one sector a point falls in (null: none). Where sectors overlap, the smallest wins:
// a district drawn inside a wider one is the more precise answer.
export async function sectorAt(sql: Db, networkId: string, lat: number, lon: number): Promise<SectorRef | null> {
  const [row] = await sql<SectorRef[]>`
    select id, name from sectors
    where network_id = ${networkId} and st_covers(area, ${pointGeom(sql, lat, lon)})
    order by st_area(area), name limit 1`
  return row ?? null
}

export interface SectorFeatureRow {
  id: string
  name: string
  area: MultiPolygon
  on_duty: number
  created_at: Date
  updated_at: Date
}

// Each sector with how many field people are on duty in it now (whole-network ones apart).
export async function listSectors(sql: Db, networkId: string, now: Date) {
  return sql<SectorFeatureRow[]>`
    select s.id, s.name, st_asgeojson(s.area, 7)::json as area, s.created_at, s.updated_at,
      (select count(*)::int from token_sectors ts
         join field_duty d on d.token_id = ts.token_id and d.until > ${now}
         join tokens t on t.id = ts.token_id and t.revoked_at is null and (t.expires_at is null or t.expires_at > ${now})
       where ts.sector_id = s.id) as on_duty
    from sectors s where s.network_id = ${networkId} order by s.name`
}

// Field people on duty with no sector: they hear the whole network.
export async function onDutyWholeNetwork(sql: Db, networkId: string, now: Date): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from field_duty d
    join tokens t on t.id = d.token_id and t.revoked_at is null and (t.expires_at is null or t.expires_at > ${now})
    where d.network_id = ${networkId} and d.until > ${now}
      and not exists (select 1 from token_sectors ts where ts.token_id = d.token_id)`
  return row!.n
}

// Names or ids of the network's sectors, resolved; the ones that match nothing are returned apart.
export async function resolveSectors(sql: Db, networkId: string, refs: string[]): Promise<{ found: SectorRef[]; unknown: string[] }> {
  const rows = await sql<SectorRef[]>`select id, name from sectors where network_id = ${networkId}`
  const found = new Map<string, SectorRef>()
  const unknown: string[] = []
  for (const ref of refs) {
    const hit = rows.find((r) => r.id === ref || r.name === ref) ?? rows.find((r) => r.name.toLowerCase() === ref.toLowerCase())
    if (hit) found.set(hit.id, hit)
    else unknown.push(ref)
  }
  return { found: [...found.values()], unknown }
}

export async function setTokenSectors(sql: Db, tokenId: string, sectorIds: string[]) {
  await sql`delete from token_sectors where token_id = ${tokenId}`
  for (const id of sectorIds) await sql`insert into token_sectors (token_id, sector_id) values (${tokenId}, ${id})`
}

// A token's sectors; empty: the whole network.
export async function tokenSectors(sql: Db, tokenId: string): Promise<SectorRef[]> {
  return sql<SectorRef[]>`
    select s.id, s.name from token_sectors ts join sectors s on s.id = ts.sector_id
    where ts.token_id = ${tokenId} order by s.name`
}

// Whether an alert is within a field token's reach: its location in one of the token's
// sectors, or the token scoped to the whole network. An alert without location is
// within reach of whole-network tokens only.
export async function alertInScope(sql: Db, alertId: string, tokenId: string): Promise<boolean> {
  const [row] = await sql<{ ok: boolean }[]>`
    select case
      when not exists (select 1 from token_sectors where token_id = ${tokenId}) then true
      else exists (
        select 1 from alerts a join token_sectors ts on ts.token_id = ${tokenId}
        join sectors s on s.id = ts.sector_id
        where a.id = ${alertId} and a.location is not null and st_covers(s.area, a.location::geometry))
    end as ok`
  return row!.ok
}

// The sectors a token may no longer lose: those named by a live token, among the ones
// an import would drop. Revoked and expired tokens let go of theirs first.
export async function sectorsStillScoped(sql: Db, networkId: string, keptNames: string[], now: Date): Promise<string[]> {
  await sql`
    delete from token_sectors ts using tokens t, sectors s
    where ts.token_id = t.id and ts.sector_id = s.id and s.network_id = ${networkId}
      and (t.revoked_at is not null or (t.expires_at is not null and t.expires_at <= ${now}))`
  const rows = await sql<{ name: string }[]>`
    select distinct s.name from sectors s join token_sectors ts on ts.sector_id = s.id
    where s.network_id = ${networkId} and not (s.name = any(${textArray(keptNames)}::text[]))
    order by s.name`
  return rows.map((r) => r.name)
}

// Replaces a network's sectors by name: a sector kept keeps its id (the tokens scoped to
// it and the contacts counted in it stay attached), a new one is added, a missing one dropped.
export async function replaceSectors(sql: Db, networkId: string, sectors: { name: string; area: MultiPolygon }[], now: Date) {
  for (const s of sectors) {
    await sql`
      insert into sectors (network_id, name, area, created_at, updated_at)
      values (${networkId}, ${s.name}, st_multi(st_force2d(st_setsrid(st_geomfromgeojson(${JSON.stringify(s.area)}), 4326))), ${now}, ${now})
      on conflict (network_id, name) do update set area = excluded.area, updated_at = excluded.updated_at`
  }
  await sql`delete from sectors where network_id = ${networkId} and not (name = any(${textArray(sectors.map((s) => s.name))}::text[]))`
}
