import { createRoute, z } from '@hono/zod-openapi'
import { json, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { loadNetwork } from '../networks/load.ts'
import { slugSchema } from '../networks/schemas.ts'
import type { Services } from '../services.ts'
import { searchByName } from './search.ts'

const searchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(2, 'at least 2 characters / au moins 2 caractères')
    .max(100, 'at most 100 characters / au plus 100 caractères')
    .openapi({ example: 'gare viotte', description: 'Part of a refuge or stop name (accents and case do not matter)' }),
  limit: z.coerce.number().int().min(1).max(20).default(8),
})

const resultSchema = z
  .object({
    kind: z.enum(['place', 'stop']).openapi({ description: 'place: an active refuge; stop: a stop of the GTFS feed in force' }),
    id: z.string().openapi({ description: 'The place id, or the GTFS stop_id' }),
    name: z.string(),
    lat: z.number(),
    lon: z.number(),
  })
  .openapi('NameSearchResult')

// The search box of the widgets: type a refuge's or a stop's name, get where it is.
export function searchApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/search',
      tags: ['refuges'],
      summary: 'Active refuges and stops by name, best match first (public)',
      request: { params: z.object({ slug: slugSchema }), query: searchQuery },
      responses: { 200: json(z.object({ results: z.array(resultSchema) }).openapi('NameSearch'), 'Matches, best first'), ...pick(400, 404) },
    }),
    async (c) => {
      const network = await loadNetwork(s.sql, c.req.valid('param').slug)
      const { q, limit } = c.req.valid('query')
      const hits = await searchByName(s.sql, network.id, q, limit)
      return c.json({ results: hits.map(({ kind, id, name, lat, lon }) => ({ kind, id, name, lat, lon })) }, 200)
    },
  )

  return app
}
