import { html } from 'hono/html'

// /docs renders the OpenAPI document as a plain page, with no script or asset from
// elsewhere: it must work on an offline city intranet and on a small phone.

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
