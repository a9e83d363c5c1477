import { html } from 'hono/html'

// /docs is Swagger UI (swagger-ui-dist), served from this origin: it must work on an
// offline city intranet, and the pages' Content-Security-Policy allows our own scripts
// only. Where the runtime cannot hand over the package's files (Workers), /docs is the
// plain page below, which needs no script at all.

export const SWAGGER_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const
export type SwaggerAsset = (typeof SWAGGER_ASSETS)[number]
// Reads one of swagger-ui-dist's files (null: this runtime has none).
export type DocsAssets = (file: SwaggerAsset) => Promise<Uint8Array | null>

export const DOCS_ASSET_BASE = '/docs/assets'

export function swaggerPage(title: string) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — API</title>
<link rel="stylesheet" href="${DOCS_ASSET_BASE}/swagger-ui.css">
</head>
<body>
<noscript><p>This page needs JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.</p></noscript>
<div id="swagger-ui"></div>
<script src="${DOCS_ASSET_BASE}/swagger-ui-bundle.js"></script>
<script src="${DOCS_ASSET_BASE}/init.js"></script>
</body></html>`
}

// An inline script would need 'unsafe-inline' in the page's policy: a file instead.
// Authorisations are not kept across reloads: an operator's token stays out of storage.
export const SWAGGER_INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false,
    displayOperationId: true,
    defaultModelsExpandDepth: 1,
    docExpansion: 'list',
  })
})
`

type OpenApiOperation = { operationId?: string; security?: Record<string, string[]>[] }
type OpenApiDoc = {
  paths?: Record<string, Record<string, OpenApiOperation>>
  components?: { securitySchemes?: Record<string, unknown> }
  [key: string]: unknown
}

// Who may call what, for the operations whose route declares no `security`: requesters
// hold an access token (X-Access-Token), Twilio signs its webhooks, /v1/places/{id}
// answers anyone and shows more to a token. Everything else undeclared is public.
const SECURITY: Record<string, Record<string, string[]>[]> = {
  'get /v1/places/{id}': [{}, { bearer: [] }],
  'get /v1/dropoffs/{id}': [{ accessToken: [] }],
  'delete /v1/dropoffs/{id}': [{ accessToken: [] }],
  'get /v1/alerts/{id}': [{ accessToken: [] }, { bearer: [] }],
  'post /v1/alerts/{id}/cancel': [{ accessToken: [] }],
  'delete /v1/alerts/{id}': [{ accessToken: [] }],
  'get /v1/alerts/{id}/export': [{ accessToken: [] }],
  'post /webhooks/twilio/sms': [{ twilioSignature: [] }],
}

export const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      'A role token (admin, operator, partner, driver): `Authorization: Bearer <token>`. Create one with `npx halte token create` or POST /v1/networks/{slug}/tokens.',
  },
  accessToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Access-Token',
    description: 'The access_token given to whoever raised an alert or asked for a drop-off (also accepted as ?access_token=).',
  },
  twilioSignature: { type: 'apiKey', in: 'header', name: 'X-Twilio-Signature', description: 'Set by Twilio: HMAC of PUBLIC_BASE_URL + path and the form fields.' },
} as const

// A stable name for each operation (client generators and the docs' links use it):
// the method and the path's words, parameters as "By…".
export function operationIdOf(method: string, path: string) {
  const words = path
    .split('/')
    .filter((p) => p !== '' && p !== 'v1')
    .map((p) => {
      const param = /^\{(.+)\}$/.exec(p)
      const word = (param ? `by_${param[1]}` : p).replace(/\.(json|xml)$/, '_$1')
      return word
        .split(/[^a-zA-Z0-9]+/)
        .filter(Boolean)
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join('')
    })
  return method.toLowerCase() + words.join('')
}

// What the generated document lacks for a reader and a linter: an operationId and a
// `security` on every operation (an empty list: public).
export function finishDocument<T extends object>(document: T): T {
  const doc = document as OpenApiDoc
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      if (typeof op !== 'object' || op === null) continue
      op.operationId ??= operationIdOf(method, path)
      op.security ??= SECURITY[`${method} ${path}`] ?? []
    }
  }
  return document
}

interface Operation {
  summary?: string
  description?: string
  tags?: string[]
  security?: unknown[]
  parameters?: { name: string; in: string; required?: boolean; description?: string }[]
  requestBody?: { content?: Record<string, { schema?: unknown }> }
  responses?: Record<string, { description?: string }>
}

type Doc = {
  info: { title: string; version: string; description?: string }
  paths?: Record<string, Record<string, Operation>>
  components?: { schemas?: Record<string, unknown> }
}

export function renderDocs(doc: Doc) {
  const ops = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  )
  return html`<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${doc.info.title} — API</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1b1b1b}
details{border:1px solid #ccc;border-radius:6px;margin:.5rem 0;padding:.5rem}
summary{cursor:pointer}code{font-size:.95em}.m{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}
pre{background:#f4f4f4;padding:.5rem;overflow:auto;font-size:.85em}
</style>
</head>
<body>
<h1>${doc.info.title} <small>v${doc.info.version}</small></h1>
<p>${doc.info.description ?? ''}</p>
<p>Document OpenAPI 3.1 : <a href="/openapi.json">/openapi.json</a></p>
<main>
${ops.map(
  ({ path, method, op }) => html`<details>
<summary><span class="m">${method}</span> <code>${path}</code> — ${op.summary ?? ''}${op.security?.length ? ' 🔒' : ''}</summary>
${op.description ? html`<p>${op.description}</p>` : ''}
${
  op.parameters?.length
    ? html`<h3>Paramètres</h3><ul>${op.parameters.map(
        (p) => html`<li><code>${p.name}</code> (${p.in}${p.required ? ', requis' : ''}) ${p.description ?? ''}</li>`,
      )}</ul>`
    : ''
}
${
  op.requestBody?.content
    ? html`<h3>Corps</h3>${Object.entries(op.requestBody.content).map(
        ([type, c]) => html`<p><code>${type}</code></p><pre>${JSON.stringify(c.schema ?? {}, null, 2)}</pre>`,
      )}`
    : ''
}
<h3>Réponses</h3><ul>${Object.entries(op.responses ?? {}).map(
    ([status, r]) => html`<li><code>${status}</code> ${r.description ?? ''}</li>`,
  )}</ul>
</details>`,
)}
</main>
<h2>Schémas</h2>
${Object.entries(doc.components?.schemas ?? {}).map(
  ([name, schema]) => html`<details id="${name}"><summary><code>${name}</code></summary>
<pre>${JSON.stringify(schema, null, 2)}</pre></details>`,
)}
</body></html>`
}
