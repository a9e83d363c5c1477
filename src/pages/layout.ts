import { html, raw } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'

// The frame of halte's own pages: each is a thin page around one widget, in French
// first with English beside it, readable at 360 px wide.

export type Page = HtmlEscapedString | Promise<HtmlEscapedString>

export function layout(o: { title: string; lang: 'fr' | 'en'; scripts: string[]; body: Page }) {
  return html`<!doctype html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta name="referrer" content="strict-origin-when-cross-origin" />
<link rel="icon" href="data:," />
<title>${o.title}</title>
<style>${raw(PAGE_STYLE)}</style>
${o.scripts.map((s) => html`<script type="module" src="/widgets/${s}.js"></script>`)}
</head>
<body>
<header><a href="/" class="brand">halte</a> <nav aria-label="${o.lang === 'fr' ? 'Pages' : 'Pages'}"><a href="/partner">${o.lang === 'fr' ? 'Partenaires' : 'Partners'}</a> <a href="/driver">${o.lang === 'fr' ? 'Conduite' : 'Drivers'}</a> <a href="/console">Console</a> <a href="/docs">API</a></nav></header>
<main id="main">${o.body}</main>
</body>
</html>`
}

const PAGE_STYLE = `
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1b1b1b; background: #f6f6f4; }
header { display: flex; flex-wrap: wrap; gap: 1em; align-items: center; padding: 0.6em 1em; background: #12284c; }
header a { color: #fff; min-height: 44px; display: inline-flex; align-items: center; }
header nav { display: flex; flex-wrap: wrap; gap: 1em; }
.brand { font-weight: 800; font-size: 1.3rem; text-decoration: none; }
main { max-width: 60rem; margin: 0 auto; padding: 1em; }
main > section { background: #fff; border-radius: 12px; padding: 1em; margin: 1em 0; }
pre { overflow-x: auto; background: #f0f0f0; padding: 0.8em; border-radius: 8px; font-size: 0.85rem; }
a { color: #1d4ed8; }
:focus-visible { outline: 3px solid #ff9f1a; outline-offset: 2px; }
.demo { display: grid; gap: 1em; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); }
`
