import { OpenAPIHono } from '@hono/zod-openapi'
import type { ZodError } from 'zod'
import { type FieldError, HalteError } from '../errors.ts'
import type { AppEnv } from './env.ts'

// Every route group is an OpenAPIHono whose validation failures become one
// problem+json shape, so the schema that documents a route is the one that guards it.
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error as unknown as ZodError)
    },
  })
}

export function validationError(error: ZodError): HalteError {
  const errors: FieldError[] = error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : '(body)',
    message: i.message,
  }))
  return new HalteError(
    400,
    'validation_failed',
    {
      fr: `Données invalides : ${errors.map((e) => `${e.path} — ${e.message}`).join(' ; ')}`,
      en: `Invalid input: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    },
    { errors },
  )
}
