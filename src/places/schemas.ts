import { z } from '@hono/zod-openapi'
import { bboxText, lonSchema, queryLonSchema, queryServedLatSchema, servedLatSchema, servedPointSchema } from '../geo/schemas.ts'

export const PLACE_STATUSES = ['pending', 'active', 'rejected', 'suspended', 'withdrawn'] as const
export type PlaceStatus = (typeof PLACE_STATUSES)[number]

export const FEATURES = [
  'lgbti_welcoming',
  'step_free',
  'toilets',
  'phone_charging',
  'staff_trained',
  'quiet_room',
  'first_aid',
  'wifi',
] as const

export const KINDS = [
  'bar',
  'restaurant',
  'cafe',
  'shop',
  'pharmacy',
  'library',
  'hotel',
  'transport_desk',
  'public_service',
  'association',
  'other',
  // Event mode: a festival's temporary welcome point, served only within its validity.
  'welcome_point',
  // A help desk (victim support, rights, conciliation): never served as a refuge; added
  // by operators through /help-services, so applications and partners cannot choose it.
  'support_service',
] as const

export const HELP_KIND = 'support_service'
const notHelpKind = (k: string | undefined) => k !== HELP_KIND
const helpKindMessage = {
  message: 'support_service: help services are added by operators (/help-services) / les services d’aide sont ajoutés par les opérateurs',
  path: ['kind'],
}

// What a help service helps with: a fixed list, so a search by need finds every desk.
export const HELPS_WITH = [
  'victims',
  'domestic_violence',
  'sexual_violence',
  'discrimination',
  'legal_advice',
  'mediation',
  'lgbti',
  'rights',
  'youth',
  'elderly',
] as const

// Event mode: both instants or neither; the end after the start.
const instant = z.iso.datetime({ offset: true }).openapi({ example: '2026-07-14T20:00:00+02:00' })
export const validityFields = {
  valid_from: instant.nullable().optional(),
  valid_until: instant.nullable().optional(),
}
type Validity = { valid_from?: string | null; valid_until?: string | null }
export const validityOk = (v: Validity) =>
  v.valid_from === undefined && v.valid_until === undefined
    ? true
    : !v.valid_from || !v.valid_until
      ? !v.valid_from && !v.valid_until
      : new Date(v.valid_until) > new Date(v.valid_from)
export const validityMessage = {
  message: 'valid_from and valid_until: both (the end after the start) or neither / les deux (la fin après le début) ou aucun',
  path: ['valid_until'],
}

// Length is judged by parseHours, so an over-long value gets invalid_opening_hours too.
const openingHours = z.string().trim().min(1).max(10_000).openapi({ example: 'Mo-Sa 09:00-19:00; Fr-Sa 18:00-02:00; PH off' })
// A person in danger must be able to call a refuge for the price of an ordinary call,
// and a partner must not be able to earn from those calls: French premium-rate numbers
// (08 9x, up to about 3 € a minute plus the call) and directory services (118 xxx) are
// refused. The check is on the schema so applications, edits and bulk imports share it.
export function isPremiumRate(value: string): boolean {
  const national = value.replace(/[^0-9+]/g, '').replace(/^(\+|00)33(0)?/, '0')
  return /^089/.test(national) || /^118\d{3}$/.test(national)
}

const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 .()-]{5,22}$/, 'a phone number, e.g. +33 3 81 00 00 00')
  .refine((v) => !isPremiumRate(v), 'a premium-rate number (08 9x, 118 xxx) cannot be a refuge’s number / numéro surtaxé refusé')
const trainingDate = z.iso.date().openapi({ example: '2026-03-14' })

export const applicationSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(KINDS),
    address: z.string().trim().min(3).max(300),
    location: servedPointSchema,
    opening_hours: openingHours,
    phone: phone.optional(),
    email: z.email().max(254).optional(),
    features: z.array(z.enum(FEATURES)).max(FEATURES.length).optional(),
    contact_name: z.string().trim().min(1).max(200),
    charter_accepted: z.literal(true, { message: 'the charter must be accepted (true) / la charte doit être acceptée (true)' }),
    training_date: trainingDate.optional(),
    trained_staff: z.number().int().min(0).max(1000).optional(),
    ...validityFields,
  })
  .strict()
  .refine((a) => notHelpKind(a.kind), helpKindMessage)
  .refine(validityOk, validityMessage)
  .openapi('PlaceApplication')

export const partnerPatchSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    kind: z.enum(KINDS).optional(),
    address: z.string().trim().min(3).max(300).optional(),
    location: servedPointSchema.optional(),
    opening_hours: openingHours.optional(),
    phone: phone.nullable().optional(),
    email: z.email().max(254).nullable().optional(),
    features: z.array(z.enum(FEATURES)).max(FEATURES.length).optional(),
    contact_name: z.string().trim().min(1).max(200).optional(),
    training_date: trainingDate.nullable().optional(),
    trained_staff: z.number().int().min(0).max(1000).nullable().optional(),
  })
  .strict()
  .refine((a) => notHelpKind(a.kind), helpKindMessage)
  .openapi('PlacePatch')

export const closureSchema = z
  .object({
    from: z.iso.datetime({ offset: true }).openapi({ example: '2026-12-24T18:00:00+01:00' }),
    to: z.iso.datetime({ offset: true }).openapi({ example: '2026-12-26T09:00:00+01:00' }),
    reason: z.string().trim().max(300).optional(),
  })
  .strict()
  .openapi('ClosureRequest')

export const decisionSchema = z.object({ reason: z.string().trim().max(500).optional() }).strict()

// Deciding on a partner's change: `change_id`, when sent, must still be the change
// waiting, so an operator never approves an edit the partner made after they read it.
export const changeDecisionSchema = z
  .object({ reason: z.string().trim().max(500).optional(), change_id: z.uuid().optional() })
  .strict()
  .openapi('ChangeDecision')

// What a partner asked to change in what the public sees, as it awaits an operator.
export const pendingChangeSchema = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    kind: z.string().optional(),
    address: z.string().optional(),
    phone: z.string().nullable().optional(),
    location: z.object({ lat: z.number(), lon: z.number() }).optional(),
    submitted_at: z.string(),
  })
  .openapi('PendingChange')

export const decidedChangeSchema = pendingChangeSchema
  .extend({ status: z.enum(['approved', 'rejected']), decided_at: z.string(), reason: z.string().nullable() })
  .openapi('DecidedChange')

const boolParam = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')

export const nearestQuerySchema = z.object({
  lat: queryServedLatSchema,
  lon: queryLonSchema,
  limit: z.coerce.number().int().min(1).max(50).default(5),
  open: boolParam.default(true),
  at: z.iso
    .datetime({ offset: true, local: true })
    .optional()
    .openapi({ example: '2026-07-14T01:30:00+02:00', description: 'Evaluate at this instant (default now): with an offset, or a local time without one (2026-07-14T01:30) read in the network’s time zone' }),
  features: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((f) => f.trim()).filter(Boolean) : []))
    .pipe(z.array(z.enum(FEATURES))),
})

export const bboxQuerySchema = z.object({
  bbox: z
    .string()
    .regex(bboxText, 'minLon,minLat,maxLon,maxLat: four numbers, e.g. 7.30,47.73,7.36,47.77 / quatre nombres, par ex. 7.30,47.73,7.36,47.77')
    .transform((v) => v.split(',').map(Number))
    .pipe(z.tuple([lonSchema, servedLatSchema, lonSchema, servedLatSchema]))
    .refine(([minLon, minLat, maxLon, maxLat]) => minLon <= maxLon && minLat <= maxLat, 'minLon,minLat,maxLon,maxLat')
    .refine(([minLon, minLat, maxLon, maxLat]) => (maxLon - minLon) * (maxLat - minLat) <= 4, 'at most 4 square degrees'),
})

export const placePropertiesSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  address: z.string(),
  phone: z.string().nullable(),
  features: z.array(z.string()),
  distance_m: z.number().optional(),
  open_now: z.boolean().optional(),
  open_until: z.string().nullable().optional(),
  next_open: z.string().nullable().optional(),
  // For the place's partner and the network's operators only.
  pending_change: pendingChangeSchema.nullable().optional(),
  last_change: decidedChangeSchema.nullable().optional(),
})

export const placeFeatureSchema = z
  .object({
    type: z.literal('Feature'),
    geometry: z.object({ type: z.literal('Point'), coordinates: z.tuple([z.number(), z.number()]) }),
    properties: placePropertiesSchema.passthrough(),
  })
  .openapi('PlaceFeature')

export const emergencySchema = z.object({ police: z.literal('17'), eu: z.literal('112'), sms: z.literal('114') })
export { EMERGENCY } from '../emergency.ts'

export const featureCollectionSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(placeFeatureSchema),
    emergency: emergencySchema.optional(),
  })
  .passthrough()
  .openapi('PlaceCollection')

export type Application = z.infer<typeof applicationSchema>
export type PartnerPatch = z.infer<typeof partnerPatchSchema>
