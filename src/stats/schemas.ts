import { z } from '@hono/zod-openapi'

const cell = z
  .object({
    count: z.number().int().nullable().openapi({ description: 'null when suppressed' }),
    suppressed: z.boolean().openapi({ description: 'true: from 1 to 4, or hidden so that a total cannot give such a count back' }),
  })
  .openapi('StatsCell')
const keyed = z.object({ key: z.string(), count: z.number().int().nullable(), suppressed: z.boolean() }).openapi('StatsKeyedCell')
const cells = z.array(keyed)

export const statsQuerySchema = z.object({
  from: z.string().max(40).openapi({ description: 'Start: a date (YYYY-MM-DD, the day’s start in the network’s zone) or an ISO 8601 instant', example: '2026-01-01' }),
  to: z.string().max(40).openapi({ description: 'End: a date (its whole day included) or an instant (excluded); at most 2 years after from', example: '2026-06-30' }),
  sector: z.string().min(1).max(100).optional().openapi({ description: 'A sector’s name or id: its alerts, refuges, reports and contacts only (drop-offs stay network-wide)' }),
})

export const statsSchema = z
  .object({
    network: z.string(),
    from: z.string(),
    to: z.string(),
    timezone: z.string(),
    sector: z.string().nullable(),
    generated_at: z.string(),
    k: z.number().int().openapi({ description: 'No count of people under k is shown' }),
    alerts: z.object({
      total: cell,
      by_hour: cells.openapi({ description: 'Hour of the day, 00–23, network time' }),
      by_day: cells.openapi({ description: 'Each day of the period, network time' }),
      by_sector: cells.openapi({ description: 'The sector where the alert was raised; "hors secteur" outside every sector' }),
      by_channel: cells.openapi({ description: 'web or sms' }),
      escalated: cell,
      false_alarms: cell,
      first_acknowledgement: z.object({
        acknowledged: cell,
        p50_s: z.number().int().nullable(),
        p90_s: z.number().int().nullable(),
        suppressed: z.boolean(),
      }),
    }),
    refuges: z
      .object({ active: z.number().int(), trained: z.number().int(), renewal_due: z.number().int() })
      .openapi({ description: 'Places, not people, as they stand now: not suppressed' }),
    dropoffs: z.object({
      scope: z.literal('network').openapi({ description: 'Drop-offs are counted per line, never per sector' }),
      requested: cell,
      by_outcome: cells,
      declined_by_reason: cells,
      refused: cell,
      refused_by_code: cells,
      refused_by_route: cells,
    }),
    reports: z.object({ total: cell, by_category: cells, by_status: cells }),
    contacts: z.object({ total: cell, by_sector: cells, by_kind: cells }),
  })
  .openapi('Stats')
