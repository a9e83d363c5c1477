import { z } from '@hono/zod-openapi'
import { lonSchema, servedLatSchema } from '../geo/schemas.ts'
import { FEATURES, isPremiumRate, KINDS } from '../places/schemas.ts'

// What a walk's participants note: the report categories (as their codes, shared with
// Open311 reports) or what makes a street feel safe.
export const PROBLEM_CATEGORIES = [
  'harassment',
  'poor_lighting',
  'dangerous_spot_night',
  'drug_dealing',
  'nitrous_oxide',
  'damage',
  'noise',
  'abandoned_object',
  'other',
] as const
export const POSITIVE_CATEGORIES = ['well_lit', 'shop_open_late', 'busy_place', 'safe_route'] as const
export const FINDING_CATEGORIES = [...PROBLEM_CATEGORIES, ...POSITIVE_CATEGORIES] as const

export const newWalkSchema = z
  .object({
    title: z.string().trim().min(1).max(200).openapi({ example: 'Marche exploratoire de femmes, ligne 2' }),
    date: z.iso.date().openapi({ example: '2026-12-05' }),
    sector: z.string().trim().min(1).max(100).optional().openapi({ example: 'Villeneuve-les-Salines' }),
    group: z.string().trim().min(1).max(200).optional().openapi({ example: 'Collectif des habitantes' }),
  })
  .strict()
  .openapi('NewWalk')

export const walkSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    date: z.string(),
    sector: z.string().nullable(),
    group: z.string().nullable(),
    code_expires_at: z.string(),
    findings: z.number().optional(),
    created_at: z.string().optional(),
  })
  .openapi('Walk')

export const walkCreatedSchema = walkSchema
  .extend({
    participant_code: z.string().openapi({ description: 'Shown once: lets participants add findings to this walk only, until code_expires_at' }),
    participant_link: z.string().nullable(),
  })
  .openapi('WalkCreated')

export const newFindingSchema = z
  .object({
    lat: servedLatSchema,
    lon: lonSchema,
    category: z.enum(FINDING_CATEGORIES),
    note: z.string().trim().max(1000).optional(),
  })
  .strict()
  .openapi('NewFinding')

export const findingSchema = z
  .object({
    id: z.string(),
    walk_id: z.string(),
    lat: z.number(),
    lon: z.number(),
    category: z.string(),
    positive: z.boolean(),
    note: z.string().nullable(),
    created_at: z.string(),
    proposed_place_id: z.string().nullable(),
    report_id: z.string().nullable(),
  })
  .openapi('Finding')

// A refuge proposed where a finding was made ("shop open late"): a pending application
// the venue still has to accept (charter, contact) before an operator approves it.
export const proposeRefugeSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(KINDS).refine((k) => k !== 'support_service', 'a refuge, not a help service / un refuge, pas un service d’aide'),
    address: z.string().trim().min(3).max(300),
    opening_hours: z.string().trim().min(1).max(10_000).openapi({ example: 'Mo-Sa 18:00-02:00' }),
    phone: z.string().trim().regex(/^\+?[0-9][0-9 .()-]{5,22}$/).refine((v) => !isPremiumRate(v), 'no premium-rate number / numéro surtaxé refusé').optional(),
    email: z.email().max(254).optional(),
    features: z.array(z.enum(FEATURES)).max(FEATURES.length).optional(),
    contact_name: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .openapi('ProposeRefuge')
