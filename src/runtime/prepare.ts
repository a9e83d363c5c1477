import type { Config } from '../config.ts'
import { createLogger, type Logger } from '../logger.ts'
import { type Database, ensureSchema, openDatabase } from './database.ts'
import { migrateFromDisk } from './migrations.ts'

// What CLI commands share with the server, without the HTTP app: a command run without
// a server loads only this, not the app and its senders (about a second of imports).

export function nodeLogger(config: Pick<Config, 'LOG_LEVEL'>): Logger {
  return createLogger(config.LOG_LEVEL, batchedStdout(), { service: 'halte' })
}

// stdout to a file is a synchronous write per call: one per access-log line cost 13 %
// of a busy server's CPU. Lines written in the same turn of the event loop go out in
// one write; whatever is pending is flushed before the process exits.
function batchedStdout(): (line: string) => void {
  let pending: string[] = []
  const flush = () => {
    if (pending.length === 0) return
    const chunk = `${pending.join('\n')}\n`
    pending = []
    process.stdout.write(chunk)
  }
  process.once('exit', flush)
  return (line) => {
    if (pending.push(line) === 1) setImmediate(flush)
    if (pending.length >= 512) flush()
  }
}

export async function prepareDatabase(config: Config, log: Logger): Promise<Database> {
  const db = await openDatabase(config, log)
  try {
    await ensureSchema(db.sql, config.HALTE_DB_SCHEMA)
    const applied = await migrateFromDisk(db.sql)
    if (applied.length) log.info('migrations applied', { applied })
    return db
  } catch (e) {
    await db.close()
    throw e
  }
}
