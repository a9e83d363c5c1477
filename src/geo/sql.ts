import type { Fragment } from 'postgres'
import type { Db } from '../db/types.ts'

// Points and radii as SQL fragments, one way everywhere. Coordinates are cast to float8:
// without types fetched (Workers), a bare parameter is text, and st_makepoint has no
// text overload.

export const point = (sql: Db, lat: number, lon: number) =>
  sql`st_setsrid(st_makepoint(${lon}::float8, ${lat}::float8), 4326)::geography`

// The same point in Web Mercator, to use the places_active_merc_idx index.
export const mercPoint = (sql: Db, lat: number, lon: number) =>
  sql`st_transform(st_setsrid(st_makepoint(${lon}::float8, ${lat}::float8), 4326), 3857)`

// A geodesic radius as a Mercator one: Mercator stretches lengths by 1/cos(latitude);
// 1 % more covers the change of that factor across the radius.
export const mercRadius = (metres: number, lat: number) => (metres / Math.cos((lat * Math.PI) / 180)) * 1.01
// The same, for a radius the query itself reads (a network's setting).
export const mercRadiusSql = (sql: Db, metres: Fragment, lat: number) => sql`(${metres} / cos(radians(${lat}::float8)) * 1.01)`
