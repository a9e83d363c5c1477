import { z } from '@hono/zod-openapi'

// Shared OpenAPI fragments: every route documents its problem+json answers the same way.
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    code: z.string().openapi({ example: 'validation_failed' }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    emergency: z
      .object({ police: z.literal('17'), eu: z.literal('112'), sms: z.literal('114') })
      .openapi({ description: 'Whom to call in danger: on every answer, errors included' }),
  })
  .openapi('Problem')

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
})

export const problems = {
  400: problem('Malformed input'),
  401: problem('No or invalid token'),
  403: problem('Wrong role or network'),
  404: problem('Not found'),
  409: problem('Conflict'),
  413: problem('Too large'),
  415: problem('Wrong content type'),
  422: problem('Refused by a rule'),
  429: problem('Too many requests (Retry-After says when to retry)'),
  503: problem('Database unavailable; on a stream, too many being opened at once (streams_busy): Retry-After says when to retry'),
} as const

export const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})

export const jsonBody = <T extends z.ZodTypeAny>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
})

export const bearer = [{ bearer: [] }]

export function pick<K extends keyof typeof problems>(...codes: K[]) {
  return Object.fromEntries(codes.map((k) => [k, problems[k]])) as Pick<typeof problems, K>
}
