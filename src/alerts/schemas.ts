import { helpFeatureSchema } from '../help/schemas.ts'
import { z } from '@hono/zod-openapi'
import { latSchema, lonSchema } from '../geo/schemas.ts'
import { pushSubscriptionSchema } from '../notify/schemas.ts'
import { emergencySchema, placeFeatureSchema } from '../places/schemas.ts'


export const createAlertSchema = z
  .object({
    location: z.object({ lat: latSchema, lon: lonSchema, accuracy_m: z.number().min(0).max(100_000).optional() }).strict(),
    message: z.string().trim().max(500).optional(),
    push_subscription: pushSubscriptionSchema.optional(),
  })
  .strict()
  .openapi('AlertCreate')

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'cancelled', 'false_alarm'] as const
export type AlertStatus = (typeof ALERT_STATUSES)[number]

const channelDeliverySchema = z.object({
  queued: z.number().int().openapi({ description: 'Messages written to the outbox for this alert on this channel', example: 3 }),
  sent: z.number().int(),
  failed: z.number().int().openapi({ description: 'Given up (after retries) or dropped (subscription gone)' }),
  unavailable: z.boolean().openapi({ description: 'The channel is not configured: queued messages wait, nothing goes out by it' }),
})

export const alertDeliverySchema = z
  .object({ push: channelDeliverySchema, sms: channelDeliverySchema })
  .openapi('AlertDelivery', { description: "How this alert's messages fared, per channel" })

// What the person who raised the alert learns: whether anyone is being told, and by
// which channel. `notified: false` is what a widget must not hide: call 17 or 112.
export const alertCreatedDeliverySchema = z
  .object({
    notified: z.boolean().openapi({ description: 'At least one message is on its way by a configured channel' }),
    push: z.object({ queued: z.number().int(), unavailable: z.boolean() }),
    sms: z.object({ queued: z.number().int(), unavailable: z.boolean() }),
  })
  .openapi('AlertCreatedDelivery', {
    example: { notified: true, push: { queued: 4, unavailable: false }, sms: { queued: 0, unavailable: true } },
  })

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
    delivery: alertDeliverySchema.optional().openapi({ description: 'Operators only' }),
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
    help: helpFeatureSchema.nullable().openapi({ description: 'A help desk (victim support…): the nearest open now, else the next to open' }),
    delivery: alertCreatedDeliverySchema,
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
