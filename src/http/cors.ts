// Cross-origin access for the widgets a city embeds in its own site, and for anyone's
// client of the API. Any origin may call: halte has no cookies and no ambient
// credentials (tokens travel in headers a page must set on purpose), so a foreign page
// gains nothing it could not get with curl. Credentials are never allowed.

const ALLOW_HEADERS = 'Authorization, X-Access-Token, Idempotency-Key, Last-Event-ID, Content-Type, Accept, Accept-Language, X-Request-Id'
const ALLOW_METHODS = 'GET, POST, PATCH, PUT, DELETE, OPTIONS'
// What a widget reads from an answer besides the body: where to wait, what was replayed.
const EXPOSE_HEADERS = 'Retry-After, Location, Idempotent-Replayed, X-Request-Id, Content-Language'

export function crossOriginPath(path: string): boolean {
  // /open311/: a city's own pages read the reports map and file reports from the browser.
  return path.startsWith('/v1/') || path.startsWith('/open311/') || path.startsWith('/widgets/') || path === '/openapi.json'
}

// The answer to a browser's preflight, before any authentication or body check: it
// carries no credentials and asks only whether the real request may follow.
export function preflight(path: string, req: { method: string; header(name: string): string | undefined }): Response | null {
  if (req.method !== 'OPTIONS' || !req.header('access-control-request-method') || !crossOriginPath(path)) return null
  return new Response(null, {
    status: 204,
    headers: {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': ALLOW_METHODS,
      'Access-Control-Allow-Headers': ALLOW_HEADERS,
      // Ten minutes: a widget's calls do not each pay a round trip.
      'Access-Control-Max-Age': '600',
    },
  })
}

export function allowCrossOrigin(headers: Headers) {
  headers.set('Access-Control-Allow-Origin', '*')
  headers.set('Access-Control-Expose-Headers', EXPOSE_HEADERS)
}
