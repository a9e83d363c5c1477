import type { MiddlewareHandler } from 'hono'
import { pickLang } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { AppEnv } from './env.ts'
import { type Metrics, routeLabel } from './metrics.ts'
import { secureHeaders } from './security.ts'

// Request id, language, per-request logger, access log, metrics and security headers in
// one layer: it runs on every request, so one await instead of five.

const CALLER_ID = /^[\w.:-]{1,128}$/
const PROBES = new Set(['/healthz', '/readyz', '/metrics'])

export function observe(logger: Logger, metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const start = performance.now()
    const incoming = c.req.header('x-request-id')
    const id = incoming && CALLER_ID.test(incoming) ? incoming : crypto.randomUUID()
    c.set('requestId', id)
    c.header('X-Request-Id', id)
    c.set('lang', pickLang(c.req.header('accept-language')))
    const log = logger.child({ request_id: id })
    c.set('log', log)
    await next()
    // After the handler, on the final response: problem+json answers are built apart from
    // c.header(), and a page may have chosen its own Content-Security-Policy.
    secureHeaders(c.res.headers)
    const ms = performance.now() - start
    const status = c.res.status
    metrics.observe(c.req.method, routeLabel(c), status, ms / 1000)
    // Load balancers probe every few seconds: keep successful probes out of the access log.
    const fields = { method: c.req.method, path: c.req.path, status, ms: Math.round(ms * 10) / 10 }
    if (PROBES.has(c.req.path) && status < 400) log.debug('request', fields)
    else log.info('request', fields)
  }
}
