import { z } from '@hono/zod-openapi'
import { pushSubscriptionSchema } from '../notify/schemas.ts'
import { pointSchema } from '../geo/schemas.ts'

const stopRef = z.object({ id: z.string(), name: z.string() })

export const dropoffRequestSchema = z
  .object({
    trip_id: z.string().min(1).max(200).optional(),
    vehicle: z.string().min(1).max(50).optional(),
    location: pointSchema,
    rider_position: pointSchema.optional(),
    at: z.iso
      .datetime({ offset: true, local: true })
      .optional()
      .openapi({ description: 'Judge the rules at this instant (default now): with an offset, or a local time without one (2026-12-24T23:30) read in the network’s time zone', example: '2026-12-24T23:30:00+01:00' }),
    // Validated as an alert requester's is: one rule for every browser the service pushes to.
    push_subscription: pushSubscriptionSchema.optional().openapi({ description: "Where to push the driver's decision." }),
  })
  .strict()
  .refine((b) => (b.trip_id === undefined) !== (b.vehicle === undefined), {
    message: 'give trip_id or vehicle (one of them) / donnez trip_id ou vehicle (l’un des deux)',
    path: ['trip_id'],
  })
  .openapi('DropoffRequest')

export const DROPOFF_STATUSES = ['pending', 'accepted', 'declined', 'done', 'expired'] as const
export type DropoffStatus = (typeof DROPOFF_STATUSES)[number]

export const dropoffSchema = z
  .object({
    id: z.string().uuid(),
    status: z.enum(DROPOFF_STATUSES),
    trip_id: z.string(),
    route_id: z.string(),
    snapped: pointSchema,
    distance_along_m: z.number(),
    after_stop: stopRef,
    before_stop: stopRef,
    after_stop_m: z.number(),
    text: z.string(),
    created_at: z.string(),
    decision: z
      .object({ at: z.string(), reason: z.string().nullable(), note: z.string().nullable() })
      .nullable(),
    done_at: z.string().nullable(),
    expired_at: z.string().nullable(),
  })
  .openapi('Dropoff')

// The answer to a new request: where it was placed, and the token to follow it.
export const dropoffCreatedSchema = dropoffSchema
  .pick({ id: true, trip_id: true, snapped: true, distance_along_m: true, after_stop: true, before_stop: true, after_stop_m: true, text: true, created_at: true })
  .extend({
    status: z.literal('pending'),
    access_token: z.string().openapi({ description: 'Shown once; send it as X-Access-Token to read the outcome.' }),
    offset_m: z.number(),
  })
  .openapi('DropoffCreated')

export const feedItemSchema = dropoffSchema.extend({ ahead_m: z.number().nullable() }).openapi('DriverDropoff')

export const positionSchema = z
  .object({ lat: pointSchema.shape.lat, lon: pointSchema.shape.lon, trip_id: z.string().min(1).max(200).optional() })
  .strict()
  .openapi('DriverPosition')

export const declineSchema = z
  .object({ reason: z.enum(['unsafe_spot', 'traffic', 'too_late', 'other']), note: z.string().max(500).optional() })
  .strict()
  .openapi('DropoffDecline')
