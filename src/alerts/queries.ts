import { type Db, textArray } from '../db/types.ts'
import { mercPoint, mercRadius, point } from '../geo/sql.ts'
import { servedAsRefuge } from '../places/queries.ts'
import type { AlertStatus } from './schemas.ts'

export type { AlertStatus } from './schemas.ts'

export interface AlertRow {
  id: string
  network_id: string
  status: AlertStatus
  source: 'web' | 'sms'
  lat: number | null
  lon: number | null
  accuracy_m: number | null
  message: string | null
  phone: string | null
  created_at: Date
  updated_at: Date
  escalated_at: Date | null
  erased_at: Date | null
}

export interface Actor {
  role: string
  tokenId: string | null
  placeId: string | null
}

const alertColumns = (sql: Db) => sql`
  a.id, a.network_id, a.status, a.source,
  st_y(a.location::geometry) as lat, st_x(a.location::geometry) as lon,
  a.accuracy_m, a.message, a.phone, a.created_at, a.updated_at, a.escalated_at, a.erased_at`

export interface NewAlert {
  id?: string
  source: 'web' | 'sms'
  lat: number | null
  lon: number | null
  accuracyM: number | null
  message: string | null
  phone: string | null
  phoneHash: string | null
  accessTokenHash: string | null
}

export async function insertAlert(
  sql: Db,
  a: NewAlert & { networkId: string },
  now: Date,
): Promise<{ id: string }> {
  const location = a.lat === null || a.lon === null ? null : point(sql, a.lat, a.lon)
  const [row] = await sql<{ id: string }[]>`
    insert into alerts (id, network_id, source, location, accuracy_m, message, phone, phone_hash, access_token_hash, created_at, updated_at)
    values (${a.id ?? crypto.randomUUID()}, ${a.networkId}, ${a.source}, ${location}, ${a.accuracyM}, ${a.message}, ${a.phone}, ${a.phoneHash},
            ${a.accessTokenHash}, ${now}, ${now})
    returning id`
  return row!
}

export async function insertEvent(
  sql: Db,
  e: { alertId: string; networkId: string; kind: string; from: AlertStatus | null; to: AlertStatus; actor: Actor; note?: string | null },
  now: Date,
) {
  // Streams read events by id, so ids must become visible in order: the id is drawn
  // again at the commit, under the network's lock (sql/0023_event_ids_at_commit.sql).
  await sql`
    insert into alert_events (alert_id, network_id, kind, from_status, to_status, actor_role, actor_token_id, actor_place_id, note, at)
    values (${e.alertId}, ${e.networkId}, ${e.kind}, ${e.from}, ${e.to}, ${e.actor.role}, ${e.actor.tokenId},
           ${e.actor.placeId}, ${e.note ?? null}, ${now})`
}

export async function findAlert(sql: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<AlertRow | null> {
  const [row] = opts.forUpdate
    ? await sql<AlertRow[]>`select ${alertColumns(sql)} from alerts a where a.id = ${id} for update`
    : await sql<AlertRow[]>`select ${alertColumns(sql)} from alerts a where a.id = ${id}`
  return row ?? null
}

export async function findAlertByAccessToken(sql: Db, id: string, tokenHash: string): Promise<boolean> {
  const [row] = await sql`select 1 from alerts where id = ${id} and access_token_hash = ${tokenHash}`
  return row !== undefined
}

export async function setStatus(sql: Db, id: string, status: AlertStatus, now: Date) {
  await sql`update alerts set status = ${status}, updated_at = ${now} where id = ${id}`
}

export async function listAlerts(sql: Db, networkId: string, statuses: AlertStatus[], limit: number) {
  return sql<AlertRow[]>`
    select ${alertColumns(sql)} from alerts a
    where a.network_id = ${networkId} and a.status = any(${textArray(statuses)}::text[])
    order by a.created_at desc limit ${limit}`
}

export interface EventRow {
  id: string
  alert_id: string
  kind: string
  from_status: string | null
  to_status: string
  actor_role: string
  actor_place_id: string | null
  note: string | null
  at: Date
}

export async function alertEvents(sql: Db, alertId: string) {
  return sql<EventRow[]>`
    select id::text, alert_id, kind, from_status, to_status, actor_role, actor_place_id, note, at
    -- Qualified: a bare "id" is the text column above, and "10" sorts before "9".
    from alert_events where alert_id = ${alertId} order by alert_events.id`
}

// Events after a cursor, or with no cursor those since a date (null: all).
export async function networkEventsAfter(sql: Db, networkId: string, after: string | null, limit: number, since: Date | null = null) {
  return sql<(EventRow & { alert: AlertRow })[]>`
    select e.id::text, e.alert_id, e.kind, e.from_status, e.to_status, e.actor_role, e.actor_place_id, e.note, e.at,
      (select row_to_json(x) from (select ${alertColumns(sql)} from alerts a where a.id = e.alert_id) x) as alert
    from alert_events e
    where e.network_id = ${networkId} and e.id > ${after ?? '0'}::bigint ${since ? sql`and e.at >= ${since}` : sql``}
    order by e.id limit ${limit}`
}

export async function insertRecipients(sql: Db, alertId: string, places: { id: string; distance_m: number }[]) {
  if (!places.length) return
  const rows = places.map((p) => ({ alert_id: alertId, place_id: p.id, distance_m: Math.round(p.distance_m) }))
  await sql`insert into alert_recipients ${sql(rows)} on conflict do nothing`
}

export async function isRecipient(sql: Db, alertId: string, placeId: string) {
  const [row] = await sql`select 1 from alert_recipients where alert_id = ${alertId} and place_id = ${placeId}`
  return row !== undefined
}

// How far the alert was from a notified place (null once erased).
export async function recipientDistance(sql: Db, alertId: string, placeId: string): Promise<number | null> {
  const [row] = await sql<{ distance_m: number | null }[]>`
    select distance_m from alert_recipients where alert_id = ${alertId} and place_id = ${placeId}`
  return row?.distance_m ?? null
}

export async function auditRead(sql: Db, r: { networkId: string; alertId: string | null; actor: Actor; what: string }, now: Date) {
  await sql`
    insert into alert_reads (network_id, alert_id, actor_role, actor_token_id, what, at)
    values (${r.networkId}, ${r.alertId}, ${r.actor.role}, ${r.actor.tokenId}, ${r.what}, ${now})`
}

export interface IdempotencyRow {
  body_hash: string
  alert_id: string
  sealed_token: string
}

export async function findIdempotency(sql: Db, networkId: string, keyHash: string) {
  const [row] = await sql<IdempotencyRow[]>`
    select body_hash, alert_id, sealed_token from alert_idempotency where network_id = ${networkId} and key_hash = ${keyHash}`
  return row ?? null
}

// false when another request holding the same key committed first.
export async function insertIdempotency(
  sql: Db,
  r: { networkId: string; keyHash: string; bodyHash: string; alertId: string; sealedToken: string },
  now: Date,
) {
  const rows = await sql`
    insert into alert_idempotency (network_id, key_hash, body_hash, alert_id, sealed_token, created_at)
    values (${r.networkId}, ${r.keyHash}, ${r.bodyHash}, ${r.alertId}, ${r.sealedToken}, ${now})
    on conflict do nothing returning 1`
  return rows.length === 1
}

// Fixed window counter; returns the hits in the current window including this one.
export async function hitRateLimit(sql: Db, bucket: string, windowS: number, now: Date) {
  const start = new Date(Math.floor(now.getTime() / (windowS * 1000)) * windowS * 1000)
  const [row] = await sql<{ hits: number }[]>`
    insert into rate_limits (bucket, window_start, hits) values (${bucket}, ${start}, 1)
    on conflict (bucket, window_start) do update set hits = rate_limits.hits + 1
    returning hits`
  return { hits: row!.hits, resetAt: new Date(start.getTime() + windowS * 1000) }
}

// Open places within the radius that can be reached by push become the alert's
// recipients, in one statement for those whose materialised periods cover now. Returns
// how many places in the radius were not covered (the caller asks the library of those).
export async function insertOpenRecipients(
  sql: Db,
  n: { networkId: string; radiusM: number },
  alertId: string,
  lat: number,
  lon: number,
  now: Date,
): Promise<number> {
  const pt = point(sql, lat, lon)
  const [{ uncovered }] = (await sql`
    with box as materialized (
      -- Materialised so that the plan starts from the Mercator box through the places
      -- index (the geography column has none); a generic plan otherwise started from
      -- every push subscription and looked each place up (45 ms at 10,000 of them).
      select p.id, p.location, p.open_periods, (p.periods_from <= ${now} and ${now} < p.periods_to) as covered
      from places p
      where p.status = 'active' and p.network_id = ${n.networkId} and ${servedAsRefuge(sql, now)}
        and p.merc && st_expand(${mercPoint(sql, lat, lon)}, ${mercRadius(n.radiusM, lat)})
    ), reachable as materialized (
      -- Places with a push subscription first (an index probe each), so the costlier
      -- geodesic test below runs on those few rather than on the whole box.
      select b.* from box b where exists (select 1 from push_subscriptions s where s.place_id = b.id)
    ), near as (
      select r.* from reachable r where st_dwithin(r.location, ${pt}, ${n.radiusM})
    ), added as (
      insert into alert_recipients (alert_id, place_id, distance_m)
      select ${alertId}, id, round(st_distance(location, ${pt}))::int from near where covered and open_periods @> ${now}::timestamptz
      returning 1
    )
    select (select count(*) from near where not covered)::int as uncovered, (select count(*) from added)::int as added`) as unknown as [
    { uncovered: number },
  ]
  return uncovered
}

export async function setAlertLocation(sql: Db, alertId: string, lat: number, lon: number, now: Date) {
  await sql`update alerts set location = ${point(sql, lat, lon)}, updated_at = ${now} where id = ${alertId}`
}

// STOP/ARRET: no more SMS to that phone, status updates included.
export async function requesterOptedOut(sql: Db, alertId: string): Promise<boolean> {
  const [row] = await sql`select 1 from alerts a join sms_optouts o on o.network_id = a.network_id and o.phone_hash = a.phone_hash
                          where a.id = ${alertId}`
  return row !== undefined
}

export interface AlertSettings {
  escalation_delay_s: number
  oncall_sms_number: string | null
}

export async function readAlertSettings(sql: Db, networkId: string): Promise<AlertSettings> {
  const [row] = await sql<AlertSettings[]>`select escalation_delay_s, oncall_sms_number from networks where id = ${networkId}`
  return row!
}

export async function writeAlertSettings(sql: Db, networkId: string, next: AlertSettings) {
  await sql`update networks set escalation_delay_s = ${next.escalation_delay_s},
            oncall_sms_number = ${next.oncall_sms_number}, updated_at = now() where id = ${networkId}`
}

// The alerts a place was told of since a date, newest first, with how far each was and
// its events (what the partner view shows of them).
export async function alertsSentTo(sql: Db, placeId: string, since: Date, limit: number) {
  return sql<(AlertRow & { distance_m: number; events: EventRow[] })[]>`
    select ${alertColumns(sql)}, r.distance_m,
      coalesce((select json_agg(json_build_object('kind', e.kind, 'to_status', e.to_status, 'at', e.at) order by e.id)
                from alert_events e where e.alert_id = a.id), '[]'::json) as events
    from alert_recipients r
    join alerts a on a.id = r.alert_id
    where r.place_id = ${placeId} and a.created_at >= ${since}
    order by a.created_at desc, a.id
    limit ${limit}`
}

// A place's share of the network's events after a cursor (or, with none, since a date):
// those of alerts it was told of. Escalations are the supervision room's business.
export async function placeEventsAfter(sql: Db, networkId: string, placeId: string, after: string | null, limit: number, since: Date | null) {
  return sql<(EventRow & { alert: AlertRow; distance_m: number })[]>`
    select e.id::text, e.alert_id, e.kind, e.from_status, e.to_status, e.actor_role, e.actor_place_id, e.note, e.at, r.distance_m,
      (select row_to_json(x) from (select ${alertColumns(sql)} from alerts a where a.id = e.alert_id) x) as alert
    from alert_events e
    join alert_recipients r on r.alert_id = e.alert_id and r.place_id = ${placeId}
    where e.network_id = ${networkId} and e.id > ${after ?? '0'}::bigint and e.actor_role <> 'system'
      ${since ? sql`and e.at >= ${since}` : sql``}
    order by e.id limit ${limit}`
}
