import { createRoute, z } from '@hono/zod-openapi'
import { operatorOf } from '../auth/guards.ts'
import { HalteError } from '../errors.ts'
import { bearer, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { slugSchema } from '../networks/schemas.ts'
import { resolveSectors } from '../sectors/queries.ts'
import type { Services } from '../services.ts'
import { buildStats } from './build.ts'
import { statsCsv } from './csv.ts'
import { parsePeriod } from './period.ts'
import { statsQuerySchema, statsSchema } from './schemas.ts'

// The safety council's figures: JSON, or the same as one CSV table with Accept: text/csv.
export function statsApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/stats',
      tags: ['evaluation'],
      summary: 'Figures for the safety council over a period: alerts, refuges, drop-offs, reports, contacts; counts under 5 suppressed (operator)',
      description:
        'No count of people under 5 is shown (`count: null, suppressed: true`; in CSV an empty value and suppressed=true), nor one a total would give back. Places are never finer than a sector. `Accept: text/csv` gives the same figures as one table (section, dimension, key, value, suppressed).',
      security: bearer,
      request: { params: z.object({ slug: slugSchema }), query: statsQuerySchema },
      responses: {
        200: {
          description: 'The figures',
          content: {
            'application/json': { schema: statsSchema },
            'text/csv': { schema: z.string().openapi({ example: 'section,dimension,key,value,suppressed\r\nalerts,total,,128,false\r\n' }) },
          },
        },
        ...pick(400, 401, 403, 404, 422),
      },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const q = c.req.valid('query')
      const { from, to } = parsePeriod(q, network.timezone)
      let sector: string | null = null
      if (q.sector !== undefined) {
        const { found } = await resolveSectors(s.sql, network.id, [q.sector])
        if (!found.length) {
          throw new HalteError(404, 'unknown_sector', { fr: `Aucun secteur « ${q.sector} » dans ce réseau.`, en: `No sector "${q.sector}" in this network.` })
        }
        sector = found[0]!.name
      }
      const now = s.clock.now()
      const stats = await buildStats(s.sql, { networkId: network.id, from, to, timezone: network.timezone, sector }, network, now)
      const head = { network: network.slug, from: from.toISOString(), to: to.toISOString(), timezone: network.timezone, sector, generated_at: now.toISOString() }
      if (/\btext\/csv\b/i.test(c.req.header('accept') ?? '')) {
        const name = `halte-${network.slug}-stats-${q.from.slice(0, 10)}-${q.to.slice(0, 10)}${sector ? '-secteur' : ''}.csv`
        return c.body(statsCsv(stats), 200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${name}"`,
        })
      }
      return c.json({ ...head, ...stats }, 200)
    },
  )

  return app
}
