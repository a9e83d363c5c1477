import { createRoute, z } from '@hono/zod-openapi'
import { HalteError } from '../errors.ts'
import { latSchema, lonSchema } from '../geo/schemas.ts'
import { json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { loadNetwork } from '../networks/load.ts'
import { type Network, slugSchema } from '../networks/schemas.ts'
import { instantOf } from '../places/nearest.ts'
import type { Services } from '../services.ts'
import { checkHours } from './check.ts'
import { isoInZone } from './format.ts'

const checkBody = z
  .object({
    opening_hours: z.string().max(500).openapi({ example: 'Mo-Fr 10:00-19:00; PH off' }),
    at: z.iso
      .datetime({ offset: true, local: true })
      .optional()
      .openapi({ description: 'Read the value at this instant (default now); a time without offset is in the network’s zone', example: '2026-12-24T23:30' }),
    location: z
      .object({ lat: latSchema, lon: lonSchema })
      .strict()
      .optional()
      .openapi({ description: 'Where the place is: only sunrise and sunset depend on it (default: the network’s area)' }),
  })
  .strict()
  .openapi('HoursCheckRequest')

const checkAnswer = z
  .object({
    valid: z.boolean(),
    error: z.string().nullable().openapi({ description: "The parser's message in the reader's language, when not valid" }),
    warnings: z.array(z.string()).openapi({ description: 'Valid but probably not meant: in the reader’s language (Accept-Language, French by default)' }),
    open_now: z.boolean().nullable().openapi({ description: 'At `at`; null when the value is invalid or says “unknown” then' }),
    unknown: z.boolean(),
    changes_at: z.string().nullable().openapi({ description: 'The next change within 14 days' }),
    next_changes: z.array(z.object({ at: z.string(), open: z.boolean() })).openapi({ description: 'Up to 6 changes within 14 days' }),
    public_holidays: z.enum(['closed', 'open', 'unspecified']).openapi({ description: 'What the value says of public holidays (unspecified: they follow the weekdays)' }),
  })
  .openapi('HoursCheck')

// An instant a person could mean when previewing hours: within a year either way.
const YEAR_MS = 366 * 86_400_000

export function hoursApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{slug}/hours/check',
      tags: ['refuges'],
      summary: 'Read an opening_hours value as the service will: valid or not, open at an instant, next changes, holidays (public)',
      description: 'A live preview while typing: an invalid value is a 200 with `valid: false` and the parser’s message.',
      request: { params: z.object({ slug: slugSchema }), body: jsonBody(checkBody) },
      responses: { 200: json(checkAnswer, 'The reading'), ...pick(400, 404, 413, 415) },
    }),
    async (c) => {
      const network = await loadNetwork(s.sql, c.req.valid('param').slug)
      const body = c.req.valid('json')
      const now = s.clock.now()
      const at = body.at ? instantOf(body.at, network.timezone) : now
      if (Math.abs(at.getTime() - now.getTime()) > YEAR_MS) {
        throw new HalteError(400, 'instant_out_of_range', { fr: 'at doit être à moins d’un an de maintenant.', en: 'at must be within a year of now.' })
      }
      const where = body.location ?? centreOf(network)
      const ctx = { countryCode: network.country_code, regionCode: network.region_code, ...where }
      const r = checkHours(body.opening_hours, ctx, network.timezone, at, c.get('lang') ?? 'fr')
      const iso = (d: Date) => isoInZone(d, network.timezone)
      return c.json(
        { ...r, changes_at: r.changes_at && iso(r.changes_at), next_changes: r.next_changes.map((n) => ({ at: iso(n.at), open: n.open })) },
        200,
        { 'Cache-Control': 'no-store' },
      )
    },
  )

  return app
}

// Sunrise and sunset need a position: the middle of the network's area, or else the
// one the dropoff hours are read at (the middle of France) when the network has none.
function centreOf(network: Network): { lat: number; lon: number } {
  const ring = network.area?.coordinates[0]?.[0]
  if (!ring?.length) return { lat: 46.6, lon: 2.4 }
  const lons = ring.map((p) => p[0]!)
  const lats = ring.map((p) => p[1]!)
  return { lat: (Math.min(...lats) + Math.max(...lats)) / 2, lon: (Math.min(...lons) + Math.max(...lons)) / 2 }
}
