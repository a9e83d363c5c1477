import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Sql } from 'postgres'
import { type Migration, migrate } from '../db/migrate.ts'

export const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql')

export function readMigrations(dir = SQL_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name), 'utf8') }))
}

export async function migrateFromDisk(sql: Sql, dir = SQL_DIR): Promise<string[]> {
  return migrate(sql, readMigrations(dir))
}
