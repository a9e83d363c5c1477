import type { Context } from 'hono'

// Security headers, set by observe() after every handler (or written into the busiest
// answers as they are built): no extra middleware layer.
//
// Referrer-Policy is strict-origin-when-cross-origin rather than no-referrer: requesters
// may carry their access token in the query string, and this policy never sends a path
// or a query to another site, only our origin. That origin is what map tile servers ask
// for (OpenStreetMap's tile policy wants a Referer from web pages), so the pages and
// widgets to come can show a city's tiles without each opting back in.
export const REFERRER_POLICY = 'strict-origin-when-cross-origin'

// API answers (JSON, problem+json, text) are never documents to render or frame.
export const API_CSP = "default-src 'none'; frame-ancestors 'none'"

// HTML pages: our own scripts and styles only (the inline <style> of /docs included),
// nothing from elsewhere, and no framing: an operator's console inside another site's
// frame could be clicked through without them knowing.
export const PAGE_SOURCES =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
export const PAGE_CSP = `${PAGE_SOURCES}; frame-ancestors 'none'`

// The hook for pages a city embeds in its own site (an iframe of the nearby-refuges
// widget): call it in the handler, before returning the page, and observe() keeps it.
// `ancestors` are the origins allowed to frame the page; the default lets any https
// site do so, as the widgets themselves may be embedded from any origin. `sources`
// replaces the page's source directives whole (a browser ignores a repeated directive),
// e.g. to add the tile server the city configured to img-src.
export function embeddablePage(c: Context, opts: { ancestors?: readonly string[]; sources?: string } = {}) {
  const ancestors = opts.ancestors?.length ? opts.ancestors.join(' ') : "'self' https:"
  c.header('Content-Security-Policy', `${opts.sources ?? PAGE_SOURCES}; frame-ancestors ${ancestors}`)
}

// What every API answer carries, as one object: answers built with it need no change
// afterwards (see jsonAnswer in observe.ts).
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': REFERRER_POLICY,
  'Content-Security-Policy': API_CSP,
})

export function secureHeaders(headers: Headers) {
  headers.set('X-Content-Type-Options', 'nosniff')
  headers.set('Referrer-Policy', REFERRER_POLICY)
  // A route that chose its own policy (an embeddable page) keeps it.
  if (!headers.has('Content-Security-Policy')) {
    const type = headers.get('Content-Type')
    headers.set('Content-Security-Policy', type?.startsWith('text/html') ? PAGE_CSP : API_CSP)
  }
}
