// Structured JSON logs, one object per line. The sink is injected so the app stays
// runtime-free (stdout on Node, console on Workers, an array in tests). A child is a
// small object (methods on the prototype): one is made per request.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
type Fields = Record<string, unknown>

export interface Logger {
  debug(msg: string, fields?: Fields): void
  info(msg: string, fields?: Fields): void
  warn(msg: string, fields?: Fields): void
  error(msg: string, fields?: Fields): void
  child(fields: Fields): Logger
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 }

class JsonLogger implements Logger {
  constructor(
    private readonly min: number,
    private readonly level: LogLevel,
    private readonly sink: (line: string) => void,
    private readonly base: Fields,
  ) {}

  private emit(lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Fields) {
    if (RANK[lvl] < this.min) return
    this.sink(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...this.base, ...fields }, errorReplacer))
  }

  debug(msg: string, fields?: Fields) {
    this.emit('debug', msg, fields)
  }
  info(msg: string, fields?: Fields) {
    this.emit('info', msg, fields)
  }
  warn(msg: string, fields?: Fields) {
    this.emit('warn', msg, fields)
  }
  error(msg: string, fields?: Fields) {
    this.emit('error', msg, fields)
  }
  child(fields: Fields): Logger {
    return new JsonLogger(this.min, this.level, this.sink, { ...this.base, ...fields })
  }
}

export function createLogger(level: LogLevel, sink: (line: string) => void, base: Fields = {}): Logger {
  return new JsonLogger(RANK[level], level, sink, base)
}

function errorReplacer(_key: string, value: unknown) {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, code: (value as { code?: unknown }).code, stack: value.stack }
  }
  return value
}
