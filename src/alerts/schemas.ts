import { z } from '@hono/zod-openapi'
import { latSchema, lonSchema } from '../geo/schemas.ts'
import { emergencySchema, placeFeatureSchema } from '../places/schemas.ts'

const base64urlBytes = (n: number, what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `${what}: base64url`)
    .refine((v) => decodedLength(v) === n, `${what}: must decode to ${n} bytes`)

function decodedLength(v: string) {
  const s = v.replace(/=+$/, '')
  return Math.floor((s.length * 3) / 4)
}

// RFC 8291: p256dh is an uncompressed P-256 point (65 bytes), auth a 16-byte secret.
// Which endpoints are accepted (public https push services only) depends on the
// configuration: insertSubscription checks it and answers invalid_push_endpoint.
export const pushSubscriptionSchema = z
  .object({
    endpoint: z
      .string()
      .max(2048)
      .refine((v) => URL.canParse(v), 'endpoint: a URL')
      .openapi({ description: 'The push service URL the browser gave: https, a public host, the default port, no credentials.' }),
    expirationTime: z.number().nullable().optional(),
    keys: z.object({ p256dh: base64urlBytes(65, 'p256dh'), auth: base64urlBytes(16, 'auth') }),
  })
  .openapi('PushSubscription')

export const createAlertSchema = z
  .object({
    location: z.object({ lat: latSchema, lon: lonSchema, accuracy_m: z.number().min(0).max(100_000).optional() }).strict(),
    message: z.string().trim().max(500).optional(),
    push_subscription: pushSubscriptionSchema.optional(),
  })
  .strict()
  .openapi('AlertCreate')

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'cancelled', 'false_alarm'] as const

export const alertSchema = z
  .object({
    id: z.string(),
    status: z.enum(ALERT_STATUSES),
    source: z.enum(['web', 'sms']),
    location: z.object({ lat: z.number(), lon: z.number(), accuracy_m: z.number().nullable() }).nullable(),
    message: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    escalated_at: z.string().nullable(),
    events: z
      .array(z.object({ kind: z.string(), from: z.string().nullable(), to: z.string(), by: z.string(), place_id: z.string().nullable(), at: z.string() }))
      .optional(),
  })
  .openapi('Alert')

export const partnerAlertSchema = z
  .object({
    id: z.string(),
    status: z.enum(ALERT_STATUSES),
    approximate_location: z.object({ lat: z.number(), lon: z.number() }).nullable().openapi({ description: 'Rounded to about 100 m' }),
    distance_m: z.number().nullable().openapi({ description: 'From the partner’s place, rounded to 50 m' }),
    created_at: z.string(),
    updated_at: z.string(),
    events: z.array(z.object({ kind: z.string(), to: z.string(), at: z.string() })),
  })
  .openapi('PartnerAlert')

export const alertCreatedSchema = z
  .object({
    id: z.string(),
    status: z.enum(ALERT_STATUSES),
    access_token: z.string(),
    nearest: z.array(placeFeatureSchema),
    emergency: emergencySchema,
  })
  .openapi('AlertCreated')

export const transitionSchema = z
  .object({
    note: z.string().trim().max(500).optional(),
    // resolve only: the alert turned out to be a false alarm.
    false_alarm: z.boolean().optional(),
  })
  .strict()
