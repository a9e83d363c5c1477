import { type Db, textArray } from '../db/types.ts'
import { fieldSubscriptionsOf, fieldSubscriptionsOfReport } from '../field/queries.ts'

// The outbox: written in the transaction of the fact that causes a message, drained
// by dispatchers. A row is claimed by pushing its lease (locked_until) forward; only
// a row whose lease has run out can be claimed again, so a dispatcher that dies
// between claim and send delays the message by one lease, never loses it.

export interface OutboxRow {
  id: string
  network_id: string
  channel: 'push' | 'sms'
  alert_id: string | null
  dropoff_id: string | null
  subscription_id: string | null
  to_number: string | null
  payload: Record<string, unknown>
  attempts: number
}

export interface NewMessage {
  networkId: string
  alertId: string | null
  payload: Record<string, unknown>
}

// Who a push goes to: the partners told about an alert (its recipients' places), the
// network's operators (live tokens only), an alert's requester, a drop-off's rider.
export type PushAudience =
  | { recipientsOf: string }
  | { operatorsOf: string }
  | { requesterOf: string }
  | { riderOf: string }
  | { fieldOf: string }
  | { fieldOfReport: string }

function subscriptionsOf(sql: Db, to: PushAudience, now: Date) {
  if ('recipientsOf' in to) {
    // The recipients were inserted by this same transaction, so statistics know nothing
    // of them and a plain join hashed every push subscription (2.6 ms at 10,000). The
    // lateral subquery, kept apart by OFFSET 0, looks each recipient's up by index.
    return sql`select s.id from alert_recipients r
      cross join lateral (select s.id from push_subscriptions s where s.place_id = r.place_id offset 0) s
      where r.alert_id = ${to.recipientsOf}`
  }
  if ('operatorsOf' in to) {
    return sql`select s.id from push_subscriptions s
      join tokens t on t.id = s.token_id and t.revoked_at is null and (t.expires_at is null or t.expires_at > ${now})
      where s.network_id = ${to.operatorsOf} and s.owner = 'operator'`
  }
  if ('requesterOf' in to) return sql`select s.id from push_subscriptions s where s.alert_id = ${to.requesterOf} and s.owner = 'alert'`
  // The on-duty mediators and police whose sectors hold the alert (src/field/queries.ts).
  if ('fieldOf' in to) return fieldSubscriptionsOf(sql, to.fieldOf, now)
  if ('fieldOfReport' in to) return fieldSubscriptionsOfReport(sql, to.fieldOfReport, now)
  return sql`select s.id from push_subscriptions s where s.dropoff_id = ${to.riderOf} and s.owner = 'dropoff'`
}

// One push row per subscription of the audience; returns how many.
export async function enqueuePush(
  sql: Db,
  m: { networkId: string; alertId?: string | null; dropoffId?: string | null; payload: Record<string, unknown> },
  to: PushAudience,
  now: Date,
): Promise<number> {
  const rows = await sql`
    insert into outbox (network_id, channel, alert_id, dropoff_id, subscription_id, payload, next_attempt_at, created_at)
    select ${m.networkId}, 'push', ${m.alertId ?? null}::uuid, ${m.dropoffId ?? null}::uuid, x.id, ${sql.json(m.payload as never)}, ${now}, ${now}
    from (${subscriptionsOf(sql, to, now)}) x
    returning id`
  return rows.length
}

export async function enqueueSms(sql: Db, m: NewMessage, to: string, body: string, now: Date) {
  await sql`
    insert into outbox (network_id, channel, alert_id, to_number, payload, next_attempt_at, created_at)
    values (${m.networkId}, 'sms', ${m.alertId}, ${to}, ${sql.json({ ...m.payload, body } as never)}, ${now}, ${now})`
}

// Only rows of the channels this dispatcher can send: the others wait for an instance that can.
export async function claimDue(
  sql: Db,
  now: Date,
  limit: number,
  leaseMs: number,
  channels: ('push' | 'sms')[] = ['push', 'sms'],
): Promise<OutboxRow[]> {
  const until = new Date(now.getTime() + leaseMs)
  return sql<OutboxRow[]>`
    update outbox o set locked_until = ${until}, attempts = o.attempts + 1
    where o.id in (
      select id from outbox
      where status = 'pending' and next_attempt_at <= ${now} and (locked_until is null or locked_until <= ${now})
        and channel = any(${textArray(channels)}::text[])
      order by next_attempt_at, id
      for update skip locked
      limit ${limit})
    returning o.id::text, o.network_id, o.channel, o.alert_id, o.dropoff_id, o.subscription_id, o.to_number, o.payload, o.attempts`
}

// Hands claimed rows back: `waiting` were never tried (their claim's attempt is undone),
// `sending` were cut mid-send and keep theirs.
export async function releaseClaims(sql: Db, waiting: string[], sending: string[]): Promise<number> {
  if (!waiting.length && !sending.length) return 0
  const rows = await sql`
    update outbox set locked_until = null,
      attempts = case when id::text = any(${textArray(waiting)}::text[]) then greatest(attempts - 1, 0) else attempts end
    where status = 'pending' and id::text = any(${textArray([...waiting, ...sending])}::text[])
    returning id`
  return rows.length
}

export async function markSent(sql: Db, id: string, now: Date) {
  await sql`update outbox set status = 'sent', sent_at = ${now}, locked_until = null, last_error = null where id = ${id}`
}

export async function markDropped(sql: Db, id: string, reason: string) {
  await sql`update outbox set status = 'dropped', locked_until = null, last_error = ${reason} where id = ${id}`
}

export async function markRetry(sql: Db, id: string, at: Date | null, error: string) {
  if (at === null) {
    await sql`update outbox set status = 'failed', locked_until = null, last_error = ${error} where id = ${id}`
  } else {
    await sql`update outbox set next_attempt_at = ${at}, locked_until = null, last_error = ${error} where id = ${id}`
  }
}

// The push messages to one service (an origin) waiting out a failed attempt, made due
// now: the service has just accepted a message again.
export async function releaseBackoff(sql: Db, origin: string, now: Date): Promise<number> {
  const rows = await sql`
    update outbox o set next_attempt_at = ${now}
    from push_subscriptions s
    where s.id = o.subscription_id and o.channel = 'push' and o.status = 'pending' and o.attempts > 0
      and o.next_attempt_at > ${now} and (o.locked_until is null or o.locked_until <= ${now})
      and starts_with(s.endpoint, ${`${origin}/`})
    returning o.id`
  return rows.length
}

export async function findSubscription(sql: Db, id: string) {
  const [row] = await sql<{ id: string; endpoint: string; p256dh: string; auth: string }[]>`
    select id, endpoint, p256dh, auth from push_subscriptions where id = ${id}`
  return row ?? null
}

export async function deleteSubscription(sql: Db, id: string) {
  await sql`delete from push_subscriptions where id = ${id}`
}
