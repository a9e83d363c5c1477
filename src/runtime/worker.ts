import postgres from 'postgres'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { systemClock } from '../services.ts'

// Cloudflare Workers entry. The database is reached through Hyperdrive, which pools
// connections at the edge: a client per request, no prepared statements, no type
// fetch (Cloudflare's guidance for postgres.js). Migrations run from Node, never here.

interface Env {
  HYPERDRIVE?: { connectionString: string }
  [key: string]: unknown
}

interface Ctx {
  waitUntil(p: Promise<unknown>): void
}

export default {
  async fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> {
    const vars = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>
    const config = loadConfig({ ...vars, DATABASE_URL: env.HYPERDRIVE?.connectionString ?? vars.DATABASE_URL })
    const sql = postgres(config.DATABASE_URL ?? 'postgres://unconfigured@127.0.0.1:1/none', {
      max: 5,
      prepare: false,
      fetch_types: false,
      connect_timeout: 5,
      onnotice: () => {},
      ...(config.HALTE_DB_SCHEMA ? { connection: { search_path: `${config.HALTE_DB_SCHEMA},public` } } : {}),
    })
    const logger = createLogger(config.LOG_LEVEL, (line) => console.log(line), { service: 'halte', runtime: 'workers' })
    const app = createApp({ sql, clock: systemClock, logger, config })
    const response = await app.fetch(request)
    ctx.waitUntil(sql.end({ timeout: 1 }).catch(() => {}))
    return response
  },
}
