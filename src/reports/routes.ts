import { createRoute, z } from '@hono/zod-openapi'
import { fieldOf, operatorOf } from '../auth/guards.ts'
import { FIELD_ROLES, type Principal, requireNetwork, requirePrincipal } from '../auth/principal.ts'
import { isUniqueViolation } from '../db/errors.ts'
import { HalteError, type Lang } from '../errors.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { slugSchema } from '../networks/schemas.ts'
import { afterCommit } from '../realtime/after-commit.ts'
import type { Services } from '../services.ts'
import { announceReport, registerFieldReportStream } from './field.ts'
import { changeStatus, findMedia, findReport, insertCategory, listCategories, listReports, type ReportRow, reportEvents, reportInScope, updateCategory } from './queries.ts'
import { categoryCreateSchema, categoryPatchSchema, categorySchema, REPORT_STATUSES, reportSchema, statusChangeSchema } from './schemas.ts'

// The operators' side of reports: categories, the queue at precise points with the
// reporter's contact, and the status workflow with its history. Mediators and municipal
// police read and move the reports of their sectors, without the reporter's contact:
// they act on the spot, not on the person (who gave it to the city's team for its
// follow-up, and who, for a harassment report, may not want to be met by anyone); a
// field phone is also the device most likely to be lost.

const slugParams = z.object({ slug: slugSchema })
const idParams = z.object({ id: z.uuid() })

export function reportsApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/report-categories',
      tags: ['reports'],
      summary: 'Report categories, inactive ones included (operator)',
      security: bearer,
      request: { params: slugParams },
      responses: { 200: json(z.array(categorySchema), 'Categories'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      return c.json(categoriesOut(await listCategories(s.sql, network.id, false)), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{slug}/report-categories',
      tags: ['reports'],
      summary: 'Add a report category (operator)',
      security: bearer,
      request: { params: slugParams, body: jsonBody(categoryCreateSchema) },
      responses: { 201: json(categorySchema, 'Created'), ...pick(400, 401, 403, 404, 409, 415) },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const body = c.req.valid('json')
      try {
        return c.json(categoryOut(await insertCategory(s.sql, network.id, body)), 201)
      } catch (err) {
        if (isUniqueViolation(err)) throw new HalteError(409, 'category_exists', { fr: `La catégorie « ${body.code} » existe déjà.`, en: `Category "${body.code}" already exists.` })
        throw err
      }
    },
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/networks/{slug}/report-categories/{code}',
      tags: ['reports'],
      summary: 'Rename, describe, change visibility or deactivate a category (operator)',
      description: 'The code stays: clients keep it as the service_code. Making a category public does not publish reports taken while it was private.',
      security: bearer,
      request: { params: slugParams.extend({ code: z.string().max(40) }), body: jsonBody(categoryPatchSchema) },
      responses: { 200: json(categorySchema, 'Updated'), ...pick(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const { slug, code } = c.req.valid('param')
      const { network } = await operatorOf(s, c.get('principal'), slug)
      const row = await updateCategory(s.sql, network.id, code, c.req.valid('json'))
      if (!row) throw new HalteError(404, 'not_found', { fr: `Aucune catégorie « ${code} ».`, en: `No category "${code}".` })
      return c.json(categoryOut(row), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/reports',
      tags: ['reports'],
      summary: 'The reports queue, precise points and contacts (operator; mediator or police: their sectors’ reports, no contact)',
      security: bearer,
      request: {
        params: slugParams,
        query: z.object({ status: z.enum(REPORT_STATUSES).optional(), category: z.string().max(40).optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      },
      responses: { 200: json(z.array(reportSchema), 'Newest first'), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const principal = c.get('principal')
      const slug = c.req.valid('param').slug
      const field = isField(principal)
      const { network, who } = field ? await fieldOf(s, principal, slug) : await operatorOf(s, principal, slug)
      const q = c.req.valid('query')
      const rows = await listReports(s.sql, network.id, {
        scopeToken: field ? (who.tokenId ?? undefined) : undefined,
        statuses: q.status ? [q.status] : undefined,
        codes: q.category ? [q.category] : undefined,
        publicOnly: false,
        limit: q.limit,
      })
      return c.json(rows.map((r) => reportOut(r, c.get('lang'), field)), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/reports/{id}',
      tags: ['reports'],
      summary: 'One report with its history (operator; mediator or police of its sector, no contact)',
      security: bearer,
      request: { params: idParams },
      responses: { 200: json(reportSchema, 'The report'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const principal = c.get('principal')
      const row = await ownReport(s, principal, c.req.valid('param').id)
      return c.json(await withEvents(s, row, c.get('lang'), isField(principal)), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/reports/{id}/status',
      tags: ['reports'],
      summary: 'Change a report’s status, with an optional public note (operator; mediator or police of its sector)',
      description: 'Open311 shows in_progress as open, with the note as status_notes. Every change is recorded: who, from what, to what, when.',
      security: bearer,
      request: { params: idParams, body: jsonBody(statusChangeSchema) },
      responses: { 200: json(reportSchema, 'The report, history included'), ...pick(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const principal = c.get('principal')
      const { id } = c.req.valid('param')
      const body = c.req.valid('json')
      await ownReport(s, principal, id)
      const now = s.clock.now()
      await s.sql.begin(async (tx) => {
        // Read again under lock: two operators' changes land one after the other, each recorded from the status it found.
        const [current] = await tx<{ status: string; network_id: string }[]>`select status, network_id from reports where id = ${id} for update`
        await changeStatus(
          tx,
          { reportId: id, networkId: current!.network_id, from: current!.status, to: body.status, publicNote: body.public_note || null, actor: { role: principal!.role, tokenId: principal!.tokenId } },
          now,
        )
      })
      const row = (await findReport(s.sql, id))!
      await afterCommit(s.logger, 'report status', () => announceReport(s, row.network_id, id))
      return c.json(await withEvents(s, row, c.get('lang'), isField(principal)), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/report-media/{id}',
      tags: ['reports'],
      summary: 'A report’s photo, whatever its category (operator; mediator or police of its sector)',
      security: bearer,
      request: { params: idParams },
      responses: { 200: { description: 'The image (metadata removed)', content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } } }, ...pick(401, 403, 404) },
    }),
    async (c) => {
      const media = await findMedia(s.sql, c.req.valid('param').id)
      if (!media) throw new HalteError(404, 'not_found', { fr: 'Aucune photo sous cet identifiant.', en: 'No photo with this id.' })
      await ownReport(s, c.get('principal'), media.report_id)
      return new Response(media.bytes as Uint8Array<ArrayBuffer>, {
        headers: { 'content-type': media.content_type, 'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff' },
      })
    },
  )

  registerFieldReportStream(app, s)
  return app
}

const isField = (p: Principal | undefined) => p?.role === 'mediator' || p?.role === 'police'

// Operators of the report's network; mediators and police of it whose sectors hold the
// report's point (403 out_of_sector otherwise, as for alerts).
async function ownReport(s: Services, principal: Principal | undefined, id: string): Promise<ReportRow> {
  const who = requirePrincipal(principal, ['admin', 'operator', ...FIELD_ROLES])
  const row = await findReport(s.sql, id)
  if (!row) throw new HalteError(404, 'not_found', { fr: 'Aucun signalement sous cet identifiant.', en: 'No report with this id.' })
  requireNetwork(who, row.network_id)
  if (isField(who) && !(who.tokenId && (await reportInScope(s.sql, id, who.tokenId)))) {
    throw new HalteError(403, 'out_of_sector', { fr: 'Ce signalement n’est pas dans vos secteurs.', en: 'This report is not in your sectors.' })
  }
  return row
}

async function withEvents(s: Services, row: ReportRow, lang: Lang, field: boolean) {
  const events = await reportEvents(s.sql, row.id)
  return { ...reportOut(row, lang, field), events: events.map((e) => ({ kind: e.kind, from_status: e.from_status, to_status: e.to_status, public_note: e.public_note, actor_role: e.actor_role, at: e.at.toISOString() })) }
}

const categoryOut = ({ id: _id, ...c }: Awaited<ReturnType<typeof listCategories>>[number]) => c
const categoriesOut = (rows: Awaited<ReturnType<typeof listCategories>>) => rows.map(categoryOut)

function reportOut(r: ReportRow, lang: Lang, field = false) {
  const contact = field || r.contact_erased_at || !(r.email || r.first_name || r.last_name || r.phone) ? null : { email: r.email, first_name: r.first_name, last_name: r.last_name, phone: r.phone }
  return {
    id: r.id,
    category: { code: r.category_code, name: lang === 'en' ? r.category_name_en : r.category_name_fr },
    visibility: r.public ? ('public' as const) : ('private' as const),
    status: r.status,
    status_notes: r.status_notes,
    description: r.description,
    location: { lat: r.lat, lon: r.lon },
    address: r.address,
    contact,
    media: r.media_ids.map((id) => ({ id, url: `/v1/report-media/${id}` })),
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  }
}
