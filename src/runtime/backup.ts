import { once } from 'node:events'
import { createWriteStream, readFileSync, renameSync, rmSync } from 'node:fs'
import type { Sql } from 'postgres'

// A backup is plain SQL: one transaction that empties halte's tables and inserts every
// row again, column by column, with each sequence's position. Plain INSERTs rather than
// COPY because PGlite's socket cannot take COPY FROM STDIN, and so that the same file
// loads into a real PostgreSQL (psql -f) whose schema `halte migrate` has prepared.
// Table names are unqualified: the file loads into the loading session's schema.

export const BACKUP_MARK = '-- halte backup'
const BATCH = 200

interface Table {
  name: string
  columns: string[]
  identityAlways: boolean
}

// halte's tables in the session's schema, referenced before referencing, without the
// migrations' own ledger (the target's migrations say what its schema is) and without
// what extensions own (PostGIS's spatial_ref_sys).
async function tables(sql: Sql): Promise<Table[]> {
  const rows = await sql<{ name: string; columns: string[]; identity_always: boolean; refs: string[] }[]>`
    select c.relname as name,
      array(select quote_ident(a.attname) from pg_attribute a
            where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
            order by a.attnum)::text[] as columns,
      exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attidentity = 'a') as identity_always,
      array(select distinct f.confrelid::regclass::text from pg_constraint f
            where f.conrelid = c.oid and f.contype = 'f' and f.confrelid <> c.oid)::text[] as refs
    from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p') and c.relname <> 'halte_migrations'
      and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
    order by c.relname`
  const byName = new Map(rows.map((r) => [r.name, r]))
  const ordered: Table[] = []
  const placed = new Set<string>()
  while (placed.size < rows.length) {
    const ready = rows.filter((r) => !placed.has(r.name) && r.refs.every((ref) => placed.has(ref) || !byName.has(ref)))
    if (!ready.length) throw new Error('foreign keys between halte tables form a cycle: the backup cannot order its inserts')
    for (const r of ready) {
      placed.add(r.name)
      ordered.push({ name: r.name, columns: r.columns, identityAlways: r.identity_always })
    }
  }
  return ordered
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`

export async function writeBackup(sql: Sql, file: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  const temp = `${file}.partial`
  const out = createWriteStream(temp, { mode: 0o600 })
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain')
  }
  try {
    // One snapshot for every table, so that the rows agree with each other.
    await sql.begin('isolation level repeatable read read only', async (tx) => {
      const list = await tables(tx as unknown as Sql)
      const [{ last } = { last: null }] = await tx<{ last: string | null }[]>`select max(name) as last from halte_migrations`
      await write(`${BACKUP_MARK} taken ${new Date().toISOString()}, schema at migration ${last}\n`)
      await write('-- Load with `halte restore FILE`, or `psql -v ON_ERROR_STOP=1 -f FILE` into a database prepared by `halte migrate`.\n')
      await write("set client_encoding = 'UTF8';\nset standard_conforming_strings = on;\nbegin;\n")
      if (last) {
        await write(
          `do $$ begin if not exists (select 1 from halte_migrations where name = ${quote(last)}) then ` +
            `raise exception 'this backup needs the schema at migration ${last.replace(/'/g, '')}: run halte migrate with the same or a later release first'; end if; end $$;\n`,
        )
      }
      if (list.length) await write(`truncate table ${list.map((t) => ident(t.name)).join(', ')};\n`)
      // A restore puts rows back as they were: the triggers that derive rows or values on
      // insert (a new network's report categories, an alert's sector) must not run again.
      for (const t of list) await write(`alter table ${ident(t.name)} disable trigger user;\n`)
      for (const t of list) {
        counts[t.name] = 0
        const head = `insert into ${ident(t.name)} (${t.columns.join(', ')})${t.identityAlways ? ' overriding system value' : ''} values\n`
        // Every value as its text form, which reads back into its column: quote_nullable
        // on the value itself is ambiguous for PostGIS geometry (it has two text casts).
        const values = `format('(%s)', concat_ws(', ', ${t.columns.map((c) => `quote_nullable(${c}::text)`).join(', ')}))`
        await tx.unsafe(`select ${values} as v from ${ident(t.name)}`).cursor(BATCH, async (rows) => {
          counts[t.name] = (counts[t.name] ?? 0) + rows.length
          await write(`${head}${(rows as unknown as { v: string }[]).map((r) => r.v).join(',\n')};\n`)
        })
      }
      const sequences = await tx<{ name: string; value: string | null; called: boolean }[]>`
        select quote_ident(s.sequencename) as name, s.last_value::text as value, s.last_value is not null as called
        from pg_sequences s where s.schemaname = current_schema()`
      for (const s of sequences) {
        if (s.called) await write(`select setval(${quote(s.name)}, ${s.value}, true);\n`)
      }
      for (const t of list) await write(`alter table ${ident(t.name)} enable trigger user;\n`)
      await write('commit;\n')
    })
    out.end()
    await once(out, 'finish')
    renameSync(temp, file)
    return counts
  } catch (e) {
    out.destroy()
    rmSync(temp, { force: true })
    throw e
  }
}

function quote(text: string) {
  return `'${text.replace(/'/g, "''")}'`
}

export async function readBackup(file: string): Promise<string> {
  const text = readFileSync(file, 'utf8')
  if (!text.startsWith(BACKUP_MARK)) throw new Error(`${file} is not a halte backup (it does not start with "${BACKUP_MARK}")`)
  return text
}

// The file is one transaction: a failure leaves the database as it was.
// On a session of its own: the file's BEGIN and COMMIT must reach the same one.
export async function loadBackup(sql: Sql, text: string) {
  const session = await sql.reserve()
  try {
    await session.unsafe(text).simple()
  } finally {
    session.release()
  }
}
