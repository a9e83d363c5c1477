import type { Lang } from './i18n.ts'

// One way to call halte from a widget: JSON in and out, the problem's own message
// (already in the person's language) when halte refuses, and a plain "cannot reach"
// when the network fails, so a widget always has something true to say.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

export interface CallOptions {
  lang: Lang
  method?: string
  token?: string | null
  accessToken?: string | null
  json?: unknown
  body?: BodyInit
  contentType?: string
  idempotencyKey?: string
  signal?: AbortSignal
}

export function headersFor(o: Pick<CallOptions, 'lang' | 'token' | 'accessToken'>): Record<string, string> {
  const h: Record<string, string> = { 'accept-language': o.lang }
  if (o.token) h.authorization = `Bearer ${o.token}`
  if (o.accessToken) h['x-access-token'] = o.accessToken
  return h
}

export async function call<T>(base: string, path: string, o: CallOptions): Promise<T> {
  const headers = headersFor(o)
  if (o.json !== undefined) headers['content-type'] = 'application/json'
  else if (o.contentType) headers['content-type'] = o.contentType
  if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey
  let res: Response
  try {
    res = await fetch(new URL(path, base), {
      method: o.method ?? (o.json !== undefined || o.body ? 'POST' : 'GET'),
      headers,
      body: o.json !== undefined ? JSON.stringify(o.json) : o.body,
      signal: o.signal,
      credentials: 'omit',
    })
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError(0, 'unreachable', o.lang === 'fr' ? 'Le service halte ne répond pas.' : 'The halte service is not answering.')
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let body: Record<string, unknown> = {}
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {}
  } catch {
    body = {}
  }
  if (!res.ok) {
    const message = typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : `HTTP ${res.status}`
    throw new ApiError(res.status, typeof body.code === 'string' ? body.code : 'http_error', message, body)
  }
  return body as T
}

// A key per deliberate action: retries of the same action reuse it, so a repeated tap
// or a retried request never creates a second alert.
export const newKey = () => crypto.randomUUID()
