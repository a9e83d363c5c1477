import type { Db } from '../db/types.ts'
import type { MultiPolygon } from '../geo/schemas.ts'
import type { Network, NetworkCreate, NetworkPatch } from './schemas.ts'

// One function per query. Rows come out already in the API's shape.

export const DROPOFF_DEFAULTS = { max_offset_m: 30, min_ahead_m: 150 }

interface NetworkRow extends Omit<Network, 'dropoff'> {
  dropoff: { hours?: string; max_offset_m?: number; min_ahead_m?: number; route_ids?: string[] }
  excluded_zones: MultiPolygon | null
}

function toNetwork(row: NetworkRow): Network {
  const { excluded_zones, dropoff, ...rest } = row
  return {
    ...rest,
    dropoff: {
      hours: dropoff.hours ?? null,
      max_offset_m: dropoff.max_offset_m ?? DROPOFF_DEFAULTS.max_offset_m,
      min_ahead_m: dropoff.min_ahead_m ?? DROPOFF_DEFAULTS.min_ahead_m,
      route_ids: dropoff.route_ids ?? null,
      excluded_zones,
    },
  }
}

const columns = (sql: Db) => sql`
  id, slug, name, timezone, locale, country_code, region_code, sms_number, alert_radius_m,
  search_radius_m, retention_days, training_valid_months, dropoff,
  st_asgeojson(excluded_zones)::json as excluded_zones, st_asgeojson(area)::json as area,
  to_json(created_at)#>>'{}' as created_at, to_json(updated_at)#>>'{}' as updated_at`

const geo = (sql: Db, g: MultiPolygon | null) => (g ? sql`st_geomfromgeojson(${JSON.stringify(g)})::geography` : null)

function dropoffJson(d: NetworkCreate['dropoff']) {
  const { excluded_zones: _zones, ...rules } = d ?? {}
  return rules
}

export async function insertNetwork(sql: Db, n: NetworkCreate): Promise<Network> {
  const zones = n.dropoff?.excluded_zones ?? null
  const [row] = await sql<NetworkRow[]>`
    insert into networks (slug, name, timezone, locale, country_code, region_code, sms_number,
      alert_radius_m, search_radius_m, retention_days, training_valid_months, dropoff, excluded_zones, area)
    values (${n.slug}, ${n.name}, ${n.timezone}, ${n.locale}, ${n.country_code}, ${n.region_code ?? null},
      ${n.sms_number ?? null}, ${n.alert_radius_m ?? 500}, ${n.search_radius_m ?? 5000},
      ${n.retention_days ?? 15}, ${n.training_valid_months ?? 24}, ${sql.json(dropoffJson(n.dropoff))},
      ${geo(sql, zones)}, ${geo(sql, n.area ?? null)})
    returning ${columns(sql)}`
  return toNetwork(row!)
}

export async function findNetworkBySlug(sql: Db, slug: string): Promise<Network | null> {
  const [row] = await sql<NetworkRow[]>`select ${columns(sql)} from networks where slug = ${slug}`
  return row ? toNetwork(row) : null
}

export async function updateNetwork(sql: Db, id: string, p: NetworkPatch, now: Date): Promise<Network> {
  // Only the fields the caller sent; null clears a nullable one.
  const simple: Record<string, unknown> = { updated_at: now }
  for (const [k, v] of Object.entries(p)) if (k !== 'dropoff' && k !== 'area' && v !== undefined) simple[k] = v
  const zones = p.dropoff?.excluded_zones
  const rules = p.dropoff ? dropoffJson(p.dropoff) : {}
  const [row] = await sql<NetworkRow[]>`
    update networks set ${sql(simple)},
      dropoff = dropoff || ${sql.json(rules)},
      excluded_zones = ${zones === undefined ? sql`excluded_zones` : geo(sql, zones)},
      area = ${p.area === undefined ? sql`area` : geo(sql, p.area)}
    where id = ${id}
    returning ${columns(sql)}`
  return toNetwork(row!)
}

export async function findNetworkById(sql: Db, id: string): Promise<Network | null> {
  const [row] = await sql<NetworkRow[]>`select ${columns(sql)} from networks where id = ${id}`
  return row ? toNetwork(row) : null
}
