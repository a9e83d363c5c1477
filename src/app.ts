import { OpenAPIHono } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { partnerAlertsApp } from './alerts/partner-routes.ts'
import { alertsApp } from './alerts/routes.ts'
import { authenticate, bearerToken, principalOf } from './auth/middleware.ts'
import { requirePrincipal } from './auth/principal.ts'
import { tokensApp } from './auth/routes.ts'
import { broadcastsApp } from './broadcasts/routes.ts'
import { coverageApp } from './coverage/routes.ts'
import { secretsEqual } from './auth/tokens.ts'
import { HalteError } from './errors.ts'
import {
  DOCS_ASSET_BASE,
  type DocsAssets,
  finishDocument,
  renderDocs,
  SECURITY_SCHEMES,
  SWAGGER_ASSETS,
  SWAGGER_INIT,
  type SwaggerAsset,
  swaggerPage,
} from './http/docs.ts'
import type { AppEnv } from './http/env.ts'
import { Metrics } from './http/metrics.ts'
import { hoursApp } from './hours/routes.ts'
import { jsonAnswer, observe } from './http/observe.ts'
import { limitBodies, refuseBadCharacters } from './http/input.ts'
import { onError, onNotFound } from './http/problem.ts'
import { networksApp } from './networks/routes.ts'
import { channelsOf, type DispatcherState, deliveryMetrics, deliveryStatus } from './notify/health.ts'
import { pushApp } from './notify/routes.ts'
import { partnerApp } from './places/partner.ts'
import { placesApp } from './places/routes.ts'
import { eventsApp } from './places/event-routes.ts'
import { helpApp } from './help/routes.ts'
import { walksApp } from './walks/routes.ts'
import { searchApp } from './places/search-routes.ts'
import { driverApp } from './transit/driver-routes.ts'
import { dropoffsApp } from './transit/dropoff-routes.ts'
import { transitApp } from './transit/routes.ts'
import { tripsApp } from './transit/trip-routes.ts'
import { type Services, type ServicesInput, withPorts } from './services.ts'
import { smsApp } from './sms/routes.ts'
import { sectorsApp } from './sectors/routes.ts'
import { fieldApp } from './field/routes.ts'
import { pagesApp } from './pages/routes.ts'
import { rightsApp } from './rights/routes.ts'
import { open311App } from './reports/open311-routes.ts'
import { open311Errors } from './reports/open311.ts'
import { reportsApp } from './reports/routes.ts'
import { statsApp } from './stats/routes.ts'
import { openStreams } from './realtime/sse.ts'
import { admitStreams, Openings, streamOpenings } from './realtime/openings.ts'
import { feedMetrics } from './transit/feed-age.ts'

export const VERSION = '0.1.0'

// Builds the whole HTTP surface from injected services. Runtime-free on purpose: the
// same app runs under @hono/node-server, in workerd, and in tests via app.request().
// `dispatcher`: the outbox dispatcher of this process, where one runs (Node), for /readyz and /metrics.
// `docsAssets`: swagger-ui-dist's files, where the runtime can read them (Node), for /docs.
// `widgetAssets`: the bundled widgets by file name, where the runtime builds them (Node);
// on Workers they are static assets, served before the app is reached.
export type WidgetAssets = (file: string) => Promise<Uint8Array | null>

export function createApp(
  input: ServicesInput,
  opts: { metrics?: Metrics; dispatcher?: DispatcherState; docsAssets?: DocsAssets; widgetAssets?: WidgetAssets } = {},
) {
  const s = withPorts(input)
  const metrics = opts.metrics ?? new Metrics()
  metrics.gauge('halte_sse_streams_open', 'Server-Sent Events streams open in this process (driver feeds, alert streams).', openStreams)
  const app = new OpenAPIHono<AppEnv>()

  app.use(observe(s.logger, metrics))
  // GeoReport v2 clients read errors as [{ code, description }], whichever layer refused.
  app.use('/open311/*', open311Errors)
  // Every route's body is bounded and clean before a handler (or a signature check) reads it.
  app.use(checkInput)
  // Before authentication: turning a stream away must cost no query.
  const openings = new Openings(streamOpenings(s.config))
  metrics.gauge('halte_sse_streams_opening', 'Streams being opened in this process (past the limit, new ones get 503 streams_busy).', () => openings.count)
  // One layer for both (each layer Hono runs costs every request: see checkInput).
  const admit = admitStreams(openings)
  const auth = authenticate(s)
  app.use('/v1/*', (c, next) =>
    admit(c, async () => {
      await auth(c, next)
    }),
  )

  // Probed every few seconds by every load balancer: its answer is built whole at once.
  app.get('/healthz', (c) => jsonAnswer(c, { status: 'ok' }))
  // Ready means the database answers; `delivery` says whether alerts can reach anyone,
  // which is no reason to take the instance out of a load balancer (refuges are still served).
  app.get('/readyz', async (c) => {
    await databaseAnswers(s)
    return c.json({ status: 'ready', delivery: await within(2000, deliveryStatus(s.probeSql ?? s.sql, channelsOf(s.config), opts.dispatcher, s.clock.now())) })
  })
  // Route names, volumes and latencies map the service for whoever reads them: the
  // scraper holds HALTE_METRICS_TOKEN, or an admin looks.
  app.get('/metrics', async (c) => {
    const token = bearerToken(c.req.header('authorization'))
    const scraper = token !== undefined && s.config.HALTE_METRICS_TOKEN !== undefined && (await secretsEqual(token, s.config.HALTE_METRICS_TOKEN))
    if (!scraper) requirePrincipal(token === undefined ? undefined : await principalOf(s, token), ['admin'])
    // Read from the database; without it the process's own figures still go out, with
    // halte_database_up 0, when they are needed most.
    const now = s.clock.now()
    const stored = await within(2000, Promise.all([deliveryMetrics(s.sql, channelsOf(s.config), opts.dispatcher, now), feedMetrics(s.sql, now)])).then(
      ([delivery, feeds]) => [...delivery, ...feeds],
      (err: unknown) => {
        c.get('log')?.warn('metrics: database figures unavailable', { err })
        return null
      },
    )
    const up = ['# HELP halte_database_up Whether /metrics could read the database (1) or not (0).', '# TYPE halte_database_up gauge', `halte_database_up ${stored ? 1 : 0}`]
    return c.text(`${metrics.render()}${[...up, ...(stored ?? [])].join('\n')}\n`, 200, { 'content-type': 'text/plain; version=0.0.4' })
  })

  app.route('/', networksApp(s))
  app.route('/', tokensApp(s))
  app.route('/', placesApp(s))
  app.route('/', eventsApp(s))
  app.route('/', helpApp(s))
  app.route('/', walksApp(s))
  app.route('/', searchApp(s))
  app.route('/', hoursApp(s))
  app.route('/', partnerApp(s))
  app.route('/', transitApp(s))
  app.route('/', tripsApp(s))
  app.route('/', dropoffsApp(s))
  app.route('/', driverApp(s))
  app.route('/', alertsApp(s))
  app.route('/', partnerAlertsApp(s))
  app.route('/', broadcastsApp(s))
  app.route('/', pushApp(s))
  app.route('/', smsApp(s))
  app.route('/', rightsApp(s))
  app.route('/', sectorsApp(s))
  app.route('/', fieldApp(s))
  app.route('/', pagesApp(s))
  app.route('/', reportsApp(s))
  app.route('/', statsApp(s))
  app.route('/', open311App(s))
  app.route('/', coverageApp(s))

  const widgetAssets = opts.widgetAssets
  app.get('/widgets/:file', async (c) => {
    const file = c.req.param('file')
    const bytes = widgetAssets && /^[\w-]+\.js$/.test(file) ? await widgetAssets(file) : null
    if (!bytes) return onNotFound(c)
    // Loaded as modules by other sites' pages: readable cross-origin (see cors.ts).
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
      'cross-origin-resource-policy': 'cross-origin',
    })
  })

  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) app.openAPIRegistry.registerComponent('securitySchemes', name, scheme)
  const docConfig = {
    openapi: '3.1.0',
    info: {
      title: 'halte',
      version: VERSION,
      description:
        'Refuges « Où est Angela ? », descente entre deux arrêts, alertes. En cas de danger : 17, 112, SMS 114.\n\n' +
        'Safe places, drop-off between stops, alerts. In danger: call 17 or 112, text 114. ' +
        'Answers are in French unless the request asks for English (`Accept-Language: en`).\n\n' +
        'Browsers: every /v1 route answers cross-origin calls (no cookies; tokens go in `Authorization` or `X-Access-Token`). ' +
        'Event streams (`…/stream`, `/v1/driver/feed`) are read with `fetch()` and a stream reader, not `EventSource`: ' +
        'EventSource cannot send headers, and a token in a URL is kept by logs and histories. Send `Last-Event-ID` ' +
        'with the last id received to resume without gaps or duplicates.',
      license: { name: 'AGPL-3.0-or-later', identifier: 'AGPL-3.0-or-later' },
    },
    servers: [{ url: s.config.PUBLIC_BASE_URL ?? '/', description: s.config.PUBLIC_BASE_URL ? 'This service' : 'This service (same origin)' }],
  }
  // Built once, on first read: every route is registered by then.
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined
  const openApi = () => (document ??= finishDocument(app.getOpenAPI31Document(docConfig)))
  app.get('/openapi.json', (c) => c.json(openApi()))
  const docsAssets = opts.docsAssets
  app.get('/docs', (c) => c.html(docsAssets ? swaggerPage('halte') : renderDocs(openApi() as Parameters<typeof renderDocs>[0])))
  app.get(`${DOCS_ASSET_BASE}/:file`, async (c) => {
    const file = c.req.param('file')
    const cache = { 'cache-control': 'public, max-age=86400' }
    if (file === 'init.js') return c.body(SWAGGER_INIT, 200, { 'content-type': 'text/javascript; charset=utf-8', ...cache })
    const asset = docsAssets && (SWAGGER_ASSETS as readonly string[]).includes(file) ? await docsAssets(file as SwaggerAsset) : null
    if (!asset) return onNotFound(c)
    const type = file.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8'
    return c.body(asset as Uint8Array<ArrayBuffer>, 200, { 'content-type': type, ...cache })
  })

  app.notFound(onNotFound)
  app.onError(onError)
  return app
}

export type App = ReturnType<typeof createApp>

async function databaseAnswers(s: Services) {
  await within(2000, (s.probeSql ?? s.sql)`select 1`)
}

// A probe or a scrape answers within its own timeout, whatever the database does.
async function within<T>(ms: number, work: PromiseLike<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('database check timed out'), { code: 'ETIMEDOUT' })), ms)
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

// Writes to /v1 carry JSON unless a route says otherwise (GTFS zips declare their own type).
const requireJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const method = c.req.method
  const hasBody = c.req.header('content-length') !== undefined && c.req.header('content-length') !== '0'
  if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && (hasBody || c.req.header('transfer-encoding'))) {
    const type = c.req.header('content-type') ?? ''
    if (!/^application\/(.+\+)?json\b/i.test(type) && !c.req.path.endsWith('/gtfs')) {
      throw new HalteError(415, 'unsupported_media_type', {
        fr: `Envoyez du JSON (Content-Type: application/json), pas « ${type || 'rien'} ».`,
        en: `Send JSON (Content-Type: application/json), not "${type || 'nothing'}".`,
      })
    }
  }
  await next()
}

// The input checks above, in their order, as one layer: every layer Hono runs costs every
// request, /healthz included (measured, interleaved runs: /healthz at 0.68 of a bare Hono
// app's rate with one layer, 0.60 with three).
const checkInput: MiddlewareHandler<AppEnv> = (c, next) =>
  limitBodies(c, async () => {
    await refuseBadCharacters(c, async () => {
      const path = c.req.path
      await (path === '/v1' || path.startsWith('/v1/') ? requireJsonBody(c, next) : next())
    })
  })
