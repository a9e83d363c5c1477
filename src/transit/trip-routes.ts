import { createRoute, z } from '@hono/zod-openapi'
import { HalteError, type Lang } from '../errors.ts'
import { queryLatSchema, queryLonSchema } from '../geo/schemas.ts'
import { isoInZone } from '../hours/format.ts'
import { json, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { loadNetwork } from '../networks/load.ts'
import { slugSchema } from '../networks/schemas.ts'
import { isWallClock, searchInstant } from '../places/nearest.ts'
import type { Services } from '../services.ts'
import { TRIP_SLACK_S } from './calendar.ts'
import { findTripShape, runningTripsNear, tripDetails } from './queries.ts'

const nearQuery = z.object({
  lat: queryLatSchema,
  lon: queryLonSchema,
  at: z.iso
    .datetime({ offset: true, local: true })
    .optional()
    .openapi({
      description: 'Trips running at this instant (default now), from a day back to 14 days ahead; a time without offset is in the network’s zone',
      example: '2026-11-24T22:12',
    }),
  radius_m: z.coerce.number().int().min(1).max(2000).default(500),
  limit: z.coerce.number().int().min(1).max(20).default(10),
})

const nextStop = z.object({ stop_id: z.string(), name: z.string().nullable(), lat: z.number().nullable(), lon: z.number().nullable(), arrival: z.string() })
const runningTrip = z
  .object({
    trip_id: z.string(),
    route_id: z.string(),
    route_short_name: z.string().nullable(),
    route_long_name: z.string().nullable(),
    headsign: z.string().nullable(),
    distance_m: z.number().openapi({ description: "From the point to the trip's line" }),
    vehicle_label: z.string().nullable().openapi({ description: 'The vehicle whose driver took this trip, when one did' }),
    next_stops: z.array(nextStop).openapi({ description: 'Up to 5 stops still ahead at `at`, with their scheduled arrival' }),
  })
  .openapi('RunningTrip')

const tripFeatures = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        geometry: z.object({ type: z.enum(['LineString', 'Point']), coordinates: z.array(z.any()) }),
        properties: z.record(z.string(), z.unknown()),
      }),
    ),
  })
  .openapi('TripGeoJson', {
    description:
      "A LineString (the trip's shape, or its stops joined when the feed has none) with { trip_id, route_short_name, headsign }, then a Point per stop with { stop_id, name, sequence, arrival (as the feed writes it), arrival_at (an instant, given `on`) }",
  })

const tripNotFound = (lang: Lang, tripId: string) =>
  new HalteError(
    404,
    'trip_not_found',
    { fr: `Aucune course « ${tripId} » dans les horaires en vigueur.`, en: `No trip "${tripId}" in the timetable in force.` },
    // errors.ts has no title for this code: the answer carries its own.
    { extra: { title: lang === 'en' ? 'Trip not found' : 'Course introuvable' } },
  )

// What the rider's and the driver's screens pick a trip from, and draw it with.
export function tripsApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/trips/near',
      tags: ['transit'],
      summary: 'Trips running now (or at `at`) whose line passes near a point, nearest first (public)',
      request: { params: z.object({ slug: slugSchema }), query: nearQuery },
      responses: { 200: json(z.object({ trips: z.array(runningTrip) }).openapi('RunningTrips'), 'Nearest line first'), ...pick(400, 404) },
    }),
    async (c) => {
      const network = await loadNetwork(s.sql, c.req.valid('param').slug)
      const q = c.req.valid('query')
      const at = searchInstant(q.at, s.clock.now(), q.at && isWallClock(q.at) ? network.timezone : undefined)
      const rows = await runningTripsNear(s.sql, network.id, {
        lat: q.lat,
        lon: q.lon,
        radiusM: q.radius_m,
        at,
        timeZone: network.timezone,
        limit: q.limit,
        slackS: TRIP_SLACK_S,
      })
      const iso = (epoch: number) => isoInZone(new Date(epoch * 1000), network.timezone)
      const trips = rows.map((r) => ({
        ...r,
        next_stops: r.next_stops.map(({ arrival_epoch, seq: _, ...stop }) => ({ ...stop, arrival: iso(arrival_epoch) })),
      }))
      return c.json({ trips }, 200, { 'Cache-Control': 'no-store' })
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/trips/{trip_id}',
      tags: ['transit'],
      summary: 'One trip as GeoJSON: its line and its stops with their times (public)',
      request: {
        params: z.object({ slug: slugSchema, trip_id: z.string().min(1).max(200) }),
        query: z.object({ on: z.iso.date().optional().openapi({ description: 'A service day: each stop also gets its arrival as an instant', example: '2026-11-24' }) }),
      },
      responses: { 200: { description: 'The trip', content: { 'application/geo+json': { schema: tripFeatures } } }, ...pick(400, 404) },
    }),
    async (c) => {
      const { slug, trip_id } = c.req.valid('param')
      const on = c.req.valid('query').on ?? null
      const network = await loadNetwork(s.sql, slug)
      const trip = await findTripShape(s.sql, network.id, trip_id)
      const details = trip && (await tripDetails(s.sql, trip.feed_id, trip.trip_id, on, network.timezone))
      if (!trip || !details) throw tripNotFound(c.get('lang') ?? 'fr', trip_id)
      const line = {
        type: 'Feature' as const,
        geometry: { type: 'LineString' as const, coordinates: trip.coords },
        properties: { trip_id: trip.trip_id, route_short_name: details.route_short_name, headsign: details.headsign },
      }
      // A stop without a position (allowed for some GTFS location types) cannot be drawn.
      const stops = details.stops
        .filter((st) => st.lat !== null && st.lon !== null)
        .map(({ lat, lon, arrival_epoch, ...p }) => ({
          type: 'Feature' as const,
          geometry: { type: 'Point' as const, coordinates: [lon, lat] },
          properties: { ...p, arrival_at: arrival_epoch === null ? null : isoInZone(new Date(arrival_epoch * 1000), network.timezone) },
        }))
      return c.body(JSON.stringify({ type: 'FeatureCollection', features: [line, ...stops] }), 200, {
        'content-type': 'application/geo+json',
      }) as never
    },
  )

  return app
}
