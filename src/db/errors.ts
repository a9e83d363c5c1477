// Errors that mean "the database cannot be reached right now" rather than "this query
// is wrong": the caller gets 503 with Retry-After and the pool reconnects by itself.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
])
// SQLSTATE classes 08 (connection exception), 57P0x (shutdown), 53300 (too many connections).
const SQLSTATE = /^(08...|57P0[1-4]|53300)$/

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false
  const code = String((err as { code?: unknown }).code ?? '')
  if (NETWORK_CODES.has(code) || SQLSTATE.test(code)) return true
  const errno = (err as { errno?: unknown }).errno
  return typeof errno === 'string' && NETWORK_CODES.has(errno)
}

// Unique-violation on a named constraint, for turning races into 409s.
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (!err || typeof err !== 'object') return false
  const e = err as { code?: string; constraint_name?: string }
  return e.code === '23505' && (constraint === undefined || e.constraint_name === constraint)
}
