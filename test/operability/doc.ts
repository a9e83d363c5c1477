import postgres from 'postgres'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'

// The OpenAPI document as served, from an app whose database is never reached:
// building the document runs no query.
export async function openApiDocument(env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const sql = postgres('postgres://nobody@127.0.0.1:1/none', { max: 1 })
  try {
    const app = createApp({ sql, clock: { now: () => new Date() }, logger: createLogger('silent', () => {}), config: loadConfig(env) })
    const res = await app.request('/openapi.json')
    return (await res.json()) as Record<string, unknown>
  } finally {
    await sql.end({ timeout: 0 })
  }
}
