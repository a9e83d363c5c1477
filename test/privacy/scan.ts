import type { TestApp } from '../helpers/app.ts'

// Every column of every table that can hold a person's data (text, JSON, arrays, bytes,
// geometry, geography), read as text; and every geometry or geography column asked by
// PostGIS itself whether it holds a point within 1 m of a secret one. Nothing is chosen
// by name: a table added tomorrow is read too.

export interface Trace {
  table: string
  column: string
  found: string
}

const TEXTUAL = /^(text|varchar|bpchar|json|jsonb|bytea|_text|_varchar|name|tsvector|geometry|geography|inet|uuid|_uuid)$/

async function columns(t: TestApp) {
  return t.db.sql<{ table_name: string; column_name: string; udt_name: string }[]>`
    select c.table_name, c.column_name, c.udt_name
    from information_schema.columns c
    join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name
    where c.table_schema = current_schema() and tb.table_type = 'BASE TABLE' and c.table_name <> 'spatial_ref_sys'
    order by c.table_name, c.ordinal_position`
}

const q = (id: string) => `"${id.replace(/"/g, '""')}"`

export async function scanForTraces(
  t: TestApp,
  needles: { texts: string[]; points: { lat: number; lon: number }[]; allow?: (table: string, column: string, needle: string) => boolean },
): Promise<Trace[]> {
  const found: Trace[] = []
  // The public GTFS feed: a drop-off point lies on its route's shape by definition.
  const cols = (await columns(t)).filter((c) => !c.table_name.startsWith('transit_'))
  const allow = needles.allow ?? (() => false)
  for (const c of cols.filter((c) => TEXTUAL.test(c.udt_name))) {
    const spatial = c.udt_name === 'geometry' || c.udt_name === 'geography'
    const expr = spatial ? `st_astext(${q(c.column_name)}::geometry)` : c.udt_name === 'bytea' ? `encode(${q(c.column_name)}, 'escape')` : `${q(c.column_name)}::text`
    const rows = await t.db.sql.unsafe<{ v: string }[]>(`select ${expr} as v from ${q(c.table_name)} where ${q(c.column_name)} is not null`)
    for (const { v } of rows) {
      for (const n of needles.texts) if (v.includes(n) && !allow(c.table_name, c.column_name, n)) found.push({ table: c.table_name, column: c.column_name, found: n })
      // Coordinates written as text anywhere (JSON, links, WKT): a latitude and a longitude
      // within ~1 m (1e-5°) of a secret point in the same value.
      const nums = (v.match(/-?\d+\.\d+/g) ?? []).map(Number)
      for (const p of needles.points) {
        if (nums.some((x) => Math.abs(x - p.lat) < 1e-5) && nums.some((x) => Math.abs(x - p.lon) < 1e-5)) {
          found.push({ table: c.table_name, column: c.column_name, found: `${p.lat},${p.lon} as text` })
        }
      }
    }
    if (spatial) {
      for (const p of needles.points) {
        const [row] = await t.db.sql.unsafe<{ n: number }[]>(
          // Any SRID (places.merc is in Web Mercator), brought back to WGS 84.
          `select count(*)::int as n from ${q(c.table_name)}
           where st_srid(${q(c.column_name)}::geometry) <> 0
             and st_dwithin(st_transform(${q(c.column_name)}::geometry, 4326)::geography, st_setsrid(st_makepoint($1, $2), 4326)::geography, 1)`,
          [p.lon, p.lat],
        )
        if (row!.n > 0) found.push({ table: c.table_name, column: c.column_name, found: `${p.lat},${p.lon} within 1 m (${row!.n})` })
      }
    }
  }
  // Two numeric columns side by side (lat, lon) in one row.
  const numeric = cols.filter((c) => /^(float4|float8|numeric)$/.test(c.udt_name))
  const byTable = new Map<string, string[]>()
  for (const c of numeric) byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c.column_name])
  for (const [table, names] of byTable) {
    if (names.length < 2) continue
    const rows = await t.db.sql.unsafe<Record<string, number | null>[]>(`select ${names.map(q).join(', ')} from ${q(table)}`)
    for (const r of rows) {
      const nums = Object.values(r).filter((x): x is number => x !== null).map(Number)
      for (const p of needles.points) {
        if (nums.some((x) => Math.abs(x - p.lat) < 1e-5) && nums.some((x) => Math.abs(x - p.lon) < 1e-5)) found.push({ table, column: names.join('+'), found: `${p.lat},${p.lon} in columns` })
      }
    }
  }
  return found
}
