import { z } from '@hono/zod-openapi'

export const tokenRequestSchema = z
  .object({
    role: z.enum(['operator', 'driver', 'mediator', 'police']),
    label: z.string().trim().min(1).max(200).openapi({ example: 'Centre de supervision urbain' }),
    vehicle: z.string().trim().min(1).max(50).optional().openapi({ example: 'bus-412' }),
    expires_at: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({
        description:
          'When the token stops working. Never later than the issuing token; absent, the token ends with it (or never, if it never does).',
        example: '2026-12-31T23:59:59+01:00',
      }),
    expires_in_days: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .openapi({ description: 'Instead of expires_at: so many days from now.', example: 30 }),
    sectors: z
      .array(z.string().trim().min(1).max(100))
      .max(200)
      .optional()
      .openapi({ description: 'Mediator or police only: the sectors (names or ids) the token works in; absent or empty, the whole network.', example: ['Centre'] }),
  })
  .strict()
  .refine((t) => t.role !== 'driver' || t.vehicle !== undefined, {
    message: 'a driver token needs the vehicle it is bound to',
    path: ['vehicle'],
  })
  .refine((t) => t.sectors === undefined || t.role === 'mediator' || t.role === 'police', {
    message: 'only mediator and police tokens are scoped to sectors',
    path: ['sectors'],
  })
  .refine((t) => t.expires_at === undefined || t.expires_in_days === undefined, {
    message: 'give expires_at or expires_in_days, not both',
    path: ['expires_at'],
  })
  .openapi('TokenRequest')

export const tokenCreatedSchema = z
  .object({
    id: z.string().openapi({ description: 'To list or revoke the token later.' }),
    token: z.string().openapi({ description: 'Shown once; only its hash is kept.' }),
    role: z.string(),
    label: z.string(),
    vehicle: z.string().optional(),
    sectors: z.array(z.string()).optional().openapi({ description: 'Mediator or police: the names of its sectors (empty: the whole network).' }),
    expires_at: z.string().nullable(),
  })
  .openapi('TokenCreated')

export const tokenInfoSchema = z
  .object({
    id: z.string(),
    role: z.enum(['admin', 'operator', 'partner', 'driver', 'mediator', 'police']),
    network_id: z.string().nullable(),
    label: z.string(),
    vehicle: z.string().nullable(),
    place_id: z.string().nullable(),
    created_at: z.string(),
    created_by: z.string().nullable().openapi({ description: 'Id of the issuing token; null for the configured admin token, the command line or an application.' }),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable().openapi({ description: 'Recorded to the minute.' }),
    revoked_at: z.string().nullable(),
    sectors: z.array(z.string()).optional().openapi({ description: 'Mediator or police: its sectors (empty: the whole network).' }),
  })
  .openapi('TokenInfo')

export const tokenListSchema = z.object({ tokens: z.array(tokenInfoSchema) }).openapi('TokenList')
