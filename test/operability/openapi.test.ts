import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { nodeDocsAssets } from '../../src/runtime/docs-assets.ts'
import { openApiDocument } from './doc.ts'

// The OpenAPI document is what integrators build on and what /docs renders: it must pass
// Redocly's recommended rules with no error, name every operation and say how to call it.

type Op = { operationId?: string; security?: unknown[] }

describe('the OpenAPI document', () => {
  it('passes redocly lint (recommended rules) with 0 errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'halte-openapi-'))
    try {
      const file = join(dir, 'openapi.json')
      await writeFile(file, JSON.stringify(await openApiDocument({ PUBLIC_BASE_URL: 'https://halte.example.org' })))
      const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js')
      const run = await promisify(execFile)(process.execPath, [cli, 'lint', file, '--extends=recommended', '--format=json'], {
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        maxBuffer: 16 * 1024 * 1024,
      }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }))
      const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { totals: { errors: number }; problems: { ruleId: string; message: string; severity: string }[] }
      const errors = report.problems.filter((p) => p.severity === 'error')
      expect(errors, JSON.stringify(errors, null, 2)).toEqual([])
      expect(report.totals.errors).toBe(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('names every operation, says its security, and declares servers and the auth schemes', async () => {
    const doc = (await openApiDocument()) as {
      servers: { url: string }[]
      paths: Record<string, Record<string, Op>>
      components: { securitySchemes: Record<string, { type: string; scheme?: string }> }
    }
    expect(doc.servers.length).toBeGreaterThan(0)
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    const ops = Object.entries(doc.paths).flatMap(([path, m]) => Object.entries(m).map(([method, op]) => ({ key: `${method} ${path}`, op })))
    const ids = ops.map((o) => o.op.operationId)
    expect(ids.every((id) => typeof id === 'string' && /^[a-zA-Z0-9]+$/.test(id))).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ops.filter((o) => !Array.isArray(o.op.security)).map((o) => o.key)).toEqual([])
    const security = Object.fromEntries(ops.map((o) => [o.key, o.op.security]))
    expect(security['get /v1/networks/{slug}/places/nearest']).toEqual([])
    expect(security['post /v1/networks/{slug}/gtfs']).toEqual([{ bearer: [] }])
    expect(security['get /v1/dropoffs/{id}']).toEqual([{ accessToken: [] }])
  })
})

describe('/docs', () => {
  const app = (withAssets: boolean) => {
    const sql = postgres('postgres://nobody@127.0.0.1:1/none', { max: 1 })
    const a = createApp(
      { sql, clock: { now: () => new Date() }, logger: createLogger('silent', () => {}), config: loadConfig({}) },
      withAssets ? { docsAssets: nodeDocsAssets() } : {},
    )
    return { a, end: () => sql.end({ timeout: 0 }) }
  }

  it('is Swagger UI served from this origin, under the pages’ policy', async () => {
    const { a, end } = app(true)
    try {
      const page = await a.request('/docs')
      const html = await page.text()
      expect(page.status).toBe(200)
      expect(html).toContain('/docs/assets/swagger-ui-bundle.js')
      expect(html).not.toMatch(/https?:\/\//)
      expect(html).not.toMatch(/<script>(?!<)/)
      expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self';/)
      const bundle = await a.request('/docs/assets/swagger-ui-bundle.js')
      expect(bundle.status).toBe(200)
      expect(bundle.headers.get('content-type')).toMatch(/javascript/)
      expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000)
      expect((await a.request('/docs/assets/swagger-ui.css')).status).toBe(200)
      expect(await (await a.request('/docs/assets/init.js')).text()).toContain("url: '/openapi.json'")
      expect((await a.request('/docs/assets/package.json')).status).toBe(404)
    } finally {
      await end()
    }
  })

  it('without the package’s files (Workers) is a plain page that needs no script', async () => {
    const { a, end } = app(false)
    try {
      const html = await (await a.request('/docs')).text()
      expect(html).not.toContain('<script')
      expect(html).toContain('/openapi.json')
    } finally {
      await end()
    }
  })
})
