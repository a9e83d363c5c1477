import type { Db } from '../db/types.ts'
import type { AlertRow, EventRow } from '../alerts/queries.ts'

// The field teams' rows: who is on duty, the contacts mediators count, hand-offs, and
// which alerts reach whom.

// A shift is at most 12 hours; past that, a forgotten "on duty" stops routing alerts to
// a phone in a drawer. Renewing (posting on again) starts 12 hours more.
export const DUTY_MS = 12 * 3600_000

const liveToken = (sql: Db, now: Date) => sql`t.revoked_at is null and (t.expires_at is null or t.expires_at > ${now})`

// The push subscriptions of the field people an alert must reach: live tokens, on duty
// now, whose sectors cover the alert (or scoped to the whole network). Used as the
// outbox's `fieldOf` audience, inside the alert's own transaction.
export function fieldSubscriptionsOf(sql: Db, alertId: string, now: Date) {
  return sql`select s.id from alerts a
    join push_subscriptions s on s.network_id = a.network_id and s.owner = 'field'
    join tokens t on t.id = s.token_id and ${liveToken(sql, now)}
    join field_duty d on d.token_id = t.id and d.until > ${now}
    where a.id = ${alertId} and (
      not exists (select 1 from token_sectors ts where ts.token_id = t.id)
      or exists (select 1 from token_sectors ts join sectors sec on sec.id = ts.sector_id
                 where ts.token_id = t.id and a.location is not null and st_covers(sec.area, a.location::geometry)))`
}

// The same people for a new report: on duty, live, whose sectors hold its point.
export function fieldSubscriptionsOfReport(sql: Db, reportId: string, now: Date) {
  return sql`select s.id from reports r
    join push_subscriptions s on s.network_id = r.network_id and s.owner = 'field'
    join tokens t on t.id = s.token_id and ${liveToken(sql, now)}
    join field_duty d on d.token_id = t.id and d.until > ${now}
    where r.id = ${reportId} and (
      not exists (select 1 from token_sectors ts where ts.token_id = t.id)
      or exists (select 1 from token_sectors ts join sectors sec on sec.id = ts.sector_id
                 where ts.token_id = t.id and st_covers(sec.area, r.location::geometry)))`
}

export interface DutyRow {
  since: Date
  until: Date
}

export async function findDuty(sql: Db, tokenId: string, now: Date): Promise<DutyRow | null> {
  const [row] = await sql<DutyRow[]>`select since, until from field_duty where token_id = ${tokenId} and until > ${now}`
  return row ?? null
}

// On: since stays what it was if the shift is still running, until moves 12 h ahead.
export async function startDuty(sql: Db, tokenId: string, networkId: string, now: Date): Promise<DutyRow> {
  const [row] = await sql<DutyRow[]>`
    insert into field_duty (token_id, network_id, since, until)
    values (${tokenId}, ${networkId}, ${now}, ${new Date(now.getTime() + DUTY_MS)})
    on conflict (token_id) do update set
      since = case when field_duty.until > ${now} then field_duty.since else excluded.since end,
      until = excluded.until
    returning since, until`
  return row!
}

export async function endDuty(sql: Db, tokenId: string) {
  await sql`delete from field_duty where token_id = ${tokenId}`
}

export async function insertContact(
  sql: Db,
  c: { networkId: string; sector: { id: string; name: string } | null; kind: string; at: Date; tokenId: string | null },
  now: Date,
) {
  const [row] = await sql<{ id: string }[]>`
    insert into field_contacts (network_id, sector_id, sector_name, kind, at, token_id, created_at)
    values (${c.networkId}, ${c.sector?.id ?? null}, ${c.sector?.name ?? null}, ${c.kind}, ${c.at}, ${c.tokenId}, ${now})
    returning id::text`
  return row!
}

// Contacts counted by day (in the network's time zone), sector and kind.
export async function countContacts(sql: Db, networkId: string, timezone: string, from: Date, to: Date) {
  return sql<{ day: string; sector: string | null; kind: string; count: number }[]>`
    select to_char(at at time zone ${timezone}, 'YYYY-MM-DD') as day,
      coalesce(s.name, c.sector_name) as sector, c.kind, count(*)::int as count
    from field_contacts c left join sectors s on s.id = c.sector_id
    where c.network_id = ${networkId} and c.at >= ${from} and c.at < ${to}
    group by 1, 2, 3 order by 1, 2 nulls last, 3`
}

export async function insertHandoff(
  sql: Db,
  h: { alertId: string; networkId: string; to: string; actor: { role: string; tokenId: string | null } },
  now: Date,
) {
  await sql`
    insert into alert_handoffs (alert_id, network_id, to_service, actor_role, actor_token_id, at)
    values (${h.alertId}, ${h.networkId}, ${h.to}, ${h.actor.role}, ${h.actor.tokenId}, ${now})`
}

// A field token's stream: the network's alert events after a cursor, only those of alerts
// within its sectors (all, for a whole-network token).
export async function fieldEventsAfter(sql: Db, networkId: string, tokenId: string, after: string | null, limit: number, since: Date | null) {
  return sql<(EventRow & { alert: AlertRow })[]>`
    select e.id::text, e.alert_id, e.kind, e.from_status, e.to_status, e.actor_role, e.actor_place_id, e.note, e.at,
      (select row_to_json(x) from (
        select a.id, a.network_id, a.status, a.source, st_y(a.location::geometry) as lat, st_x(a.location::geometry) as lon,
          a.accuracy_m, a.message, a.phone, a.created_at, a.updated_at, a.escalated_at, a.erased_at
        from alerts a where a.id = e.alert_id) x) as alert
    from alert_events e join alerts a on a.id = e.alert_id
    where e.network_id = ${networkId} and e.id > ${after ?? '0'}::bigint ${since ? sql`and e.at >= ${since}` : sql``}
      and (not exists (select 1 from token_sectors ts where ts.token_id = ${tokenId})
           or exists (select 1 from token_sectors ts join sectors sec on sec.id = ts.sector_id
                      where ts.token_id = ${tokenId} and a.location is not null and st_covers(sec.area, a.location::geometry)))
    order by e.id limit ${limit}`
}
