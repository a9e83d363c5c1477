import { randomBytes } from 'node:crypto'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'

export const HASH_SECRET_FILE = 'hash-secret'

// The secret that keys phone hashes, when the environment gives none: made once, kept
// beside the embedded database (owner-only), so that hashes stored yesterday still
// match today. A lost file only loses matching (an opt-out would be asked again), never
// data. Instances that share one PostgreSQL do not share this file: each would make its
// own and never match the others' rows, hence the warning.
export async function resolveHashSecret(config: Pick<Config, 'HALTE_HASH_SECRET' | 'HALTE_DATA_DIR' | 'DATABASE_URL'>, log: Logger): Promise<string> {
  if (config.HALTE_HASH_SECRET) return config.HALTE_HASH_SECRET
  const dir = config.HALTE_DATA_DIR
  const file = join(dir, HASH_SECRET_FILE)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  try {
    // wx: two processes starting together keep the one written first.
    await writeFile(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 })
    log.info('hash secret created', { file })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const secret = (await readFile(file, 'utf8')).trim()
  if (secret.length < 32) throw new Error(`${file} must hold at least 32 characters (the phone hash secret)`)
  if (((await stat(file)).mode & 0o077) !== 0) log.warn('hash secret file is readable by others than its owner', { file })
  if (config.DATABASE_URL) {
    log.warn('HALTE_HASH_SECRET is not set: using the one kept in the data directory. Instances sharing one PostgreSQL must share one secret: set HALTE_HASH_SECRET in their environment', { file })
  }
  return secret
}
