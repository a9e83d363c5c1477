import { z } from '@hono/zod-openapi'

// A whole number in a query string, written as one ('' is not 0).
const queryInt = (min: number, max: number, fallback: number, description: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `a whole number, e.g. ${fallback} / un nombre entier, par ex. ${fallback}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((v) => v ?? fallback)
    .openapi({ type: 'integer', minimum: min, maximum: max, default: fallback, description })

const distance = queryInt(50, 2000, 400, 'A cell is covered when an open refuge is within this many metres of its centre (geodesic).')
const cellSize = queryInt(50, 2000, 200, 'Side of a grid cell, in metres. At most 20,000 cells: past that, 422 too_many_cells.')

export const coverageQuerySchema = z.object({
  at: z.iso
    .datetime({ offset: true, local: true })
    .optional()
    .openapi({ example: '2026-12-24T23:30', description: 'The instant (default now): with an offset, or a local time read in the network’s zone. From 1 day back to 14 days ahead.' }),
  distance_m: distance,
  cell_m: cellSize,
})

export const weekQuerySchema = z.object({
  from: z.iso
    .date()
    .optional()
    .openapi({ example: '2026-12-21', description: 'Read the 7 days from this local date (holidays and closures as they are), from yesterday to 7 days ahead. Without it: a typical week, each weekday read on its next day that is not a public holiday.' }),
  distance_m: distance,
  cell_m: cellSize,
})

const polygonSchema = z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(z.array(z.number()))) })

const cellFeatureSchema = z.object({
  type: z.literal('Feature'),
  id: z.string().openapi({ description: 'The cell’s column and row in the grid ("i:j"): the same cell at every instant.' }),
  geometry: polygonSchema,
  properties: z.object({
    covered: z.boolean().openapi({ description: 'An open refuge is within distance_m of the cell’s centre.' }),
    nearest_open_m: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Metres from the centre to the nearest open refuge; null when none is open within the network’s search radius.' }),
  }),
})

const gridFields = {
  distance_m: z.number().int(),
  cell_m: z.number().int(),
  grid: z.literal('square').openapi({ description: 'Squares cut by PostGIS (ST_SquareGrid) in Web Mercator, cell_m on the ground.' }),
  cells: z.number().int(),
}

export const coverageSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    at: z.string(),
    ...gridFields,
    covered_share: z.number().nullable().openapi({ description: 'Covered cells over all cells, 0–1; null without cells (no area, refuge or stop).' }),
    features: z.array(cellFeatureSchema),
  })
  .openapi('Coverage')

const hourSchema = z.object({
  hour_of_week: z.number().int().openapi({ description: '0 = Monday 00:00 … 167 = Sunday 23:00.' }),
  weekday: z.number().int().openapi({ description: 'ISO weekday, 1 = Monday … 7 = Sunday.' }),
  hour: z.number().int(),
  date: z.string().openapi({ description: 'The local date the hour was read on.' }),
  at: z.string().openapi({ description: 'The instant read: the hour’s start on the network’s clock.' }),
  covered_share: z.number().nullable(),
  uncovered_cells: z.number().int(),
})

export const weekSchema = z
  .object({
    ...gridFields,
    week: z.object({ kind: z.enum(['typical', 'dates']), from: z.string().nullable() }),
    hours: z.array(hourSchema).openapi({ description: '168 hours: Monday to Sunday for a typical week, from `from` on for given dates.' }),
    worst_hours: z.array(hourSchema).openapi({ description: 'The 5 least covered hours, least first.' }),
    critical_refuges: z
      .array(
        z.object({
          id: z.string(),
          name: z.string(),
          loss_share: z.number().openapi({ description: 'Share of the week’s cell-hours covered by this refuge alone: what coverage would lose without it.' }),
          loss_share_worst_hours: z.number().openapi({ description: 'The same over the worst hours.' }),
        }),
      )
      .openapi({ description: 'The 10 refuges whose loss would open the biggest gap.' }),
  })
  .openapi('CoverageWeek')
