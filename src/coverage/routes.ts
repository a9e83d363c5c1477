import { createRoute, z } from '@hono/zod-openapi'
import { operatorOf } from '../auth/guards.ts'
import { jsonAnswer } from '../http/observe.ts'
import { bearer, json, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { slugSchema } from '../networks/schemas.ts'
import { isWallClock, searchInstant } from '../places/nearest.ts'
import type { Services } from '../services.ts'
import { coverageAt, coverageCells, coverageOver } from './compute.ts'
import { coverageQuerySchema, coverageSchema, weekQuerySchema, weekSchema } from './schemas.ts'
import { givenWeek, typicalWeek } from './week.ts'

const slugParams = z.object({ slug: slugSchema })
const NO_STORE = { 'Cache-Control': 'no-store' }
const round4 = (x: number) => Math.round(x * 10_000) / 10_000

// Where and when nobody can shelter a person: for the network's operators and the
// safety council. Computed on demand from the refuges' materialised open periods.
export function coverageApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/coverage',
      tags: ['evaluation'],
      summary: 'Coverage gaps at an instant: grid cells with or without an open refuge within distance_m (operator)',
      description:
        'The grid covers the network’s area when it has one, otherwise every cell whose centre is within 1 km of an active refuge or a stop. ' +
        '“Open” is what the nearest search says at that instant: opening hours with the country’s public holidays, minus closures.',
      security: bearer,
      request: { params: slugParams, query: coverageQuerySchema },
      responses: { 200: json(coverageSchema, 'Cells as GeoJSON polygons'), ...pick(400, 401, 403, 404, 422) },
    }),
    async (c) => {
      const q = c.req.valid('query')
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const now = s.clock.now()
      const at = searchInstant(q.at, now, q.at && isWallClock(q.at) ? network.timezone : undefined)
      const r = await coverageAt(s.sql, network, { at, distanceM: q.distance_m, cellM: q.cell_m, now })
      return jsonAnswer(
        c,
        {
          type: 'FeatureCollection' as const,
          at: at.toISOString(),
          distance_m: q.distance_m,
          cell_m: q.cell_m,
          grid: 'square' as const,
          cells: r.cells.length,
          covered_share: r.covered_share === null ? null : round4(r.covered_share),
          features: r.cells.map((x) => ({
            type: 'Feature' as const,
            id: `${x.cell.i}:${x.cell.j}`,
            geometry: JSON.parse(x.cell.polygon!) as { type: 'Polygon'; coordinates: number[][][] },
            properties: { covered: x.covered, nearest_open_m: x.nearest_open_m === null ? null : Math.round(x.nearest_open_m) },
          })),
        },
        200,
        NO_STORE,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/coverage/week',
      tags: ['evaluation'],
      summary: 'Share of the grid covered at each of the 168 hours of a week, the worst hours and the critical refuges (operator)',
      description:
        'Each hour is read at its start on the network’s clock, as `coverage?at=` would read it. Without `from`, a typical week: ' +
        'each weekday on its next day that is not a public holiday. With `from`, the 7 days from that date, holidays included.',
      security: bearer,
      request: { params: slugParams, query: weekQuerySchema },
      responses: { 200: json(weekSchema, 'The week'), ...pick(400, 401, 403, 404, 422) },
    }),
    async (c) => {
      const q = c.req.valid('query')
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const now = s.clock.now()
      // Checked before the grid is cut: a bad date costs nothing.
      const dated = q.from ? givenWeek(q.from, network, now) : null
      const grid = await coverageCells(s.sql, network, { distanceM: q.distance_m, cellM: q.cell_m, polygons: false })
      const hours = dated ?? typicalWeek(network, grid?.lat ?? 0, grid?.lon ?? 0, now)
      const r = await coverageOver(s.sql, network, { instants: hours.map((h) => h.at), distanceM: q.distance_m, cellM: q.cell_m, now }, grid)
      const hour = (i: number) => {
        const h = hours[i]!
        const share = r.hours[i]
        return {
          hour_of_week: h.hour_of_week,
          weekday: h.weekday,
          hour: h.hour,
          date: h.date,
          at: h.at.toISOString(),
          covered_share: share ? round4(share.covered_share) : null,
          uncovered_cells: share ? share.uncovered_cells : 0,
        }
      }
      return jsonAnswer(
        c,
        {
          distance_m: q.distance_m,
          cell_m: q.cell_m,
          grid: 'square' as const,
          cells: r.cells,
          week: { kind: dated ? ('dates' as const) : ('typical' as const), from: q.from ?? null },
          hours: hours.map((_, i) => hour(i)),
          worst_hours: r.worst.map(hour),
          critical_refuges: r.critical.map((x) => ({ ...x, loss_share: round4(x.loss_share), loss_share_worst_hours: round4(x.loss_share_worst_hours) })),
        },
        200,
        NO_STORE,
      )
    },
  )

  return app
}
