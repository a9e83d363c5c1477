import type { PostgresType, Sql, TransactionSql } from 'postgres'

// What query functions take: the pool, or a transaction when writes must go together.
export type Db = Sql | TransactionSql

// Arrays cross the driver as PostgreSQL's array literal, written here. postgres.js can
// only serialise a JS array after fetching the server's array types, which Workers
// (through Hyperdrive) skip; a literal string works on every connection and the server
// casts it: `any(${textArray(ids)}::uuid[])`. A plain JS array bound as a parameter
// throws (see ARRAY_TYPES), on Node as on Workers.
export function textArray(values: readonly (string | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`
}

// For int[], float8[] and the like. A non-finite number has no place in these columns.
export function numberArray(values: readonly number[]): string {
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`)
  return `{${values.join(',')}}`
}

export function boolArray(values: readonly boolean[]): string {
  return `{${values.map((v) => (v ? 't' : 'f')).join(',')}}`
}

// One array value in PostgreSQL's text output ({a,"b c",NULL}, nested for several
// dimensions), each element handed to `element`.
export function parseArray<T>(text: string, element: (raw: string) => T): (T | null)[] {
  let i = 0
  const list = (): unknown[] => {
    const out: unknown[] = []
    i++ // {
    if (text[i] === '}') {
      i++
      return out
    }
    for (;;) {
      if (text[i] === '{') out.push(list())
      else if (text[i] === '"') {
        let s = ''
        for (i++; text[i] !== '"'; i++) s += text[i] === '\\' ? text[++i] : text[i]
        i++
        out.push(element(s))
      } else {
        const start = i
        while (text[i] !== ',' && text[i] !== '}') i++
        const raw = text.slice(start, i)
        out.push(raw === 'NULL' ? null : element(raw))
      }
      if (text[i++] === '}') return out
    }
  }
  // A lower bound other than 1 comes first ("[0:1]={a,b}"): the elements are what matter.
  if (text[0] === '[') i = text.indexOf('=') + 1
  return list() as (T | null)[]
}

const arrayOf = (oids: number[], element: (raw: string) => unknown): PostgresType => ({
  to: oids[0]!,
  from: oids,
  // The server names a parameter's type before it is bound: a parameter it types as an
  // array reaches this. A string is the literal one of the helpers above wrote.
  serialize: (value: unknown) => {
    if (typeof value === 'string') return value
    throw new TypeError('Bind arrays with textArray(), numberArray() or boolArray() (src/db/types.ts), not as a JS array')
  },
  parse: (raw: string) => parseArray(raw, element),
})

const asString = (raw: string) => raw
const asNumber = (raw: string) => +raw

// Array columns and results as JS arrays without fetching the server's types: the
// built-in array types have the same OIDs on every PostgreSQL. Element parsing follows
// postgres.js's own for the scalar (int8 and numeric stay strings, as they do there).
export const ARRAY_TYPES: Record<string, PostgresType> = {
  texts: arrayOf([1009, 1015, 1014, 1003, 2951, 1016, 1231, 1183, 1270], asString), // text varchar bpchar name uuid int8 numeric time timetz
  numbers: arrayOf([1007, 1005, 1021, 1022, 1028], asNumber), // int4 int2 float4 float8 oid
  bools: arrayOf([1000], (raw) => raw === 't'),
  dates: arrayOf([1185, 1115, 1182], (raw) => new Date(raw)), // timestamptz timestamp date
  jsons: arrayOf([199, 3807], (raw) => JSON.parse(raw)), // json jsonb
}

// The driver's type settings for every connection halte opens, on Node as on Workers,
// so that a query behaves the same on both: nothing fetched at connect (Hyperdrive's
// guidance), array types known statically.
export const TYPE_OPTIONS = { fetch_types: false, types: ARRAY_TYPES } as const
