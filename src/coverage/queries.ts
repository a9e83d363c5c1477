import type { Fragment } from 'postgres'
import { type Db, numberArray, textArray } from '../db/types.ts'

// Coverage reads three things from the database, each one statement: the frame (where
// people are, as a box), the grid cells inside it with the refuges within reach of each
// centre, and the refuges' open state at every asked instant from their materialised
// periods (the same truth as the nearest search). The arithmetic over cells and hours
// is done by the caller.

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

// The box (Web Mercator) that holds every cell: the network's area, or its refuges and
// stops (the caller widens it by AROUND_M). Null bounds: nothing to cover.
export async function coverageFrame(sql: Db, networkId: string): Promise<Frame> {
  const [row] = await sql<Frame[]>`
    with n as (select area from networks where id = ${networkId}),
    b as (
      select case when (select area from n) is not null
        then (select st_transform((select area from n)::geometry, 3857))
        else (select st_collect(g) from (
          select p.merc as g from places p where ${refuge(sql, networkId)}
          union all
          select st_transform(s.location::geometry, 3857) from transit_stops s
          where s.feed_id in (select id from gtfs_feeds where network_id = ${networkId}) and s.location is not null) x)
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
  // Refuges whose distance to the centre is at most the asked distance, and those distances.
  ids: string[] | null
  distances: number[] | null
}

export interface GridQuery {
  networkId: string
  hasArea: boolean
  // The box and the cell side, in Web Mercator units.
  box: [number, number, number, number]
  size: number
  // Mercator units per metre near the box (1 / cos(latitude)), with a margin for bounding boxes.
  stretch: number
  distanceM: number
  // At most this many cells come back: one more than the cap says "too many".
  limit: number
  polygons: boolean
}

// The cells of the square grid whose centre lies where people are, each with the
// refuges within distanceM (geodesic, as the nearest search measures) of its centre.
// Squares in Web Mercator aligned on its origin: the same cells for every hour and every
// request with the same size.
export async function gridCells(sql: Db, q: GridQuery): Promise<CellRow[]> {
  const [xmin, ymin, xmax, ymax] = q.box
  const inside: Fragment = q.hasArea
    ? sql`st_intersects((select area::geometry from networks where id = ${q.networkId}), st_transform(g.cm, 4326))`
    : sql`(exists (select 1 from places p where ${refuge(sql, q.networkId)}
                 and p.merc && st_expand(g.cm, ${AROUND_M * q.stretch}::float8)
                 and st_dwithin(p.location, st_transform(g.cm, 4326)::geography, ${AROUND_M}::float8))
           or exists (select 1 from transit_stops s
                 where s.feed_id in (select id from gtfs_feeds where network_id = ${q.networkId})
                 and st_dwithin(s.location, st_transform(g.cm, 4326)::geography, ${AROUND_M}::float8)))`
  return sql<CellRow[]>`
    with g as (
      select s.i, s.j, s.geom, st_centroid(s.geom) as cm
      from st_squaregrid(${q.size}::float8, st_makeenvelope(${xmin}::float8, ${ymin}::float8, ${xmax}::float8, ${ymax}::float8, 3857)) s
    ),
    cells as (
      select g.i, g.j, g.geom, g.cm, st_transform(g.cm, 4326) as c from g where ${inside}
      order by g.j, g.i
      limit ${q.limit}
    )
    select c.i, c.j, st_x(c.c) as lon, st_y(c.c) as lat,
      ${q.polygons ? sql`st_asgeojson(st_transform(c.geom, 4326), 7)` : sql`null`} as polygon,
      r.ids, r.distances
    from cells c left join lateral (
      select array_agg(p.id order by d.m) as ids, array_agg(d.m order by d.m) as distances
      from places p, lateral (select st_distance(p.location, c.c::geography) as m) d
      where ${refuge(sql, q.networkId)}
        and p.merc && st_expand(c.cm, ${q.distanceM * q.stretch}::float8)
        and st_dwithin(p.location, c.c::geography, ${q.distanceM}::float8)
    ) r on true
    order by c.j, c.i`
}

export interface RefugeRow {
  id: string
  name: string
  // One character per asked instant: '1' open, '0' closed.
  open: string
}

// The refuges found within reach of some cell, with their open state at each instant.
export async function refugesOpen(sql: Db, ids: string[], instants: Date[]) {
  return sql<RefugeRow[]>`
    select p.id, p.name,
      (select string_agg(case when p.open_periods @> u.t then '1' else '0' end, '' order by u.k)
       from unnest(${textArray(instants.map((t) => t.toISOString()))}::timestamptz[]) with ordinality u(t, k)) as open
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
// walking the Mercator index outwards and stopping at the network's search radius (a
// person would not be sent further). A few candidates are measured exactly, as the
// Mercator order is the geodesic one only to within a fraction of a percent.
export async function nearestOpen(sql: Db, networkId: string, at: Date, cells: { lon: number; lat: number }[], radiusM: number, stretch: number) {
  if (cells.length === 0) return []
  return sql<{ k: number; m: number | null }[]>`
    select u.k::int as k, (
      select min(st_distance(q.location, u.c)) from (
        select p.location from places p
        where ${refuge(sql, networkId)} and p.open_periods @> ${at}::timestamptz
          and p.merc && st_expand(u.cm, ${radiusM * stretch}::float8)
        order by p.merc <-> u.cm
        limit 3
      ) q where st_dwithin(q.location, u.c, ${radiusM}::float8)
    ) as m
    from (
      select k, st_setsrid(st_makepoint(lon, lat), 4326)::geography as c,
        st_transform(st_setsrid(st_makepoint(lon, lat), 4326), 3857) as cm
      from unnest(${numberArray(cells.map((c) => c.lon))}::float8[], ${numberArray(cells.map((c) => c.lat))}::float8[]) with ordinality x(lon, lat, k)
    ) u`
}
