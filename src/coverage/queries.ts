import type { Fragment } from 'postgres'
import { type Db, numberArray, textArray } from '../db/types.ts'

// Coverage reads three things from the database: the frame (where people are, as a
// box), the grid's cells with the refuges within reach of each centre, and the refuges'
// materialised open periods (the same truth as the nearest search). The arithmetic over
// cells and hours is the caller's.

// Refuges as the public meets them: active, not a help desk. A temporary place's
// validity is already cut into its open periods.
const refuge = (sql: Db, networkId: string) => sql`
  p.status = 'active' and p.network_id = ${networkId} and p.kind <> 'support_service'`

// Where people are, without a drawn area: around the network's refuges and stops.
export const AROUND_M = 1000

export interface Frame {
  has_area: boolean
  xmin: number | null
  ymin: number | null
  xmax: number | null
  ymax: number | null
  lat: number | null
  lon: number | null
}

// Points where people are when the network has no area: its refuges and stops (x, y in
// Mercator, and their geography for exact measures).
const anchors = (sql: Db, networkId: string) => sql`
  select p.merc as m, p.location as g from places p where ${refuge(sql, networkId)}
  union all
  select st_transform(s.location::geometry, 3857), s.location from transit_stops s
  where s.feed_id in (select id from gtfs_feeds where network_id = ${networkId}) and s.location is not null`

// The box (Web Mercator) that holds every cell: the network's area, or its refuges and
// stops (the caller widens it by AROUND_M). Null bounds: nothing to cover.
export async function coverageFrame(sql: Db, networkId: string): Promise<Frame> {
  const [row] = await sql<Frame[]>`
    with n as (select area from networks where id = ${networkId}),
    b as (
      select case when (select area from n) is not null
        then (select st_transform((select area from n)::geometry, 3857))
        else (select st_collect(a.m) from (${anchors(sql, networkId)}) a)
        end as g
    )
    select (select area from n) is not null as has_area,
      st_xmin(g) as xmin, st_ymin(g) as ymin, st_xmax(g) as xmax, st_ymax(g) as ymax,
      st_y(st_transform(st_centroid(st_envelope(g)), 4326)) as lat, st_x(st_transform(st_centroid(st_envelope(g)), 4326)) as lon
    from b`
  return row!
}

export interface CellRow {
  i: number
  j: number
  lon: number
  lat: number
  // GeoJSON Polygon text, when asked for.
  polygon: string | null
  // Refuges whose distance to the centre is at most the asked distance, and those
  // distances (in no particular order).
  ids: string[] | null
  distances: number[] | null
}

export interface GridQuery {
  networkId: string
  hasArea: boolean
  // The cells' columns and rows to consider (the box), and their side in Web Mercator units.
  columns: [number, number]
  rows: [number, number]
  size: number
  // Mercator units per metre at the grid's latitude (1 / cos(latitude)).
  stretch: number
  distanceM: number
  // At most this many cells come back: one more than the cap says "too many".
  limit: number
  polygons: boolean
}

// Cell offsets (di, dj) from a point's own cell that may hold a centre within `metres`
// of it, with a margin for Mercator's change of scale across a city.
function offsets(metres: number, size: number, stretch: number) {
  const reach = (metres * stretch * 1.05) / size
  const n = Math.ceil(reach) + 1
  const di: number[] = []
  const dj: number[] = []
  for (let i = -n; i <= n; i++) {
    for (let j = -n; j <= n; j++) {
      if (Math.max(0, Math.abs(i) - 1) ** 2 + Math.max(0, Math.abs(j) - 1) ** 2 <= reach ** 2) {
        di.push(i)
        dj.push(j)
      }
    }
  }
  return { di: numberArray(di), dj: numberArray(dj) }
}

// The (i, j) cells around each point of a CTE (rows with x, y in Mercator and k =
// cos(latitude)) and the planar distance q from the point to each cell's centre, in
// metres: Mercator's planar lengths are the spheroid's times 1/cos(latitude), to within
// 0.7 % anywhere and 0.2 % at mid-latitudes.
function candidates(sql: Db, points: string, metres: number, q: GridQuery) {
  const o = offsets(metres, q.size, q.stretch)
  return sql`
    select a.*, c.i, c.j,
      sqrt(power((c.i::float8 + 0.5) * ${q.size}::float8 - a.x, 2) + power((c.j::float8 + 0.5) * ${q.size}::float8 - a.y, 2)) * a.k as q
    from ${sql(points)} a,
      lateral (select floor(a.x / ${q.size}::float8)::int + o.di as i, floor(a.y / ${q.size}::float8)::int + o.dj as j
               from unnest(${o.di}::int[], ${o.dj}::int[]) o(di, dj)) c`
}

const centreOf = (sql: Db, size: number, i: Fragment, j: Fragment) =>
  sql`st_transform(st_setsrid(st_makepoint((${i}::float8 + 0.5) * ${size}::float8, (${j}::float8 + 0.5) * ${size}::float8), 3857), 4326)`

// The cells of the square grid whose centre lies where people are, each with the
// refuges within distanceM (geodesic, as the nearest search measures) of its centre.
// Squares in Web Mercator aligned on its origin: cell (i, j) is ST_Square(size, i, j),
// the one ST_SquareGrid cuts there, the same for every hour and every request.
//
// Measured on a city (2,550 cells, 500 refuges, PostgreSQL 15 + PostGIS 3.3): probing
// the places index from each cell cost 0.06 ms a cell. The grid is arithmetic instead:
// each refuge (or stop) lists the few cells around its own, a planar test keeps those
// that may be in reach, and only those are measured on the spheroid; without an area,
// only the thin ring where the planar test cannot decide (±1 %) is.
export async function gridCells(sql: Db, q: GridQuery): Promise<CellRow[]> {
  const [i0, i1] = q.columns
  const [j0, j1] = q.rows
  // Each candidate cell with its centre (4326); inside the area, or near a refuge or stop.
  const inside: Fragment = q.hasArea
    ? sql`select x.* from (select i, j, ${centreOf(sql, q.size, sql`i`, sql`j`)} as c
            from generate_series(${i0}::int, ${i1}::int) i, generate_series(${j0}::int, ${j1}::int) j) x
          where st_intersects((select area::geometry from networks where id = ${q.networkId}), x.c)`
    : sql`select x.i, x.j, ${centreOf(sql, q.size, sql`x.i`, sql`x.j`)} as c from (
            select distinct n.i, n.j from (${candidates(sql, 'anchors', AROUND_M, q)}) n
            where n.q <= ${AROUND_M * 0.99}::float8
              or (n.q <= ${AROUND_M * 1.01}::float8 and st_dwithin(n.g, ${centreOf(sql, q.size, sql`n.i`, sql`n.j`)}::geography, ${AROUND_M}::float8))) x`
  return sql<CellRow[]>`
    with anchors as materialized (
      select a.g, st_x(a.m) as x, st_y(a.m) as y, cos(radians(st_y(a.g::geometry))) as k from (${anchors(sql, q.networkId)}) a
      ${q.hasArea ? sql`where false` : sql``}
    ),
    refuges as materialized (
      select p.id, p.location as g, st_x(p.merc) as x, st_y(p.merc) as y, cos(radians(st_y(p.location::geometry))) as k
      from places p where ${refuge(sql, q.networkId)}
    ),
    cells as materialized (
      select c.i, c.j, c.c, c.c::geography as g from (${inside}) c
      order by c.j, c.i
      limit ${q.limit}
    ),
    near as materialized (
      select n.i, n.j, n.id, n.g from (${candidates(sql, 'refuges', q.distanceM, q)}) n where n.q <= ${q.distanceM * 1.01}::float8
    ),
    pairs as (
      select near.i, near.j, near.id, st_distance(near.g, cells.g) as d
      from near join cells on cells.i = near.i and cells.j = near.j
    )
    select c.i, c.j, st_x(c.c) as lon, st_y(c.c) as lat,
      ${q.polygons ? sql`st_asgeojson(st_transform(st_square(${q.size}::float8, c.i, c.j, st_setsrid(st_makepoint(0, 0), 3857)), 4326), 7)` : sql`null`} as polygon,
      r.ids, r.distances
    from cells c
    left join (
      select i, j, array_agg(id) as ids, array_agg(d) as distances from pairs where d <= ${q.distanceM}::float8 group by i, j
    ) r on r.i = c.i and r.j = c.j
    order by c.j, c.i`
}

export interface RefugeRow {
  id: string
  name: string
  // Open periods overlapping the asked instants: [lower ms, upper ms, lower included, upper included].
  periods: [number | null, number | null, boolean, boolean][]
}

// The refuges found within reach of some cell, with their open periods around the
// asked instants. Deciding each instant here rather than in SQL (one `@>` per refuge and
// instant, ordered per refuge) cost 90 ms for 500 refuges over a week; this costs 12.
export async function refugesOpen(sql: Db, ids: string[], from: Date, to: Date) {
  return sql<RefugeRow[]>`
    select p.id, p.name, coalesce((
      select json_agg(json_build_array(extract(epoch from lower(w)) * 1000, extract(epoch from upper(w)) * 1000, lower_inc(w), upper_inc(w)))
      -- Cut to a day around the instants: no unbounded or infinite end reaches JSON.
      from unnest(p.open_periods) r, lateral (select r * tstzrange(${from}::timestamptz - interval '1 day', ${to}::timestamptz + interval '1 day') as w) x
      where r && tstzrange(${from}, ${to}, '[]')), '[]') as periods
    from places p
    where p.id = any(${textArray(ids)}::uuid[])`
}

// Refuges whose materialised window does not hold every instant (the hourly job is
// behind, or the place was never materialised): the caller renews them first.
export async function stalePeriods(sql: Db, networkId: string, from: Date, to: Date) {
  return sql<{ id: string }[]>`
    select p.id from places p
    where ${refuge(sql, networkId)} and (p.periods_from > ${from} or p.periods_to <= ${to})`
}

// For cells with no open refuge within reach: the distance to the nearest open one,
// within the network's search radius (a person would not be sent further). The refuges
// open at `at` are taken once; for each cell the three nearest on the Mercator plane
// are measured on the spheroid (the planar order is the true one to within a fraction
// of a percent).
export async function nearestOpen(sql: Db, networkId: string, at: Date, cells: { lon: number; lat: number }[], radiusM: number) {
  if (cells.length === 0) return []
  return sql<{ k: number; m: number | null }[]>`
    with u as (
      select k, st_setsrid(st_makepoint(lon, lat), 4326)::geography as c,
        st_transform(st_setsrid(st_makepoint(lon, lat), 4326), 3857) as cm, lat
      from unnest(${numberArray(cells.map((c) => c.lon))}::float8[], ${numberArray(cells.map((c) => c.lat))}::float8[]) with ordinality x(lon, lat, k)
    ),
    o as materialized (
      select p.location, st_x(p.merc) as x, st_y(p.merc) as y from places p
      where ${refuge(sql, networkId)} and p.open_periods @> ${at}::timestamptz
        and p.merc && st_expand((select st_extent(cm) from u), ${radiusM}::float8 / cos(radians((select max(abs(lat)) from u))) * 1.01)
    )
    select u.k::int as k, (
      select min(st_distance(q.location, u.c)) from (
        select o.location from o order by power(o.x - st_x(u.cm), 2) + power(o.y - st_y(u.cm), 2) limit 3
      ) q where st_dwithin(q.location, u.c, ${radiusM}::float8)
    ) as m
    from u`
}
