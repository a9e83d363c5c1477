import type { MiddlewareHandler } from 'hono'
import type { Lang } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import { type CategoryRow, GRID_DEG, type ReportRow } from './queries.ts'

// What GeoReport v2 clients (FixMyStreet's Open311.pm, the open311 npm client, city
// apps) read: the spec's element names, XML as the required format and JSON beside it.

export type Format = 'json' | 'xml'
type Scalar = string | number | boolean | null
export type Item = Record<string, Scalar>

export function serviceOf(c: CategoryRow, lang: Lang): Item {
  return {
    service_code: c.code,
    service_name: lang === 'en' ? c.name_en : c.name_fr,
    description: lang === 'en' ? c.description_en : c.description_fr,
    metadata: false,
    type: 'realtime',
    keywords: c.keywords,
    group: c.group,
  }
}

// The centre of the report's grid cell (GRID_DEG, ~111 m × 75 m here): every point of a
// cell gives the same answer, so repeated reads reveal nothing finer than the cell.
export function coarsen(v: number): number {
  return Number((Math.floor(v / GRID_DEG) * GRID_DEG + GRID_DEG / 2).toFixed(4))
}

// in_progress is not a GeoReport status: it reads as open, and the operators' public
// note says what is being done.
export function requestOf(r: ReportRow, lang: Lang, opts: { operator: boolean; mediaBase: string }): Item {
  const precise = opts.operator
  return {
    service_request_id: r.id,
    status: r.status === 'closed' ? 'closed' : 'open',
    status_notes: r.status_notes ?? '',
    service_name: lang === 'en' ? r.category_name_en : r.category_name_fr,
    service_code: r.category_code,
    description: r.description,
    agency_responsible: '',
    service_notice: '',
    requested_datetime: r.created_at.toISOString(),
    updated_datetime: r.updated_at.toISOString(),
    expected_datetime: '',
    // A typed address can be a doorstep: operators only.
    address: precise ? (r.address ?? '') : '',
    address_id: '',
    zipcode: '',
    lat: precise ? r.lat : coarsen(r.lat),
    long: precise ? r.lon : coarsen(r.lon),
    media_url: r.media_ids.length ? `${opts.mediaBase}/${r.media_ids[0]}` : '',
  }
}

export function render(format: Format, root: string, element: string, items: Item[], status = 200): Response {
  if (format === 'json') {
    return new Response(JSON.stringify(items), { status, headers: { 'content-type': 'application/json; charset=utf-8' } })
  }
  const body = items.map((it) => `<${element}>${Object.entries(it).map(([k, v]) => xmlField(k, v)).join('')}</${element}>`).join('')
  return new Response(`<?xml version="1.0" encoding="utf-8"?>\n<${root}>${body}</${root}>\n`, {
    status,
    headers: { 'content-type': 'text/xml; charset=utf-8' },
  })
}

function xmlField(name: string, v: Scalar) {
  const text = v === null ? '' : xmlText(String(v))
  return text === '' ? `<${name}/>` : `<${name}>${text}</${name}>`
}

// XML 1.0 cannot carry most control characters, even escaped: one in a description
// would make the whole list unreadable to every client, so they are left out.
function xmlText(s: string) {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

// Under /open311 every refusal, whoever raised it (the input checks before routing, a
// validator, a handler, the 404 for an unknown path), goes out in the spec's error shape
// `[{ code, description }]` with the HTTP status, in the format the path asked for. `code`
// holds halte's stable snake_case code, not a repeat of the HTTP status: the status is on
// the response already, GeoReport v2 leaves the code's values to the server, and clients
// (FixMyStreet logs "code: description") can then tell a jurisdiction mismatch from an
// unknown service without parsing prose. Field errors each become one entry.
export const open311Errors: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next()
  const type = c.res.headers.get('content-type') ?? ''
  if (!type.startsWith('application/problem+json')) return
  const problem = (await c.res.clone().json()) as { status: number; code: string; detail: string; errors?: { path: string; message: string }[] }
  const errors = problem.errors?.length
    ? problem.errors.map((e) => ({ code: problem.code, description: e.message }))
    : [{ code: problem.code, description: problem.detail }]
  const format: Format = /\.xml$/i.test(c.req.path) ? 'xml' : 'json'
  const res = render(format, 'errors', 'error', errors, problem.status)
  for (const h of ['retry-after', 'www-authenticate', 'content-language', 'x-request-id']) {
    const v = c.res.headers.get(h)
    if (v) res.headers.set(h, v)
  }
  c.res = undefined
  c.res = res
}
