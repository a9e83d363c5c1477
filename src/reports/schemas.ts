import { z } from '@hono/zod-openapi'
import { HalteError } from '../errors.ts'
import type { ReportFilter } from './queries.ts'

// GeoReport v2's POST fields. Forms send every value as text, JSON may send numbers;
// unknown fields (attribute[…], account_id) are let through unread, as clients send them.
const coord = z.union([z.number(), z.string().max(40)]).optional()
export const postFields = z.object({
  jurisdiction_id: z.string().max(100).optional(),
  api_key: z.string().max(200).optional(),
  service_code: z.string().min(1).max(40).openapi({ example: 'poor_lighting' }),
  lat: coord.openapi({ example: '47.2378' }),
  long: coord.openapi({ example: '6.0241' }),
  address_string: z.string().max(500).optional(),
  address_id: z.string().max(200).optional(),
  description: z.string().max(4000).optional(),
  email: z.string().max(254).optional(),
  first_name: z.string().max(100).optional(),
  last_name: z.string().max(100).optional(),
  phone: z.string().max(40).optional(),
  device_id: z.string().max(200).optional(),
  media_url: z.string().max(2000).optional(),
})

export const listQuerySchema = z.object({
  jurisdiction_id: z.string().max(100).optional(),
  api_key: z.string().max(200).optional(),
  service_request_id: z.string().max(4000).optional().openapi({ example: '0e3c7a52-8f1d-4d55-9a43-2b7f5f0c1e9a' }),
  service_code: z.string().max(1000).optional().openapi({ example: 'poor_lighting,noise' }),
  status: z.string().max(20).optional().openapi({ example: 'open' }),
  start_date: z.string().max(40).optional().openapi({ example: '2026-12-01T00:00:00Z' }),
  end_date: z.string().max(40).optional().openapi({ example: '2026-12-02T00:00:00Z' }),
  bbox: z.string().max(200).optional().openapi({ example: '6.00,47.22,6.05,47.26' }),
})

const DAY = 86_400_000
const MAX_SPAN = 90 * DAY
const W3C = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/

const bad = (en: string, fr: string, code = 'validation_failed') => new HalteError(400, code, { fr, en })

function date(v: string | undefined, name: string): Date | undefined {
  if (v === undefined || v === '') return undefined
  const t = W3C.test(v) ? Date.parse(v) : Number.NaN
  if (Number.isNaN(t)) throw bad(`${name} must be a W3C date-time, e.g. 2026-12-01T00:00:00Z.`, `${name} doit être une date W3C, par ex. 2026-12-01T00:00:00Z.`)
  return new Date(t)
}

const list = (v: string | undefined) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : undefined)

// The GET filters as the spec reads them: ids alone when given; otherwise a window of 90
// days at most (the last 90 by default), codes, statuses and a bounding box.
export function parseListQuery(q: z.infer<typeof listQuerySchema>, now: Date): Omit<ReportFilter, 'publicOnly' | 'limit'> {
  const ids = list(q.service_request_id)
  if (ids) {
    if (ids.length > 100 || !ids.every((id) => z.uuid().safeParse(id).success)) {
      throw bad('service_request_id must be a comma-separated list of at most 100 report ids.', 'service_request_id doit être une liste d’au plus 100 identifiants séparés par des virgules.')
    }
    return { ids }
  }
  let from = date(q.start_date, 'start_date')
  let to = date(q.end_date, 'end_date')
  if (from && to && to < from) throw bad('end_date is before start_date.', 'end_date précède start_date.')
  if (from && to && to.getTime() - from.getTime() > MAX_SPAN) {
    throw bad('start_date to end_date spans more than 90 days; ask in several windows.', 'start_date à end_date dépasse 90 jours ; demandez en plusieurs fois.', 'date_range_too_long')
  }
  if (!from && !to) from = new Date(now.getTime() - MAX_SPAN)
  else if (!from) from = new Date(to!.getTime() - MAX_SPAN)
  else if (!to) to = new Date(from.getTime() + MAX_SPAN)
  const statuses = list(q.status)
  if (statuses && !statuses.every((st) => st === 'open' || st === 'closed')) throw bad('status must be open, closed or both (open,closed).', 'status doit valoir open, closed ou les deux (open,closed).')
  let bbox: ReportFilter['bbox']
  if (q.bbox) {
    const n = q.bbox.split(',').map(Number)
    if (n.length !== 4 || !n.every(Number.isFinite) || n[0]! > n[2]! || n[1]! > n[3]!) {
      throw bad('bbox must be minLon,minLat,maxLon,maxLat, e.g. 6.00,47.22,6.05,47.26.', 'bbox doit être minLon,minLat,maxLon,maxLat, par ex. 6.00,47.22,6.05,47.26.')
    }
    bbox = n as [number, number, number, number]
  }
  return {
    from,
    to,
    codes: list(q.service_code),
    statuses: statuses?.flatMap((st) => (st === 'open' ? ['open', 'in_progress'] : ['closed'])),
    bbox,
  }
}

// --- /v1: operators' categories and queue ---

const code = z.string().regex(/^[a-z0-9_]{1,40}$/).openapi({ example: 'broken_bench' })
const name = z.string().trim().min(1).max(120)
const description = z.string().max(1000)

export const categoryCreateSchema = z
  .object({
    code,
    name_fr: name,
    name_en: name,
    description_fr: description.optional(),
    description_en: description.optional(),
    visibility: z.enum(['public', 'private']),
    group: z.string().max(60).optional(),
    keywords: z.string().max(300).optional(),
  })
  .strict()

export const categoryPatchSchema = categoryCreateSchema.omit({ code: true }).partial().extend({ active: z.boolean().optional() }).strict()

export const categorySchema = z
  .object({
    code: z.string(),
    name_fr: z.string(),
    name_en: z.string(),
    description_fr: z.string(),
    description_en: z.string(),
    visibility: z.enum(['public', 'private']),
    group: z.string(),
    keywords: z.string(),
    active: z.boolean(),
  })
  .openapi('ReportCategory')

export const REPORT_STATUSES = ['open', 'in_progress', 'closed'] as const

export const statusChangeSchema = z.object({ status: z.enum(REPORT_STATUSES), public_note: z.string().trim().max(2000).optional() }).strict()

export const reportSchema = z
  .object({
    id: z.uuid(),
    category: z.object({ code: z.string(), name: z.string() }),
    visibility: z.enum(['public', 'private']),
    status: z.enum(REPORT_STATUSES),
    status_notes: z.string().nullable(),
    description: z.string(),
    location: z.object({ lat: z.number(), lon: z.number() }),
    address: z.string().nullable(),
    contact: z
      .object({ email: z.string().nullable(), first_name: z.string().nullable(), last_name: z.string().nullable(), phone: z.string().nullable() })
      .nullable()
      .openapi({ description: 'null once erased (after the network’s retention period)' }),
    media: z.array(z.object({ id: z.uuid(), url: z.string() })),
    created_at: z.string(),
    updated_at: z.string(),
    events: z
      .array(z.object({ kind: z.string(), from_status: z.string().nullable(), to_status: z.string(), public_note: z.string().nullable(), actor_role: z.string(), at: z.string() }))
      .optional(),
  })
  .openapi('Report')
