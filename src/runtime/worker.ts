import postgres from 'postgres'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { TYPE_OPTIONS } from '../db/types.ts'
import { createLogger } from '../logger.ts'
import { channelsOf } from '../notify/health.ts'
import { systemClock } from '../services.ts'
import { runScheduled } from './scheduled.ts'

// Cloudflare Workers entry (only handlers may be exported from it). The database is reached through Hyperdrive, which pools
// connections at the edge: a client per request, no prepared statements, no type
// fetch (Cloudflare's guidance for postgres.js; TYPE_OPTIONS, shared with Node). Migrations run from Node, never here.

interface Env {
  HYPERDRIVE?: { connectionString: string }
  [key: string]: unknown
}

interface Ctx {
  waitUntil(p: Promise<unknown>): void
}

function connectEnv(env: Env) {
  const vars = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>
  const config = loadConfig({ ...vars, DATABASE_URL: env.HYPERDRIVE?.connectionString ?? vars.DATABASE_URL })
  const sql = postgres(config.DATABASE_URL ?? 'postgres://unconfigured@127.0.0.1:1/none', {
    max: 5,
    prepare: false,
    ...TYPE_OPTIONS,
    connect_timeout: 5,
    onnotice: () => {},
    ...(config.HALTE_DB_SCHEMA ? { connection: { search_path: `${config.HALTE_DB_SCHEMA},public` } } : {}),
  })
  const logger = createLogger(config.LOG_LEVEL, (line) => console.log(line), { service: 'halte', runtime: 'workers' })
  // Required here: a Worker has no disk to keep a generated one on. Refuges and alerts
  // are still served; inbound SMS fail until it is set (wrangler secret put HALTE_HASH_SECRET).
  if (!config.HALTE_HASH_SECRET) logger.error('HALTE_HASH_SECRET is not set: inbound SMS cannot be matched to opt-outs')
  return { config, sql, logger }
}

// The client lives as long as the response body: an event stream (the driver feed, the
// operators' alerts) keeps reading by cursor long after the handler returned, and a
// client ended then would fail its every poll. Ended once the body is sent, or the
// reader went away (which also cancels the stream, so its loop stops).
function endWithBody(response: Response, end: () => Promise<unknown>, ctx: Ctx): Response {
  if (!response.body) {
    ctx.waitUntil(end())
    return response
  }
  const { readable, writable } = new TransformStream()
  ctx.waitUntil(
    response.body
      .pipeTo(writable)
      .catch(() => {})
      .finally(end),
  )
  return new Response(readable, response)
}

export default {
  async fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> {
    const { config, sql, logger } = connectEnv(env)
    // Cloudflare sets CF-Connecting-IP at its edge, overwriting what a client sent.
    const peerAddress = (c: { req: { header(name: string): string | undefined } }) => c.req.header('cf-connecting-ip')
    const app = createApp({ sql, clock: systemClock, logger, config, peerAddress })
    const response = await app.fetch(request)
    return endWithBody(response, () => sql.end({ timeout: 1 }).catch(() => {}), ctx)
  },

  async scheduled(event: { cron: string; scheduledTime: number }, env: Env, ctx: Ctx): Promise<void> {
    const { config, sql, logger } = connectEnv(env)
    const done = runScheduled(sql, logger, event.cron, new Date(event.scheduledTime), channelsOf(config)).finally(() => sql.end({ timeout: 1 }).catch(() => {}))
    ctx.waitUntil(done)
    await done
  },
}
