import type { Sql } from 'postgres'

// Forward-only migrations: each file applied in its own transaction, recorded with a
// SHA-256 checksum, under a transaction-scoped advisory lock so that instances starting
// together apply each file exactly once. A file changed after it was applied is refused:
// the database would no longer be what the file says.

export interface Migration {
  name: string
  sql: string
}

export class MigrationChecksumError extends Error {
  constructor(readonly migration: string) {
    super(
      `Migration ${migration} was changed after it was applied (checksum differs). ` +
        'Migrations are forward-only: restore the file and add a new one. / ' +
        `La migration ${migration} a été modifiée après application : restaurez-la et ajoutez-en une nouvelle.`,
    )
    this.name = 'MigrationChecksumError'
  }
}

export async function checksum(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export async function migrate(sql: Sql, migrations: Migration[]): Promise<string[]> {
  const ordered = [...migrations].sort((a, b) => a.name.localeCompare(b.name))
  const sums = new Map(await Promise.all(ordered.map(async (m) => [m.name, await checksum(m.sql)] as const)))
  const applied: string[] = []
  for (const m of ordered) {
    const done = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext(current_schema() || '.halte_migrations'))`
      await tx`create table if not exists halte_migrations (
        name text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`
      const rows = await tx<{ name: string; checksum: string }[]>`select name, checksum from halte_migrations`
      for (const row of rows) {
        const expected = sums.get(row.name)
        if (expected !== undefined && expected !== row.checksum) throw new MigrationChecksumError(row.name)
      }
      if (rows.some((r) => r.name === m.name)) return false
      await tx.unsafe(m.sql)
      await tx`insert into halte_migrations (name, checksum) values (${m.name}, ${sums.get(m.name)!})`
      return true
    })
    if (done) applied.push(m.name)
  }
  return applied
}
