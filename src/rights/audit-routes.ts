import { createRoute, z } from '@hono/zod-openapi'
import type { OpenAPIHono } from '@hono/zod-openapi'
import { requirePrincipal } from '../auth/principal.ts'
import { HalteError } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import { bearer, pick } from '../http/responses.ts'
import { loadNetwork } from '../networks/load.ts'
import { slugSchema } from '../networks/schemas.ts'
import type { Services } from '../services.ts'
import { auditRows, retentionRows } from './audit.ts'
import { toCsv } from './csv.ts'

// The ethics committee's read-out (admin): the audit log and the retention job's runs,
// as CSV, over a period. Counts and who/when only: never a point, a message or a number.

const MAX_RANGE_MS = 366 * 86_400_000
const range = z.object({
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).openapi({ example: '2026-01-01' }),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).openapi({ example: '2026-07-01' }),
})
const csv = (description: string) => ({ description, content: { 'text/csv': { schema: z.string() } } })

function period(q: { from: string; to: string }) {
  const from = new Date(q.from)
  const to = new Date(q.to)
  if (!(to > from)) throw new HalteError(400, 'validation_failed', { fr: '« to » doit suivre « from ».', en: '"to" must come after "from".' })
  if (to.getTime() - from.getTime() > MAX_RANGE_MS) {
    throw new HalteError(400, 'date_range_too_long', { fr: 'Une période d’un an au plus.', en: 'A period of one year at most.' })
  }
  return { from, to }
}

const attachment = (name: string, q: { from: string; to: string }) => ({
  'content-type': 'text/csv; charset=utf-8',
  'content-disposition': `attachment; filename="halte-${name}-${q.from.slice(0, 10)}-${q.to.slice(0, 10)}.csv"`,
})

export function registerAudit(app: OpenAPIHono<AppEnv>, s: Services) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit/export',
      tags: ['rights'],
      summary: 'The audit log as CSV, for the ethics committee (admin)',
      description:
        'One row per event, oldest first: operators’ reads of and actions on alerts, legal holds (placed, lifted), ' +
        'erasures asked for (counts only), broadcasts (target and counts), tokens created, revoked and last used. ' +
        'Columns: at, network, kind, actor_role, actor, subject, detail. A year at most.',
      security: bearer,
      request: { query: range.extend({ network: slugSchema.optional() }) },
      responses: { 200: csv('The audit log'), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      requirePrincipal(c.get('principal'), ['admin'])
      const q = c.req.valid('query')
      const { from, to } = period(q)
      const networkId = q.network ? (await loadNetwork(s.sql, q.network)).id : null
      const rows = await auditRows(s.sql, from, to, networkId)
      return c.body(toCsv(['at', 'network', 'kind', 'actor_role', 'actor', 'subject', 'detail'], rows), 200, attachment('audit', q))
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit/retention-runs',
      tags: ['rights'],
      summary: 'The retention jobs’ runs as CSV: what each erased or coarsened, counts only (admin)',
      description: 'One row per run and count, oldest first. Columns: ran_at, job, what, count. A year at most.',
      security: bearer,
      request: { query: range },
      responses: { 200: csv('The retention runs'), ...pick(400, 401, 403) },
    }),
    async (c) => {
      requirePrincipal(c.get('principal'), ['admin'])
      const q = c.req.valid('query')
      const { from, to } = period(q)
      return c.body(toCsv(['ran_at', 'job', 'what', 'count'], await retentionRows(s.sql, from, to)), 200, attachment('retention', q))
    },
  )
}
