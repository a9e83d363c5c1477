import { z } from '@hono/zod-openapi'
import { lonSchema, servedLatSchema } from '../geo/schemas.ts'

// A broadcast is read on a phone's lock screen and in an SMS: short, plain words.
export const MAX_MESSAGE = 280
export const MAX_RADIUS_M = 5000

const targetSchema = z
  .object({
    sector: z.string().trim().min(1).max(100).optional().openapi({ description: 'A sector of the network, by name', example: 'Centre-ville' }),
    lat: servedLatSchema.optional(),
    lon: lonSchema.optional(),
    radius_m: z
      .number()
      .int()
      .min(50, 'at least 50 m / au moins 50 m')
      .max(MAX_RADIUS_M, `at most ${MAX_RADIUS_M} m / au plus ${MAX_RADIUS_M} m`)
      .optional(),
  })
  .strict()
  .openapi('BroadcastTarget', {
    description: 'Either `{ sector }` or `{ lat, lon, radius_m }` (at most 5,000 m)',
    example: { lat: 46.1591, lon: -1.1517, radius_m: 800 },
  })

export const createBroadcastSchema = z
  .object({
    message: z
      .string()
      .trim()
      .min(1, 'a message is required / le message est vide')
      .max(MAX_MESSAGE, `at most ${MAX_MESSAGE} characters / au plus ${MAX_MESSAGE} caractères`)
      .openapi({ example: 'Incident grave rue du Palais : restez vigilants, accueillez les personnes qui le demandent.' }),
    target: targetSchema,
    channels: z
      .array(z.enum(['push', 'sms']))
      .min(1)
      .max(2)
      .optional()
      .openapi({ description: 'Default: both. SMS go to partners whose place has a mobile number', example: ['push', 'sms'] }),
  })
  .strict()
  .openapi('BroadcastCreate')

const channelCount = z.object({
  recipients: z.number().int().openapi({ description: 'Recipients with at least one message on this channel' }),
  unavailable: z.boolean().openapi({ description: 'The channel is not configured on this server (or the network has no SMS number)' }),
})

export const broadcastCreatedSchema = z
  .object({
    id: z.uuid(),
    recipients: z.number().int().openapi({ description: 'Partners and field tokens told of it' }),
    places: z.number().int(),
    field: z.number().int().openapi({ description: 'Mediators and municipal police on duty in the target' }),
    by_channel: z.object({ push: channelCount, sms: channelCount }),
    unreachable: z.number().int().openapi({ description: 'Recipients no channel reaches (no push subscription, no mobile number)' }),
  })
  .openapi('BroadcastCreated')

const deliveryState = z.enum(['sent', 'pending', 'failed', 'none'])

export const broadcastSchema = z
  .object({
    id: z.uuid(),
    message: z.string(),
    target: z.object({ sector: z.string().optional(), lat: z.number().optional(), lon: z.number().optional(), radius_m: z.number().int().optional() }),
    channels: z.array(z.enum(['push', 'sms'])),
    by: z.object({ role: z.string(), label: z.string().nullable() }),
    created_at: z.string(),
    places: z.number().int(),
    field: z.number().int(),
    acknowledged: z.number().int(),
  })
  .openapi('Broadcast')

export const broadcastDetailSchema = broadcastSchema
  .extend({
    recipients: z.array(
      z.object({
        place_id: z.uuid().nullable(),
        token_id: z.uuid().nullable(),
        name: z.string(),
        push: deliveryState,
        sms: deliveryState,
        acknowledged_at: z.string().nullable(),
      }),
    ),
  })
  .openapi('BroadcastDetail')

export const partnerBroadcastSchema = z
  .object({
    id: z.uuid(),
    message: z.string(),
    sector: z.string().nullable(),
    created_at: z.string(),
    acknowledged_at: z.string().nullable(),
  })
  .openapi('PartnerBroadcast')
