import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { postgis } from '@electric-sql/pglite-postgis'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import type { Logger } from '../logger.ts'
import { StartupError } from './startup-error.ts'

// The embedded database: PGlite with PostGIS, persisted in HALTE_DATA_DIR and served
// on a loopback port so the app reaches it through the same postgres.js driver and
// the same SQL as a real PostgreSQL.

export interface Embedded {
  url: string
  // HALTE_DATA_DIR, resolved: the lock and the control socket live here, the database in dataDir.
  root: string
  dataDir: string
  db: PGlite
  close(): Promise<void>
}

export async function startEmbedded(dataDirSetting: string, log: Logger, opts: { port?: number; schema?: string } = {}): Promise<Embedded> {
  const root = resolve(dataDirSetting)
  const dataDir = join(root, 'pgdata')
  const releaseLock = usable(root, () => {
    mkdirSync(root, { recursive: true })
    accessSync(root, constants.R_OK | constants.W_OK | constants.X_OK)
    return lockDataDir(root)
  })
  try {
    const t0 = performance.now()
    const db = await PGlite.create(dataDir, { extensions: { postgis, pg_trgm } }).catch((e: unknown) => {
      throw dataDirError(e, root) ?? e
    })
    const [{ present } = { present: false }] = (
      await db.query<{ present: boolean }>(`select exists (select 1 from pg_extension where extname = 'postgis') as present`)
    ).rows
    if (!present) {
      log.info('creating the PostGIS extension in the embedded database (first start only, about 15 s)')
      await db.exec('create extension postgis')
    }
    // Every socket client shares PGlite's single session, so session settings made
    // here hold for all of them; the host's zone would otherwise leak in as Etc/GMT….
    await db.exec(`set time zone 'UTC'`)
    if (opts.schema) await db.exec(`create schema if not exists ${opts.schema}; set search_path = ${opts.schema}, public`)
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: opts.port ?? 0, maxConnections: 64 })
    await server.start()
    const conn = server.getServerConn()
    log.info('embedded database ready', {
      data_dir: dataDir,
      ms: Math.round(performance.now() - t0),
      hint: 'set DATABASE_URL=postgres://user@host:5432/db to use a real PostgreSQL with PostGIS instead',
    })
    return {
      url: `postgres://postgres@${conn}/postgres`,
      root,
      dataDir,
      db,
      async close() {
        await server.stop()
        await db.close()
        releaseLock()
      },
    }
  } catch (e) {
    releaseLock()
    throw e
  }
}

// What the file system refuses is the setting's to fix: said in one line, naming it.
export function dataDirError(e: unknown, root: string): StartupError | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  if (!code || !['EACCES', 'EPERM', 'ENOTDIR', 'EROFS', 'ENOSPC', 'EEXIST', 'ENOENT'].includes(code)) return undefined
  return new StartupError(
    `HALTE_DATA_DIR (${root}) cannot be used (${code}): give this user a readable, writable folder there, or set HALTE_DATA_DIR to one. / ` +
      `HALTE_DATA_DIR (${root}) est inutilisable (${code}) : donnez à cet utilisateur un dossier lisible et modifiable, ou indiquez-en un autre dans HALTE_DATA_DIR.`,
  )
}

function usable<T>(root: string, open: () => T): T {
  try {
    return open()
  } catch (e) {
    throw dataDirError(e, root) ?? e
  }
}

// PGlite is single-process: two servers on one data directory would corrupt it.
function lockDataDir(root: string): () => void {
  const lockFile = join(root, 'halte.pid')
  try {
    const pid = Number(readFileSync(lockFile, 'utf8'))
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(
        `The embedded database in ${root} is in use by process ${pid}. Stop it, or set HALTE_DATA_DIR to another folder. / ` +
          `La base embarquée de ${root} est utilisée par le processus ${pid}.`,
      )
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  writeFileSync(lockFile, String(process.pid))
  return () => rmSync(lockFile, { force: true })
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
