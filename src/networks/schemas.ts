import { z } from '@hono/zod-openapi'
import { multiPolygonSchema } from '../geo/schemas.ts'
import { isCountryCode } from './countries.ts'

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

export const slugSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'lower-case letters, digits and hyphens (e.g. "besancon")')
  .openapi({ example: 'mulhouse' })

export const dropoffSchema = z
  .object({
    hours: z.string().min(1).max(500).optional().openapi({ example: 'Mo-Su 21:00-06:00' }),
    max_offset_m: z.number().int().min(5).max(500).optional(),
    min_ahead_m: z.number().int().min(0).max(5000).optional(),
    route_ids: z.array(z.string().min(1).max(100)).max(1000).optional(),
    excluded_zones: multiPolygonSchema.nullable().optional(),
  })
  .strict()

const networkFields = {
  name: z.string().trim().min(1).max(200).openapi({ example: 'Mulhouse Alsace Agglomération' }),
  timezone: z.string().refine(isTimeZone, 'unknown IANA time zone, e.g. Europe/Paris / fuseau horaire IANA inconnu, par ex. Europe/Paris').openapi({ example: 'Europe/Paris' }),
  locale: z.enum(['fr', 'en']).openapi({ example: 'fr' }),
  country_code: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'ISO 3166-1 alpha-2 code, e.g. FR / code pays ISO 3166-1 à deux lettres, par ex. FR')
    .refine(isCountryCode, 'not an assigned ISO 3166-1 alpha-2 country code (e.g. FR, BE, CA) / code pays ISO 3166-1 non attribué (par ex. FR, BE, CA)')
    .transform((v) => v.toUpperCase())
    .openapi({ example: 'FR' }),
  region_code: z.string().trim().min(1).max(100).nullable().optional().openapi({
    example: 'FR-68',
    description: 'ISO 3166-2 code or region name; decides regional public holidays (Alsace-Moselle: FR-67, FR-68, FR-57).',
  }),
  sms_number: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'E.164 number, e.g. +33612345678 / numéro au format international, par ex. +33612345678')
    .nullable()
    .optional(),
  alert_radius_m: z.number().int().min(50).max(10000).optional(),
  search_radius_m: z.number().int().min(100).max(50000).optional(),
  retention_days: z.number().int().min(1).max(365).optional(),
  training_valid_months: z.number().int().min(1).max(120).optional(),
  dropoff: dropoffSchema.optional(),
  area: multiPolygonSchema.nullable().optional().openapi({
    description: "The network's territory; applications outside it are refused. Null: no limit.",
  }),
}

export const createNetworkSchema = z
  .object({ slug: slugSchema, ...networkFields })
  .strict()
  .openapi('NetworkCreate')

export const patchNetworkSchema = z
  .object({
    name: networkFields.name.optional(),
    timezone: networkFields.timezone.optional(),
    locale: networkFields.locale.optional(),
    country_code: networkFields.country_code.optional(),
    region_code: networkFields.region_code,
    sms_number: networkFields.sms_number,
    alert_radius_m: networkFields.alert_radius_m,
    search_radius_m: networkFields.search_radius_m,
    retention_days: networkFields.retention_days,
    training_valid_months: networkFields.training_valid_months,
    dropoff: networkFields.dropoff,
    area: networkFields.area,
  })
  .strict()
  .openapi('NetworkPatch')

export const networkSchema = z
  .object({
    id: z.string().uuid(),
    slug: z.string(),
    name: z.string(),
    timezone: z.string(),
    locale: z.string(),
    country_code: z.string(),
    region_code: z.string().nullable(),
    sms_number: z.string().nullable(),
    alert_radius_m: z.number(),
    search_radius_m: z.number(),
    retention_days: z.number(),
    training_valid_months: z.number(),
    dropoff: z.object({
      hours: z.string().nullable(),
      max_offset_m: z.number(),
      min_ahead_m: z.number(),
      route_ids: z.array(z.string()).nullable(),
      excluded_zones: multiPolygonSchema.nullable(),
    }),
    area: multiPolygonSchema.nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Network')

export type NetworkCreate = z.infer<typeof createNetworkSchema>
export type NetworkPatch = z.infer<typeof patchNetworkSchema>
export type Network = z.infer<typeof networkSchema>
