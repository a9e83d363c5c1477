import { type Db, textArray } from '../db/types.ts'
import { point } from '../geo/sql.ts'

// One function per statement of rapid mobilisation. Targets are a sector (the
// `sectors` table of the field-work migration) or a circle of at most 5 km.

export type Target = { sectorId: string; sectorName: string } | { lat: number; lon: number; radiusM: number }

// The sector's id, or null when the network has no sector by that name (or the server
// has no sectors yet: they come with the field-work migration).
export async function findSector(sql: Db, networkId: string, name: string) {
  const [has] = await sql<{ ok: boolean }[]>`select to_regclass('sectors') is not null as ok`
  if (!has?.ok) return null
  const [row] = await sql<{ id: string; name: string }[]>`select id, name from sectors where network_id = ${networkId} and name = ${name}`
  return row ?? null
}

// Broadcasts are rare: one lock on the network row serialises them, so two at once
// cannot both slip under a limit (advisory locks do not exist behind Hyperdrive).
export async function lockNetwork(sql: Db, networkId: string) {
  await sql`select 1 from networks where id = ${networkId} for no key update`
}

// Broadcasts within a window, by this actor and by the whole network, and when the
// oldest of each leaves it (what Retry-After is counted from).
export async function recentCounts(sql: Db, networkId: string, actorTokenId: string | null, actorRole: string, since: { actor: Date; network: Date }) {
  const [row] = await sql<{ actor: number; actor_oldest: Date | null; network: number; network_oldest: Date | null }[]>`
    select
      count(*) filter (where created_at > ${since.actor} and actor_role = ${actorRole}
        and actor_token_id is not distinct from ${actorTokenId}::uuid)::int as actor,
      min(created_at) filter (where created_at > ${since.actor} and actor_role = ${actorRole}
        and actor_token_id is not distinct from ${actorTokenId}::uuid) as actor_oldest,
      count(*) filter (where created_at > ${since.network})::int as network,
      min(created_at) filter (where created_at > ${since.network}) as network_oldest
    from broadcasts where network_id = ${networkId} and created_at > least(${since.actor}::timestamptz, ${since.network}::timestamptz)`
  return row!
}

export async function insertBroadcast(
  sql: Db,
  b: { id: string; networkId: string; message: string; target: Target; push: boolean; sms: boolean; actorRole: string; actorTokenId: string | null },
  now: Date,
) {
  const t = b.target
  const sector = 'sectorId' in t ? t : null
  const circle = 'sectorId' in t ? null : t
  await sql`
    insert into broadcasts (id, network_id, message, sector_id, sector_name, center, radius_m, push, sms, actor_role, actor_token_id, created_at)
    values (${b.id}, ${b.networkId}, ${b.message}, ${sector?.sectorId ?? null}, ${sector?.sectorName ?? null},
            ${circle ? point(sql, circle.lat, circle.lon) : null}, ${circle?.radiusM ?? null}, ${b.push}, ${b.sms},
            ${b.actorRole}, ${b.actorTokenId}, ${now})`
}

// Every active place of the target becomes a recipient; returns them with their phone.
export async function insertPlaceRecipients(sql: Db, broadcastId: string, networkId: string, target: Target) {
  const where =
    'sectorId' in target
      ? sql`st_intersects((select area from sectors where id = ${target.sectorId}), p.location::geometry)`
      : sql`st_dwithin(p.location, ${point(sql, target.lat, target.lon)}, ${target.radiusM})`
  return sql<{ id: string; place_id: string; phone: string | null }[]>`
    with added as (
      insert into broadcast_recipients (broadcast_id, place_id)
      select ${broadcastId}, p.id from places p where p.network_id = ${networkId} and p.status = 'active' and ${where}
      returning id, place_id)
    select a.id::text, a.place_id, p.phone from added a join places p on p.id = a.place_id`
}

// Field tokens (mediators, municipal police) on duty whose sectors meet the target, or
// who cover the whole network (no sector of their own).
export async function insertFieldRecipients(sql: Db, broadcastId: string, networkId: string, target: Target, now: Date) {
  const meets =
    'sectorId' in target
      ? sql`s.id = ${target.sectorId}`
      : sql`st_dwithin(s.area::geography, ${point(sql, target.lat, target.lon)}, ${target.radiusM})`
  const rows = await sql`
    insert into broadcast_recipients (broadcast_id, token_id)
    select ${broadcastId}, t.id from tokens t
    join field_duty d on d.token_id = t.id and d.until > ${now}
    where t.network_id = ${networkId} and t.role in ('mediator', 'police') and t.revoked_at is null
      and (t.expires_at is null or t.expires_at > ${now})
      and (not exists (select 1 from token_sectors ts where ts.token_id = t.id)
           or exists (select 1 from token_sectors ts join sectors s on s.id = ts.sector_id where ts.token_id = t.id and ${meets}))
    returning 1`
  return rows.length
}

// One push per subscription of every recipient (places' and field tokens'), each linked
// to its recipient. Returns how many recipients have at least one.
export async function enqueueBroadcastPush(sql: Db, broadcastId: string, networkId: string, payload: Record<string, unknown>, now: Date) {
  const rows = await sql<{ recipient_id: string }[]>`
    with subs as (
      select r.id as recipient_id, s.id as subscription_id
      from broadcast_recipients r
      join push_subscriptions s on (r.place_id is not null and s.place_id = r.place_id and s.owner = 'place')
                                or (r.token_id is not null and s.token_id = r.token_id and s.owner = 'field')
      where r.broadcast_id = ${broadcastId}
    ), sent as (
      insert into outbox (network_id, channel, subscription_id, payload, next_attempt_at, created_at)
      select ${networkId}, 'push', subscription_id, ${sql.json(payload as never)}, ${now}, ${now} from subs
      returning id, subscription_id
    )
    insert into broadcast_messages (outbox_id, recipient_id, channel)
    select sent.id, subs.recipient_id, 'push' from sent join subs using (subscription_id)
    returning recipient_id::text`
  return new Set(rows.map((r) => r.recipient_id)).size
}

// One SMS per distinct number, linked to every recipient that gave it.
export async function enqueueBroadcastSms(
  sql: Db,
  networkId: string,
  to: { recipient_id: string; to_number: string }[],
  payload: Record<string, unknown>,
  now: Date,
) {
  if (!to.length) return
  await sql`
    with input as (
      select * from jsonb_to_recordset(${sql.json(to as never)}::jsonb) as x(recipient_id bigint, to_number text)
    ), sent as (
      insert into outbox (network_id, channel, to_number, payload, next_attempt_at, created_at)
      select ${networkId}, 'sms', n.to_number, ${sql.json(payload as never)}, ${now}, ${now} from (select distinct to_number from input) n
      returning id, to_number)
    insert into broadcast_messages (outbox_id, recipient_id, channel)
    select sent.id, input.recipient_id, 'sms' from sent join input using (to_number)`
}

export async function setCounts(sql: Db, broadcastId: string, places: number, field: number) {
  await sql`update broadcasts set places_count = ${places}, field_count = ${field} where id = ${broadcastId}`
}

// Which of these phone hashes said STOP to the network's number.
export async function optedOut(sql: Db, networkId: string, hashes: string[]): Promise<Set<string>> {
  if (!hashes.length) return new Set()
  const rows = await sql<{ phone_hash: string }[]>`
    select phone_hash from sms_optouts where network_id = ${networkId} and phone_hash = any(${textArray(hashes)}::text[])`
  return new Set(rows.map((r) => r.phone_hash))
}

export interface BroadcastRow {
  id: string
  network_id: string
  message: string
  sector_name: string | null
  lat: number | null
  lon: number | null
  radius_m: number | null
  push: boolean
  sms: boolean
  actor_role: string
  actor_token_id: string | null
  actor_label: string | null
  places_count: number
  field_count: number
  acknowledged: number
  created_at: Date
}

const columns = (sql: Db) => sql`
  b.id, b.network_id, b.message, b.sector_name, st_y(b.center::geometry) as lat, st_x(b.center::geometry) as lon, b.radius_m,
  b.push, b.sms, b.actor_role, b.actor_token_id, (select label from tokens where id = b.actor_token_id) as actor_label,
  b.places_count, b.field_count,
  (select count(*) from broadcast_recipients r where r.broadcast_id = b.id and r.acknowledged_at is not null)::int as acknowledged,
  b.created_at`

export async function findBroadcast(sql: Db, id: string) {
  const [row] = await sql<BroadcastRow[]>`select ${columns(sql)} from broadcasts b where b.id = ${id}`
  return row ?? null
}

export async function listBroadcasts(sql: Db, networkId: string, limit: number) {
  return sql<BroadcastRow[]>`select ${columns(sql)} from broadcasts b where b.network_id = ${networkId} order by b.created_at desc, b.id limit ${limit}`
}

export interface RecipientRow {
  place_id: string | null
  token_id: string | null
  name: string
  acknowledged_at: Date | null
  push: DeliveryState
  sms: DeliveryState
}

// A recipient's copies on one channel, as one word: sent once any copy went out (a
// partner with two devices is reached when one is), else pending while one may still go,
// else failed (or dropped: the device unsubscribed); none when it had no copy at all.
export type DeliveryState = 'sent' | 'pending' | 'failed' | 'none'
const stateOf = (sql: Db, channel: 'push' | 'sms') => sql`
  case when count(o.id) filter (where m.channel = ${channel}) = 0 then 'none'
       when bool_or(o.status = 'sent') filter (where m.channel = ${channel}) then 'sent'
       when bool_or(o.status = 'pending') filter (where m.channel = ${channel}) then 'pending'
       else 'failed' end`

// Each recipient with the states of its messages per channel.
export async function recipientsOf(sql: Db, broadcastId: string) {
  return sql<RecipientRow[]>`
    select r.place_id, r.token_id, coalesce(p.name, t.label, t.role) as name, r.acknowledged_at,
      ${stateOf(sql, 'push')} as push, ${stateOf(sql, 'sms')} as sms
    from broadcast_recipients r
    left join places p on p.id = r.place_id
    left join tokens t on t.id = r.token_id
    left join broadcast_messages m on m.recipient_id = r.id
    left join outbox o on o.id = m.outbox_id
    where r.broadcast_id = ${broadcastId}
    group by r.id, p.name, t.label, t.role
    order by name, r.id`
}

// A recipient as its own token sees itself: a partner's place, or a field token.
export type Holder = { placeId: string } | { tokenId: string }
const holds = (sql: Db, h: Holder) => ('placeId' in h ? sql`r.place_id = ${h.placeId}` : sql`r.token_id = ${h.tokenId}`)

// What a place (or field token) was sent since a date, newest first.
export async function broadcastsSentTo(sql: Db, to: Holder, since: Date, limit: number) {
  return sql<{ id: string; message: string; sector_name: string | null; created_at: Date; acknowledged_at: Date | null }[]>`
    select b.id, b.message, b.sector_name, b.created_at, r.acknowledged_at
    from broadcast_recipients r join broadcasts b on b.id = r.broadcast_id
    where ${holds(sql, to)} and b.created_at >= ${since}
    order by b.created_at desc, b.id limit ${limit}`
}

// The first acknowledgement stands; returns it, or null when this was not a recipient.
export async function acknowledge(sql: Db, broadcastId: string, by: Holder, now: Date) {
  const [row] = await sql<{ acknowledged_at: Date }[]>`
    update broadcast_recipients r set acknowledged_at = coalesce(r.acknowledged_at, ${now})
    where r.broadcast_id = ${broadcastId} and ${holds(sql, by)}
    returning r.acknowledged_at`
  return row?.acknowledged_at ?? null
}
