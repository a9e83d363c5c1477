import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { isDatabaseUnavailable } from '../db/errors.ts'
import { HalteError, toProblem } from '../errors.ts'
import type { AppEnv } from './env.ts'

export function problemResponse(c: Context<AppEnv>, err: HalteError): Response {
  const body = toProblem(err, c.get('lang') ?? 'fr', c.req.path)
  return new Response(JSON.stringify(body), {
    status: err.status,
    headers: {
      'content-type': 'application/problem+json; charset=utf-8',
      'content-language': c.get('lang') ?? 'fr',
      ...(c.get('requestId') ? { 'x-request-id': c.get('requestId') } : {}),
      ...err.headers,
    },
  })
}

// The single place where anything thrown becomes an HTTP answer.
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const halte = asHalteError(err)
  const log = c.get('log')
  if (halte.status >= 500) log?.error('request failed', { err, code: halte.code })
  else log?.debug('request refused', { code: halte.code })
  return problemResponse(c, halte)
}

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  problemResponse(
    c,
    new HalteError(404, 'not_found', {
      fr: `Aucune ressource à ${c.req.method} ${c.req.path}.`,
      en: `No resource at ${c.req.method} ${c.req.path}.`,
    }),
  )

function asHalteError(err: unknown): HalteError {
  if (err instanceof HalteError) return err
  if (isDatabaseUnavailable(err)) {
    return new HalteError(
      503,
      'database_unavailable',
      {
        fr: 'La base de données ne répond pas ; réessayez dans quelques secondes. En cas de danger : 17, 112 ou SMS au 114.',
        en: 'The database is not answering; retry in a few seconds. In danger: call 17 or 112, or text 114.',
      },
      { headers: { 'Retry-After': '5' } },
    )
  }
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) {
      return new HalteError(400, 'malformed_json', {
        fr: "Le corps de la requête n'est pas du JSON valide.",
        en: 'The request body is not valid JSON.',
      })
    }
    if (err.status === 413) return payloadTooLarge()
    return new HalteError(err.status, err.status === 401 ? 'unauthorized' : 'validation_failed', err.message)
  }
  return new HalteError(500, 'internal_error', {
    fr: "Une erreur interne s'est produite ; elle a été journalisée.",
    en: 'An internal error occurred; it has been logged.',
  })
}

export function payloadTooLarge() {
  return new HalteError(413, 'payload_too_large', {
    fr: 'Le corps de la requête est trop volumineux.',
    en: 'The request body is too large.',
  })
}
