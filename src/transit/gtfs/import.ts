import type { Sql } from 'postgres'
import { boolArray, type Db, numberArray, textArray } from '../../db/types.ts'
import { type LonLat, makeLine, stopDistances } from '../geometry.ts'
import { type FeedValidity, feedValidity, validityWarning } from '../feed-age.ts'
import { GTFS_FILES, type GtfsFile, invalidGtfs, readGtfs } from './read.ts'

export interface ImportReport {
  routes: number
  trips: number
  stops: number
  shapes: number
  stop_times: number
  calendar: number
  calendar_dates: number
  patterns: number
  trips_without_shape: number
  shapes_built_from_stops: number
  // The calendar's span, judged in the network's zone on the import's day.
  validity: FeedValidity
  warnings: string[]
}

const BATCH = 5000

type Row = Record<string, unknown>

interface Table {
  name: string
  columns: string[]
  types: string[]
  rows: Row[]
}

// One transaction: the new feed is loaded beside the one in force, checked, measured,
// and only then does it delete the old one. Any error rolls everything back.
export async function importGtfs(sql: Sql, networkId: string, zip: Uint8Array, now: Date = new Date()): Promise<ImportReport> {
  let feedId: string | null = null
  try {
    return (await sql.begin((tx) => load(tx, networkId, zip, now, (id) => (feedId = id)))) as ImportReport
  } catch (e) {
    const pg = e as { code?: string; table_name?: string; detail?: string; message?: string }
    if (pg.code === '23505') throw await duplicateError(zip, fileOf(pg.table_name), pg.detail ?? '', feedId)
    // Values are checked before they reach the database; should one still fail a cast,
    // the feed is refused, not the server, and PostgreSQL's own words carry no row.
    if (pg.code?.startsWith('22')) throw invalidGtfs([{ path: '(feed)', message: pg.message ?? pg.code }])
    throw e
  }
}

// PostgreSQL names a duplicate by its key, which begins with the feed's internal id: that
// id means nothing to the operator. The zip is read again to find the line that repeats
// the key, and the key is told without it.
async function duplicateError(zip: Uint8Array, file: string, detail: string, feedId: string | null) {
  const m = /^Key \((.+?)\)=\((.*)\) already exists\.?$/s.exec(detail)
  if (!m || !feedId || !(GTFS_FILES as readonly string[]).includes(file)) {
    return invalidGtfs([{ path: file || '(feed)', message: 'duplicate row / ligne en double' }])
  }
  const columns = m[1]!.split(', ')
  const shown = columns.filter((c) => c !== 'feed_id')
  let seen = 0
  let found: { line: number; values: string[] } | null = null
  await readGtfs(
    zip,
    (f, row, line) => {
      if (found || f !== file) return
      let mapped: Row | null
      try {
        mapped = mapRow(f, row, `${f}:${line}`)
      } catch {
        return
      }
      if (!mapped) return
      const key = columns.map((c) => (c === 'feed_id' ? feedId : String(mapped[c]))).join(', ')
      if (key === m[2] && ++seen === 2) found = { line, values: shown.map((c) => String(mapped[c])) }
    },
    async () => {},
  ).catch(() => {})
  const where = found as { line: number; values: string[] } | null
  if (!where) return invalidGtfs([{ path: file, message: `duplicate ${shown.join(', ')} / doublon` }])
  return invalidGtfs([
    { path: `${file}:${where.line}`, message: `duplicate ${shown.join(', ')} = ${where.values.map((v) => `"${v}"`).join(', ')} / doublon` },
  ])
}

function fileOf(table = ''): string {
  const map: Record<string, string> = {
    transit_agencies: 'agency.txt',
    transit_routes: 'routes.txt',
    transit_stops: 'stops.txt',
    transit_trips: 'trips.txt',
    transit_stop_times: 'stop_times.txt',
    transit_calendar: 'calendar.txt',
    transit_calendar_dates: 'calendar_dates.txt',
  }
  return map[table] ?? table
}

async function load(tx: Db, networkId: string, zip: Uint8Array, now: Date, onFeed: (id: string) => void): Promise<ImportReport> {
  const [feed] = await tx<{ id: string }[]>`insert into gtfs_feeds (network_id) values (${networkId}) returning id`
  const feedId = feed!.id
  onFeed(String(feedId))
  await tx`create temp table gtfs_shape_points (shape_id text, seq integer, lat double precision, lon double precision) on commit drop`
  // "name:type" (text when untyped; types by their internal names, quotable as identifiers): rows travel as one text array per column.
  const t = (name: string, spec: string[]): Table => ({
    name,
    columns: spec.map((c) => c.split(':')[0]!),
    types: spec.map((c) => c.split(':')[1] ?? 'text'),
    rows: [],
  })
  const tables: Record<GtfsFile, Table> = {
    'agency.txt': t('transit_agencies', ['feed_id:int8', 'agency_id', 'name', 'timezone']),
    'routes.txt': t('transit_routes', ['feed_id:int8', 'route_id', 'agency_id', 'short_name', 'long_name', 'route_type:int4']),
    'stops.txt': t('transit_stops', ['feed_id:int8', 'stop_id', 'name', 'lat:float8', 'lon:float8']),
    'trips.txt': t('transit_trips', ['feed_id:int8', 'trip_id', 'route_id', 'service_id', 'shape_id', 'headsign']),
    'stop_times.txt': t('transit_stop_times', [
      'feed_id:int8',
      'trip_id',
      'stop_sequence:int4',
      'stop_id',
      'arrival_time',
      'departure_time',
    ]),
    'shapes.txt': t('gtfs_shape_points', ['shape_id', 'seq:int4', 'lat:float8', 'lon:float8']),
    'calendar.txt': t('transit_calendar', ['feed_id:int8', 'service_id', 'days:boolean[]', 'start_date:date', 'end_date:date']),
    'calendar_dates.txt': t('transit_calendar_dates', ['feed_id:int8', 'service_id', 'date:date', 'exception_type:int2']),
  }
  const counts: Record<string, number> = {}
  const flush = async (table: Table) => {
    if (table.rows.length === 0) return
    const rows = table.rows
    table.rows = []
    counts[table.name] = (counts[table.name] ?? 0) + rows.length
    if (table.types.some((type) => type.endsWith('[]'))) {
      await tx`insert into ${tx(table.name)} ${tx(rows as Record<string, string>[], table.columns)}`
      return
    }
    // One text array per column, unnested server-side: a handful of parameters per batch
    // instead of one per value, which is what makes 200k stop times quick.
    const arrays = table.columns.map((c) => tx`${textArray(rows.map((r) => (r[c] == null ? null : String(r[c]))))}::text[]`)
    const names = table.columns.map((_, i) => `c${i}`)
    const casts = table.columns.map((c, i) => tx`${tx(names[i]!)}::${tx(table.types[i]!)} as ${tx(c)}`)
    await tx`insert into ${tx(table.name)} (${tx(table.columns)})
             select ${casts.reduce((a, b) => tx`${a}, ${b}`)}
             from unnest(${arrays.reduce((a, b) => tx`${a}, ${b}`)}) as u(${tx(names)})`
  }
  await readGtfs(
    zip,
    (file, row, line) => {
      const r = mapRow(file, row, `${file}:${line}`)
      if (r) tables[file].rows.push(file === 'shapes.txt' ? r : { feed_id: feedId, ...r })
    },
    async () => {
      for (const table of Object.values(tables)) if (table.rows.length >= BATCH) await flush(table)
    },
  )
  for (const table of Object.values(tables)) await flush(table)

  await tx`update transit_stops set location = st_setsrid(st_makepoint(lon, lat), 4326)::geography
           where feed_id = ${feedId} and lat is not null`
  await tx`
    insert into transit_shapes (feed_id, shape_id, geog, length_m)
    select ${feedId}, shape_id, g::geography, st_length(g::geography)
    from (select shape_id, st_makeline(array_agg(st_setsrid(st_makepoint(lon, lat), 4326) order by seq)) as g
          from gtfs_shape_points group by shape_id having count(*) >= 2) s`
  // Fresh rows have no statistics yet: without them the checks below pick nested loops
  // over 200k stop times.
  await tx`analyze transit_routes, transit_stops, transit_trips, transit_stop_times, transit_shapes`
  await checkReferences(tx, feedId)
  const built = await measurePatterns(tx, feedId)
  await tx`delete from gtfs_feeds where network_id = ${networkId} and id <> ${feedId}`

  const [n] = await tx<{ routes: number; trips: number; stops: number; shapes: number; no_shape: number }[]>`
    select (select count(*)::int from transit_routes where feed_id = ${feedId}) as routes,
           (select count(*)::int from transit_trips where feed_id = ${feedId}) as trips,
           (select count(*)::int from transit_stops where feed_id = ${feedId}) as stops,
           (select count(*)::int from transit_shapes where feed_id = ${feedId} and not built_from_stops) as shapes,
           (select count(*)::int from transit_trips where feed_id = ${feedId} and shape_id is null) as no_shape`
  const warnings: string[] = []
  if (n!.no_shape > 0) {
    warnings.push(
      `${n!.no_shape} trip(s) without shape_id: their line was built from their stops in order (${built.shapes} line(s)). / ` +
        `${n!.no_shape} course(s) sans shape_id : tracé reconstruit d'arrêt en arrêt.`,
    )
  }
  // The old feed is gone by now: what is read is the new one's.
  const validity = (await feedValidity(tx, networkId, now))!
  const ending = validityWarning(validity)
  if (ending) warnings.push(ending)
  const report: ImportReport = {
    routes: n!.routes,
    trips: n!.trips,
    stops: n!.stops,
    shapes: n!.shapes,
    stop_times: counts.transit_stop_times ?? 0,
    calendar: counts.transit_calendar ?? 0,
    calendar_dates: counts.transit_calendar_dates ?? 0,
    patterns: built.patterns,
    trips_without_shape: n!.no_shape,
    shapes_built_from_stops: built.shapes,
    validity,
    warnings,
  }
  await tx`update gtfs_feeds set report = ${tx.json(report as never)} where id = ${feedId}`
  return report
}

// GTFS numbers are plain decimals: no hex, no exponent, no spaces inside, nothing a
// column type would read differently from what the feed meant.
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/
const INTEGER = /^[+-]?\d+$/
// A GTFS time: hours may pass 24 (trips after midnight), minutes and seconds may not pass 59.
const TIME = /^(\d{1,3}):([0-5]\d):([0-5]\d)$/

// Every value is checked here, before PostgreSQL sees it: a refusal names the file, the
// line and the column, where a failed cast would only say that something went wrong.
function mapRow(file: GtfsFile, r: Record<string, string>, where: string): Row | null {
  const bad = (field: string, v: string, why: string) => invalidGtfs([{ path: where, message: `${field} = "${v}" ${why}` }])
  for (const [field, v] of Object.entries(r)) {
    // PostgreSQL text cannot hold a NUL byte.
    if (v.includes('\u0000')) throw bad(field, v.replaceAll('\u0000', '\\0'), 'contains a NUL character / contient un caractère nul')
  }
  const req = (field: string) => {
    const v = r[field]
    if (v === undefined || v === '') throw invalidGtfs([{ path: where, message: `${field} missing / manquant` }])
    return v
  }
  const opt = (field: string) => (r[field] === undefined || r[field] === '' ? null : r[field]!)
  const num = (field: string, min: number, max: number, required = true) => {
    const v = required ? req(field) : opt(field)
    if (v === null) return null
    const x = DECIMAL.test(v) ? Number(v) : Number.NaN
    if (!Number.isFinite(x) || x < min || x > max) throw bad(field, v, `is not a number in [${min}, ${max}]`)
    return x
  }
  const int = (field: string, min: number, max: number, required = true) => {
    const v = required ? req(field) : opt(field)
    if (v === null) return null
    if (!INTEGER.test(v)) throw bad(field, v, `is not a whole number in [${min}, ${max}] / n'est pas un entier`)
    const x = Number(v)
    if (x < min || x > max) throw bad(field, v, `is not a whole number in [${min}, ${max}]`)
    return x
  }
  const date = (field: string) => {
    const v = req(field)
    const m = /^(\d{4})(\d{2})(\d{2})$/.exec(v)
    const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0]
    const real = new Date(Date.UTC(y, mo - 1, d))
    // Round-tripping through a date rejects month 13, 30 February and the like.
    if (!m || y < 1900 || y > 2200 || real.getUTCFullYear() !== y || real.getUTCMonth() !== mo - 1 || real.getUTCDate() !== d) {
      throw bad(field, v, 'is not a date YYYYMMDD / n\'est pas une date AAAAMMJJ')
    }
    return `${m[1]}-${m[2]}-${m[3]}`
  }
  const time = (field: string) => {
    const v = opt(field)
    if (v === null) return null
    const m = TIME.exec(v)
    if (!m || Number(m[1]) > 240) throw bad(field, v, "is not a time HH:MM:SS / n'est pas une heure HH:MM:SS")
    return v
  }
  const flag = (field: string) => {
    const v = req(field)
    if (v !== '0' && v !== '1') throw bad(field, v, 'is not 0 or 1 / doit valoir 0 ou 1')
    return v === '1'
  }
  switch (file) {
    case 'agency.txt':
      return { agency_id: opt('agency_id') ?? '', name: req('agency_name'), timezone: req('agency_timezone') }
    case 'routes.txt':
      return {
        route_id: req('route_id'),
        agency_id: opt('agency_id'),
        short_name: opt('route_short_name'),
        long_name: opt('route_long_name'),
        route_type: int('route_type', 0, 9999),
      }
    case 'stops.txt': {
      const lat = num('stop_lat', -90, 90, false)
      const lon = num('stop_lon', -180, 180, false)
      // Generic nodes and boarding areas may lack a position; stops and stations may not.
      const type = int('location_type', 0, 4, false) ?? 0
      if ((lat === null || lon === null) && type <= 2) throw invalidGtfs([{ path: where, message: 'stop_lat/stop_lon missing / manquants' }])
      return { stop_id: req('stop_id'), name: opt('stop_name') ?? '', lat, lon }
    }
    case 'trips.txt':
      return {
        trip_id: req('trip_id'),
        route_id: req('route_id'),
        service_id: req('service_id'),
        shape_id: opt('shape_id'),
        headsign: opt('trip_headsign'),
      }
    case 'stop_times.txt':
      return {
        trip_id: req('trip_id'),
        stop_sequence: int('stop_sequence', 0, 2 ** 31 - 1),
        stop_id: req('stop_id'),
        arrival_time: time('arrival_time'),
        departure_time: time('departure_time'),
      }
    case 'shapes.txt':
      return {
        shape_id: req('shape_id'),
        seq: int('shape_pt_sequence', 0, 2 ** 31 - 1),
        lat: num('shape_pt_lat', -90, 90),
        lon: num('shape_pt_lon', -180, 180),
      }
    case 'calendar.txt': {
      const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map(flag)
      const start = date('start_date')
      const end = date('end_date')
      if (end < start) throw bad('end_date', req('end_date'), `is before start_date ${req('start_date')} / précède start_date`)
      return { service_id: req('service_id'), days: boolArray(days), start_date: start, end_date: end }
    }
    case 'calendar_dates.txt':
      return { service_id: req('service_id'), date: date('date'), exception_type: int('exception_type', 1, 2) }
  }
}

// Every reference a trip or a stop time makes must resolve; the first few that do not
// are reported by file and value.
async function checkReferences(tx: Db, feedId: string) {
  const bad = await tx<{ path: string; message: string }[]>`
    (select 'trips.txt' as path, format('trip %s: route_id "%s" is not in routes.txt', trip_id, route_id) as message
       from transit_trips t where feed_id = ${feedId}
        and not exists (select 1 from transit_routes r where r.feed_id = t.feed_id and r.route_id = t.route_id) limit 3)
    union all
    (select 'trips.txt', format('trip %s: shape_id "%s" is not in shapes.txt', trip_id, shape_id)
       from transit_trips t where feed_id = ${feedId} and shape_id is not null
        and not exists (select 1 from transit_shapes s where s.feed_id = t.feed_id and s.shape_id = t.shape_id) limit 3)
    union all
    (select 'stop_times.txt', format('trip_id "%s" (stop_sequence %s) is not in trips.txt', trip_id, stop_sequence)
       from transit_stop_times st where feed_id = ${feedId}
        and not exists (select 1 from transit_trips t where t.feed_id = st.feed_id and t.trip_id = st.trip_id) limit 3)
    union all
    (select 'stop_times.txt', format('trip %s, stop_sequence %s: stop_id "%s" is not in stops.txt', trip_id, stop_sequence, stop_id)
       from transit_stop_times st where feed_id = ${feedId}
        and not exists (select 1 from transit_stops s where s.feed_id = st.feed_id and s.stop_id = st.stop_id) limit 3)`
  if (bad.length) throw invalidGtfs(bad)
}

// Groups trips by (shape, stops served) and measures each stop along the shape once per
// group. Trips without a shape get a line through their stops, one per group.
async function measurePatterns(tx: Db, feedId: string): Promise<{ patterns: number; shapes: number }> {
  const groups = await tx<{ shape_id: string | null; stops: string[]; trip_ids: string[] }[]>`
    with per_trip as (
      select st.trip_id, t.shape_id, array_agg(st.stop_id order by st.stop_sequence) as stops
      from transit_stop_times st join transit_trips t using (feed_id, trip_id)
      where st.feed_id = ${feedId} group by st.trip_id, t.shape_id)
    select shape_id, stops, array_agg(trip_id) as trip_ids from per_trip group by shape_id, stops`
  const stops = new Map<string, LonLat>()
  for (const s of await tx<{ stop_id: string; lon: number; lat: number }[]>`
      select stop_id, lon, lat from transit_stops where feed_id = ${feedId} and lat is not null`) {
    stops.set(s.stop_id, [s.lon, s.lat])
  }
  const shapes = new Map<string, LonLat[]>()
  for (const s of await tx<{ shape_id: string; coords: LonLat[] }[]>`
      select shape_id, (st_asgeojson(geog)::json)->'coordinates' as coords from transit_shapes where feed_id = ${feedId}`) {
    shapes.set(s.shape_id, s.coords)
  }
  const patterns: Row[] = []
  const tripIds: string[] = []
  const patternIds: number[] = []
  let built = 0
  for (const [i, g] of groups.entries()) {
    const points = g.stops.map((id) => stops.get(id))
    if (points.some((p) => !p)) continue
    let shapeId = g.shape_id
    let coords = shapeId ? shapes.get(shapeId) : undefined
    if (!shapeId || !coords) {
      coords = points as LonLat[]
      if (coords.length < 2) continue
      shapeId = `~stops-${i}`
      built++
      const wkt = `LINESTRING(${coords.map((c) => `${c[0]} ${c[1]}`).join(',')})`
      await tx`insert into transit_shapes (feed_id, shape_id, geog, length_m, built_from_stops)
               select ${feedId}, ${shapeId}, g, st_length(g), true from (select ${wkt}::geography as g) x`
    }
    const dists = stopDistances(makeLine(coords), points as LonLat[])
    patterns.push({ feed_id: feedId, pattern_id: i, shape_id: shapeId, stop_ids: textArray(g.stops), dists_m: numberArray(dists.map((d) => Math.round(d * 10) / 10)) })
    for (const id of g.trip_ids) {
      tripIds.push(id)
      patternIds.push(i)
    }
  }
  for (let at = 0; at < patterns.length; at += 200) {
    await tx`insert into transit_patterns ${tx(patterns.slice(at, at + 200) as Record<string, string>[], 'feed_id', 'pattern_id', 'shape_id', 'stop_ids', 'dists_m')}`
  }
  for (let at = 0; at < tripIds.length; at += 5000) {
    await tx`update transit_trips t set pattern_id = v.pattern_id
             from (select unnest(${textArray(tripIds.slice(at, at + 5000))}::text[]) as trip_id,
                          unnest(${numberArray(patternIds.slice(at, at + 5000))}::int[]) as pattern_id) v
             where t.feed_id = ${feedId} and t.trip_id = v.trip_id`
  }
  return { patterns: patterns.length, shapes: built }
}
