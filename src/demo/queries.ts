import type { Db } from '../db/types.ts'

// 'real' when a real network holds the slug: the demo never replaces one.
export async function dropDemoNetwork(sql: Db, slug: string): Promise<'dropped' | 'absent' | 'real'> {
  const [row] = await sql<{ demo: boolean }[]>`
    with gone as (delete from networks where slug = ${slug} and demo returning true as demo)
    select coalesce((select demo from gone), (select false from networks where slug = ${slug})) as demo`
  if (!row || row.demo === null) return 'absent'
  return row.demo ? 'dropped' : 'real'
}

export async function markDemoNetwork(sql: Db, networkId: string) {
  await sql`update networks set demo = true where id = ${networkId}`
}
