import type { Db } from '../db/types.ts'

// The audit log's rows, from the tables that record each kind of act: one union,
// oldest first. Operators are named by their token's label (the post), never more.

export interface AuditRow {
  at: Date
  network: string | null
  kind: string
  actor_role: string | null
  actor: string | null
  subject: string | null
  detail: unknown
}

export async function auditRows(sql: Db, from: Date, to: Date, networkId: string | null): Promise<AuditRow[]> {
  const inNetwork = (col: string) => (networkId === null ? sql`true` : sql`${sql(col)} = ${networkId}`)
  const [b] = await sql<{ exists: boolean }[]>`select to_regclass('broadcasts') is not null as exists`
  // Broadcasts are issue 13's table: read when it is there. Their target, not its point.
  const broadcasts = b!.exists
    ? sql`union all
      select x.created_at, x.network_id, 'broadcast', x.actor_role, t.label, x.id::text,
        json_build_object('target', coalesce(x.sector_name, 'circle'), 'radius_m', x.radius_m, 'push', x.push, 'sms', x.sms,
                          'places', x.places_count, 'field', x.field_count)::text
      from broadcasts x left join tokens t on t.id = x.actor_token_id
      where x.created_at >= ${from} and x.created_at < ${to} and ${inNetwork('x.network_id')}`
    : sql``
  return sql<AuditRow[]>`
    select e.at, n.slug as network, e.kind, e.actor_role, e.actor, e.subject, e.detail
    from (
      select r.at, r.network_id, 'alert_read' as kind, r.actor_role, t.label as actor, r.alert_id::text as subject, r.what as detail
      from alert_reads r left join tokens t on t.id = r.actor_token_id
      where r.at >= ${from} and r.at < ${to} and ${inNetwork('r.network_id')}
      union all
      select h.created_at, h.network_id, 'hold_placed', h.actor_role, t.label, h.alert_id::text,
        json_build_object('reference', h.reference, 'until', h.until, 'reason', h.reason)::text
      from alert_holds h left join tokens t on t.id = h.actor_token_id
      where h.created_at >= ${from} and h.created_at < ${to} and ${inNetwork('h.network_id')}
      union all
      select h.lifted_at, h.network_id, 'hold_lifted', h.lifted_role, t.label, h.alert_id::text,
        json_build_object('reference', h.reference)::text
      from alert_holds h left join tokens t on t.id = h.lifted_token_id
      where h.lifted_at >= ${from} and h.lifted_at < ${to} and ${inNetwork('h.network_id')}
      union all
      select x.at, x.network_id, 'erasure', x.requested_by, null, x.subject_id::text,
        json_build_object('of', x.kind, 'counts', x.counts)::text
      from erasures x where x.at >= ${from} and x.at < ${to} and ${inNetwork('x.network_id')}
      ${broadcasts}
      union all
      select t.created_at, t.network_id, 'token_created', c.role, c.label, t.id::text,
        json_build_object('role', t.role, 'label', t.label, 'expires_at', t.expires_at)::text
      from tokens t left join tokens c on c.id = t.created_by
      where t.created_at >= ${from} and t.created_at < ${to} and ${inNetwork('t.network_id')}
      union all
      select t.revoked_at, t.network_id, 'token_revoked', c.role, c.label, t.id::text,
        json_build_object('role', t.role, 'label', t.label)::text
      from tokens t left join tokens c on c.id = t.revoked_by
      where t.revoked_at >= ${from} and t.revoked_at < ${to} and ${inNetwork('t.network_id')}
      union all
      -- Use is recorded to the minute, the last one only (see LAST_USE_RESOLUTION_MS).
      select t.last_used_at, t.network_id, 'token_last_used', t.role, t.label, t.id::text, null
      from tokens t where t.last_used_at >= ${from} and t.last_used_at < ${to} and ${inNetwork('t.network_id')}
    ) e left join networks n on n.id = e.network_id
    order by e.at, e.kind`
}

// One row per run and count kind (long format: jobs record different counts).
export async function retentionRows(sql: Db, from: Date, to: Date) {
  return sql<{ ran_at: Date; job: string; what: string; count: number }[]>`
    select r.ran_at, r.job, c.key as what, c.value::int as count
    from retention_runs r cross join lateral jsonb_each_text(r.counts) c
    where r.ran_at >= ${from} and r.ran_at < ${to}
    order by r.ran_at, r.id, c.key`
}
