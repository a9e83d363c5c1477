import { z } from '@hono/zod-openapi'
import { queryLonSchema, queryServedLatSchema, servedPointSchema } from '../geo/schemas.ts'
import { FEATURES, HELPS_WITH } from '../places/schemas.ts'

// A help desk as an operator describes it. Its hours are OSM opening_hours like a
// refuge's; the note says it as the desk does.
const helpsWith = z.array(z.enum(HELPS_WITH)).min(1).max(HELPS_WITH.length)
const phone = z.string().trim().regex(/^\+?[0-9][0-9 .()-]{5,22}$/, 'a phone number, e.g. +33 3 81 00 00 00')

export const helpServiceSchema = z
  .object({
    name: z.string().trim().min(1).max(200).openapi({ example: 'France Victimes 17' }),
    address: z.string().trim().min(3).max(300),
    location: servedPointSchema,
    opening_hours: z.string().trim().min(1).max(10_000).openapi({ example: 'Tu 14:00-17:00; PH off' }),
    helps_with: helpsWith.openapi({ example: ['victims', 'legal_advice'] }),
    schedule_note: z.string().trim().max(300).nullable().optional().openapi({ example: 'permanence mardi 14:00, Maison de la tranquillité' }),
    phone: phone.nullable().optional(),
    email: z.email().max(254).nullable().optional(),
    features: z.array(z.enum(FEATURES)).max(FEATURES.length).optional(),
  })
  .strict()
  .openapi('HelpService')

export const helpServicePatchSchema = helpServiceSchema.partial().strict().openapi('HelpServicePatch')

export const helpQuerySchema = z
  .object({
    lat: queryServedLatSchema.optional(),
    lon: queryLonSchema.optional(),
    helps_with: z
      .string()
      .optional()
      .transform((v) => (v ? v.split(',').map((f) => f.trim()).filter(Boolean) : []))
      .pipe(z.array(z.enum(HELPS_WITH))),
    at: z.iso.datetime({ offset: true, local: true }).optional().openapi({ example: '2026-12-01T15:00:00+01:00' }),
    limit: z.coerce.number().int().min(1).max(50).default(10),
  })
  .refine((q) => (q.lat === undefined) === (q.lon === undefined), { message: 'lat and lon together / lat et lon ensemble', path: ['lon'] })

export const helpFeatureSchema = z
  .object({
    type: z.literal('Feature'),
    geometry: z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) }),
    properties: z
      .object({
        id: z.string(),
        name: z.string(),
        kind: z.literal('support_service'),
        address: z.string(),
        phone: z.string().nullable(),
        helps_with: z.array(z.string()),
        schedule_note: z.string().nullable(),
        opening_hours: z.string(),
        distance_m: z.number().nullable(),
        open_now: z.boolean(),
        open_until: z.string().nullable(),
        next_open: z.string().nullable(),
      })
      .passthrough(),
  })
  .openapi('HelpServiceFeature')
