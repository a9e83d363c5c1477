import { z } from '@hono/zod-openapi'

// WGS84 points and RFC 7946 geometries as the API receives them.

export const latSchema = z.number().min(-90).max(90)
export const lonSchema = z.number().min(-180).max(180)

// Places and searches are indexed in Web Mercator, which ends at ±85.06°: no city is beyond.
export const servedLatSchema = z.number().min(-85, 'latitude between -85 and 85 / latitude entre -85 et 85').max(85, 'latitude between -85 and 85 / latitude entre -85 et 85')

export const servedPointSchema = z
  .object({ lat: servedLatSchema, lon: lonSchema })
  .openapi('ServedLatLon', { example: { lat: 47.7508, lon: 7.3359 } })

// Query strings are text, and z.coerce.number() reads '' and '  ' as 0: `lat=&lon=` would
// search at 0,0, off the coast of Africa. A number in a query must be written as one.
const DECIMAL = '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)'
const decimalText = new RegExp(`^${DECIMAL}$`)

function queryNumber<T extends z.ZodType<number, number>>(inner: T, example: string, bound: number) {
  return z
    // Missing: the shared message ("lat is required, e.g. …", src/http/router.ts).
    .string({ error: (issue) => (issue.input === undefined ? undefined : 'a decimal number / un nombre décimal') })
    .trim()
    .regex(decimalText, `a decimal number, e.g. ${example} / un nombre décimal`)
    .transform(Number)
    .pipe(inner)
    .openapi({ type: 'number', minimum: -bound, maximum: bound, example: Number(example) })
}

export const queryLatSchema = queryNumber(latSchema, '47.7508', 90)
export const queryServedLatSchema = queryNumber(servedLatSchema, '47.7508', 85)
export const queryLonSchema = queryNumber(lonSchema, '7.3359', 180)

// `minLon,minLat,maxLon,maxLat`, each written as a number (an empty part is not 0).
export const bboxText = new RegExp(`^\\s*${DECIMAL}(?:\\s*,\\s*${DECIMAL}){3}\\s*$`)

export const pointSchema = z
  .object({ lat: latSchema, lon: lonSchema })
  .openapi('LatLon', { example: { lat: 47.7508, lon: 7.3359 } })

const position = z.tuple([lonSchema, latSchema]).rest(z.number())

const ring = z
  .array(position)
  .min(4, 'a linear ring needs at least 4 positions / un anneau demande au moins 4 positions')
  .refine((r) => r[0]![0] === r.at(-1)![0] && r[0]![1] === r.at(-1)![1], {
    message: 'a linear ring must end where it starts / un anneau doit finir où il commence',
  })

export const multiPolygonSchema = z
  .object({
    type: z.literal('MultiPolygon'),
    coordinates: z.array(z.array(ring).min(1)).min(1),
  })
  .openapi('MultiPolygon')

export type MultiPolygon = z.infer<typeof multiPolygonSchema>
