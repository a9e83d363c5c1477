import type { Db } from '../db/types.ts'
import { textArray } from '../db/types.ts'
import { point } from '../geo/sql.ts'
import type { PlaceRow } from '../places/queries.ts'

// Writes of help desks. They are places (kind support_service) so the hours machinery
// materialises and decides them as it does refuges; they carry no partner token.

export interface HelpFields {
  name?: string
  address?: string
  location?: { lat: number; lon: number }
  opening_hours?: string
  helps_with?: string[]
  schedule_note?: string | null
  phone?: string | null
  email?: string | null
  features?: string[]
  hours_warnings?: string[]
  hours_solar?: boolean
}

export async function updateHelpService(sql: Db, id: string, f: HelpFields, now: Date): Promise<void> {
  const { location, ...rest } = f
  const fields: Record<string, unknown> = { updated_at: now }
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) fields[k] = Array.isArray(v) ? textArray(v) : v
  await sql`update places set ${sql(fields)} where id = ${id}`
  if (location) await sql`update places set location = ${point(sql, location.lat, location.lon)} where id = ${id}`
}

export async function findHelpService(sql: Db, networkId: string, id: string): Promise<Pick<PlaceRow, 'id' | 'status' | 'opening_hours'> & { lat: number; lon: number } | null> {
  const [row] = await sql<(Pick<PlaceRow, 'id' | 'status' | 'opening_hours'> & { lat: number; lon: number })[]>`
    select id, status, opening_hours, st_y(location::geometry) as lat, st_x(location::geometry) as lon
    from places where id = ${id} and network_id = ${networkId} and kind = 'support_service'`
  return row ?? null
}
