import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { HalteError } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import { type Limit, overLimit, rateLimited } from '../http/rate-limit.ts'
import { pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { loadNetwork } from '../networks/load.ts'
import type { Network } from '../networks/schemas.ts'
import { isInsideNetworkArea } from '../places/queries.ts'
import { slugSchema } from '../networks/schemas.ts'
import { afterCommit } from '../realtime/after-commit.ts'
import type { Services } from '../services.ts'
import { announceReport, notifyFieldOfReport } from './field.ts'
import { callerOf, checkBodyType, checkJurisdiction, checkText, coordinate, readPhoto, requirePoint } from './intake.ts'
import { type Format, render, requestOf, serviceOf } from './open311.ts'
import { findCategory, findMedia, findReport, insertReport, listCategories, listReports } from './queries.ts'
import { listQuerySchema, parseListQuery, postFields } from './schemas.ts'

// Open311 GeoReport v2 at /open311/v2/{slug}/: the network is the jurisdiction.

const slugParams = z.object({ slug: slugSchema })
const keyQuery = z.object({ jurisdiction_id: z.string().max(100).optional(), api_key: z.string().max(200).optional() })
const FORMATS = ['json', 'xml'] as const

// A resident files a handful of reports on a walk; a hundred an hour from one address is a script.
const REPORTS_PER_CLIENT: Limit = { scope: 'report', max: 100, windowS: 3600 }

const answer = (format: Format, description: string, example: string) => ({
  description,
  content:
    format === 'json'
      ? { 'application/json': { schema: z.array(z.record(z.string(), z.unknown())).openapi({ example: JSON.parse(example) }) } }
      : { 'text/xml': { schema: z.string() } },
})

const errorsAnswer = (description: string) => ({
  description: `${description} — GeoReport errors: [{ code, description }] (JSON) or <errors><error>… (XML); code is halte's stable code`,
  content: { 'application/json': { schema: z.array(z.object({ code: z.string(), description: z.string() })) } },
})

const refusals = (...codes: (400 | 403 | 404 | 413 | 415 | 429)[]) =>
  Object.fromEntries(codes.map((c) => [c, errorsAnswer(pick(c)[c].description)]))

export function open311App(s: Services) {
  const app = createRouter()
  // Before the body validators, which know the declared types but answer others vaguely.
  app.use('/open311/*', async (c, next) => {
    if (c.req.method === 'POST') checkBodyType(c)
    await next()
  })

  for (const format of FORMATS) {
    app.openapi(
      createRoute({
        method: 'get',
        path: `/open311/v2/{slug}/services.${format}`,
        tags: ['open311'],
        summary: `Report categories (GeoReport v2 service list, ${format.toUpperCase()})`,
        request: { params: slugParams, query: keyQuery },
        responses: { 200: answer(format, 'Services', '[{"service_code":"poor_lighting","service_name":"Éclairage insuffisant","metadata":false,"type":"realtime"}]'), ...refusals(403, 404) },
      }),
      async (c) => {
        const { network } = await open(s, c)
        const lang = c.get('lang')
        const services = (await listCategories(s.sql, network.id, true)).map((cat) => serviceOf(cat, lang))
        return render(format, 'services', 'service', services)
      },
    )

    app.openapi(
      createRoute({
        method: 'post',
        path: `/open311/v2/{slug}/requests.${format}`,
        tags: ['open311'],
        summary: `File a report (GeoReport v2 POST service request, ${format.toUpperCase()} answer)`,
        description:
          'Public; `api_key` optional (when sent, a valid token of this network). A point (lat, long) is required: an address alone is not geocoded. ' +
          'A photo may be attached as the `media` part of a multipart/form-data body (JPEG, PNG or WebP, 5 MB at most; its metadata, GPS included, is removed); `media_url` is ignored. ' +
          'Reports of a private category (harassment, drug dealing, other) are never published.',
        request: {
          params: slugParams,
          body: {
            required: false,
            content: {
              'application/x-www-form-urlencoded': { schema: postFields },
              'multipart/form-data': { schema: postFields.extend({ media: z.any().optional().openapi({ type: 'string', format: 'binary' }) }) },
              'application/json': { schema: postFields },
            },
          },
        },
        responses: { 201: answer(format, 'Stored', '[{"service_request_id":"0e3c7a52-8f1d-4d55-9a43-2b7f5f0c1e9a","service_notice":"Merci.","account_id":null}]'), ...refusals(400, 403, 404, 413, 415, 429) },
      }),
      async (c) => {
        const json = /json/i.test(c.req.header('content-type') ?? '')
        const body = (json ? c.req.valid('json') : c.req.valid('form')) as z.infer<typeof postFields> & { media?: unknown }
        checkText(body)
        const { network } = await open(s, c, body)
        const category = await findCategory(s.sql, network.id, body.service_code)
        if (!category?.active) {
          throw new HalteError(404, 'service_not_found', {
            fr: `Aucune catégorie « ${body.service_code} » ouverte aux signalements ; voir services.${format}.`,
            en: `No category "${body.service_code}" open for reports; see services.${format}.`,
          })
        }
        const at = requirePoint(coordinate(body.lat, 'lat'), coordinate(body.long, 'long'), Boolean(body.address_string || body.address_id))
        if (!(await isInsideNetworkArea(s.sql, network.id, at.lat, at.lon))) {
          throw new HalteError(422, 'outside_network_area', {
            fr: `Ce point est hors du territoire du réseau « ${network.name} ».`,
            en: `This point is outside the area of network "${network.name}".`,
          })
        }
        const photo = await readPhoto(body.media)
        const now = s.clock.now()
        const wait = await overLimit(s, c, REPORTS_PER_CLIENT, network.id, now)
        if (wait !== null) throw rateLimited(wait, { fr: 'Trop de signalements depuis cette connexion ; réessayez plus tard.', en: 'Too many reports from this connection; retry later.' })
        const text = (v: string | undefined) => (v?.trim() ? v.trim() : null)
        // The report and its pushes to the sector's on-duty field people commit together.
        const id = await s.sql.begin(async (tx) => {
          const reportId = await insertReport(
            tx,
            {
              networkId: network.id,
              category,
              description: body.description?.trim() ?? '',
              ...at,
              address: text(body.address_string),
              email: text(body.email),
              firstName: text(body.first_name),
              lastName: text(body.last_name),
              phone: text(body.phone),
              deviceId: text(body.device_id),
              photo,
            },
            now,
          )
          await notifyFieldOfReport(tx, network, reportId, category, now)
          return reportId
        })
        await afterCommit(s.logger, 'report intake', () => announceReport(s, network.id, id))
        const lang = c.get('lang')
        const notice =
          category.visibility === 'private'
            ? { fr: 'Merci. Ce signalement est transmis à l’équipe de la ville et ne sera pas publié.', en: 'Thank you. This report goes to the city’s team and will not be published.' }
            : { fr: 'Merci. Ce signalement sera visible sur la carte à une position arrondie (à ~100 m près).', en: 'Thank you. This report will be shown on the map at a rounded position (to ~100 m).' }
        return render(format, 'service_requests', 'request', [{ service_request_id: id, service_notice: notice[lang], account_id: null }], 201)
      },
    )

    app.openapi(
      createRoute({
        method: 'get',
        path: `/open311/v2/{slug}/requests.${format}`,
        tags: ['open311'],
        summary: `List reports (GeoReport v2 GET service requests, ${format.toUpperCase()})`,
        description:
          'Public: published categories only, each point snapped to the centre of its 0.001° cell (~111 m × 75 m), no address. ' +
          'An operator token (bearer or api_key) sees every report at its precise point. ' +
          'Filters: service_request_id (comma list; the others are then ignored), service_code (comma list), status (open, closed), ' +
          'start_date/end_date (W3C; 90 days at most, the last 90 days by default), bbox=minLon,minLat,maxLon,maxLat (halte extension). 1000 results at most, newest first.',
        request: { params: slugParams, query: listQuerySchema },
        responses: { 200: answer(format, 'Service requests', '[{"service_request_id":"0e3c7a52-8f1d-4d55-9a43-2b7f5f0c1e9a","status":"open","lat":47.2375,"long":6.0245}]'), ...refusals(400, 403, 404) },
      }),
      async (c) => {
        const query = c.req.valid('query')
        const { network, operator } = await open(s, c, query)
        const filter = parseListQuery(query, s.clock.now())
        const rows = await listReports(s.sql, network.id, { ...filter, publicOnly: !operator, limit: 1000 })
        const lang = c.get('lang')
        return render(format, 'service_requests', 'request', rows.map((r) => requestOf(r, lang, { operator, mediaBase: mediaBase(s, c, network, operator) })))
      },
    )
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/open311/v2/{slug}/requests/{request}',
      tags: ['open311'],
      summary: 'One report (GeoReport v2 GET service request): {id}.json or {id}.xml',
      description: 'A report of a private category is 404 without an operator token.',
      request: {
        params: slugParams.extend({ request: z.string().regex(/^[0-9a-f-]{36}\.(json|xml)$/i).openapi({ example: '0e3c7a52-8f1d-4d55-9a43-2b7f5f0c1e9a.json' }) }),
        query: keyQuery,
      },
      responses: {
        200: {
          description: 'A one-item list, as the spec has it',
          content: { 'application/json': { schema: z.array(z.record(z.string(), z.unknown())) }, 'text/xml': { schema: z.string() } },
        },
        ...refusals(400, 403, 404),
      },
    }),
    async (c) => {
      const { request } = c.req.valid('param')
      const format = request.toLowerCase().endsWith('.xml') ? 'xml' : 'json'
      const id = request.slice(0, 36).toLowerCase()
      const { network, operator } = await open(s, c, c.req.valid('query'))
      const row = z.uuid().safeParse(id).success ? await findReport(s.sql, id) : null
      if (!row || row.network_id !== network.id || (!row.public && !operator)) throw reportNotFound()
      return render(format, 'service_requests', 'request', [requestOf(row, c.get('lang'), { operator, mediaBase: mediaBase(s, c, network, operator) })])
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/open311/v2/{slug}/media/{id}',
      tags: ['open311'],
      summary: 'A published report’s photo (metadata removed)',
      request: { params: slugParams.extend({ id: z.uuid() }) },
      responses: {
        200: { description: 'The image', content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) }, 'image/png': { schema: z.string().openapi({ format: 'binary' }) }, 'image/webp': { schema: z.string().openapi({ format: 'binary' }) } } },
        ...refusals(400, 404),
      },
    }),
    async (c) => {
      const { slug, id } = c.req.valid('param')
      const network = await loadNetwork(s.sql, slug)
      const media = await findMedia(s.sql, id)
      const report = media ? await findReport(s.sql, media.report_id) : null
      if (!media || !report || report.network_id !== network.id || !report.public) throw reportNotFound()
      return new Response(media.bytes as Uint8Array<ArrayBuffer>, {
        headers: {
          'content-type': media.content_type,
          'cache-control': 'public, max-age=3600',
          'x-content-type-options': 'nosniff',
          'cross-origin-resource-policy': 'cross-origin',
        },
      })
    },
  )

  return app
}

// The network, the jurisdiction and the caller, in the order every route answers them.
async function open(s: Services, c: Context<AppEnv>, q: { jurisdiction_id?: string | undefined; api_key?: string | undefined } = {}) {
  const network = await loadNetwork(s.sql, c.req.param('slug') ?? '')
  const query = q.jurisdiction_id === undefined && q.api_key === undefined ? { jurisdiction_id: c.req.query('jurisdiction_id'), api_key: c.req.query('api_key') } : q
  checkJurisdiction(query.jurisdiction_id, network)
  const { operator } = await callerOf(s, c, query.api_key, network)
  return { network, operator }
}

// Operators read any photo through /v1 with their token; the public URL serves published reports only.
function mediaBase(s: Services, c: Context<AppEnv>, network: Network, operator: boolean) {
  const base = (s.config.PUBLIC_BASE_URL ?? new URL(c.req.url).origin).replace(/\/$/, '')
  return operator ? `${base}/v1/report-media` : `${base}/open311/v2/${network.slug}/media`
}

const reportNotFound = () =>
  new HalteError(404, 'not_found', { fr: 'Aucun signalement publié sous cet identifiant.', en: 'No published report with this id.' })
