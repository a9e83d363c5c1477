import type { Db } from '../db/types.ts'
import { point } from '../geo/sql.ts'

// The feed in force is the network's only one: an import deletes its predecessor.
const currentFeed = (sql: Db, networkId: string) =>
  sql`(select id from gtfs_feeds where network_id = ${networkId} order by id desc limit 1)`

export async function listRoutes(sql: Db, networkId: string) {
  return sql<{ id: string; short_name: string | null; long_name: string | null; route_type: number }[]>`
    select route_id as id, short_name, long_name, route_type from transit_routes
    where feed_id = ${currentFeed(sql, networkId)} order by short_name, route_id`
}

export async function nearestStops(sql: Db, networkId: string, q: { lat: number; lon: number; limit: number }) {
  const here = point(sql, q.lat, q.lon)
  const rows = await sql<{ id: string; name: string; lat: number; lon: number; distance_m: number }[]>`
    select stop_id as id, name, lat, lon, round(st_distance(location, ${here})::numeric, 1)::float8 as distance_m
    from transit_stops where feed_id = ${currentFeed(sql, networkId)} and location is not null
    order by location <-> ${here} limit ${q.limit}`
  return rows
}

export interface TripShape {
  feed_id: string
  trip_id: string
  route_id: string
  route_type: number
  shape_id: string
  coords: Array<[number, number]>
  stop_ids: string[]
  stop_names: string[]
  dists_m: number[]
}

// Shapes never change within a feed (a re-import makes a new feed id), and turning one
// into coordinates costs more than the rest of a request: keep the recent ones.
const shapeCache = new Map<string, Array<[number, number]>>()
const SHAPE_CACHE_MAX = 2000

async function shapeCoords(sql: Db, feedId: string, shapeId: string): Promise<Array<[number, number]>> {
  const key = `${feedId}\u0000${shapeId}`
  const hit = shapeCache.get(key)
  if (hit) return hit
  const [row] = await sql<{ coords: Array<[number, number]> }[]>`
    select (st_asgeojson(geog)::json)->'coordinates' as coords from transit_shapes
    where feed_id = ${feedId} and shape_id = ${shapeId}`
  if (shapeCache.size >= SHAPE_CACHE_MAX) shapeCache.delete(shapeCache.keys().next().value!)
  shapeCache.set(key, row!.coords)
  return row!.coords
}

export async function findTripShape(sql: Db, networkId: string, tripId: string): Promise<TripShape | null> {
  const [row] = await sql<Omit<TripShape, 'coords'>[]>`
    select t.feed_id::text, t.trip_id, t.route_id, r.route_type, p.shape_id,
           p.stop_ids, p.dists_m,
           array(select coalesce(s.name, u.id) from unnest(p.stop_ids) with ordinality u(id, n)
                 left join transit_stops s on s.feed_id = t.feed_id and s.stop_id = u.id order by u.n) as stop_names
    from transit_trips t
    join transit_routes r on r.feed_id = t.feed_id and r.route_id = t.route_id
    join transit_patterns p on p.feed_id = t.feed_id and p.pattern_id = t.pattern_id
    where t.feed_id = ${currentFeed(sql, networkId)} and t.trip_id = ${tripId}`
  if (!row) return null
  return { ...row, coords: await shapeCoords(sql, row.feed_id, row.shape_id) }
}
