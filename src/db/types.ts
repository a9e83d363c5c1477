import type { Sql, TransactionSql } from 'postgres'

// What query functions take: the pool, or a transaction when writes must go together.
export type Db = Sql | TransactionSql

// A text[] parameter written as PostgreSQL's array literal. postgres.js can only
// serialise JS arrays after fetching array types, which Workers (through Hyperdrive)
// skip; a literal string works everywhere and the server casts it.
export function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`
}
