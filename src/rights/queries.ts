import { eraseAlertTraces } from '../alerts/jobs.ts'
import { sha256Hex } from '../alerts/secrets.ts'
import { type Db, textArray } from '../db/types.ts'

// A person's erasure, now rather than after the retention period: everything personal
// goes (the point, not coarsened but removed; the message; the number and its hash; the
// access token's hash), and the row stays with what the council counts (network,
// channel, status, times, how many refuges were told). eraseAlertTraces removes what the
// alert left elsewhere, as the retention job does.

export type ErasedBy = 'retention' | 'requester' | 'sms'

// A hold on alert `a` stands while not lifted and its date (in the network's zone) is not past.
export const standingHold = (sql: Db, now: Date) => sql`
  exists (select 1 from alert_holds h join networks hn on hn.id = h.network_id
          where h.alert_id = a.id and h.lifted_at is null
            and h.until >= (${now}::timestamptz at time zone hn.timezone)::date)`

export async function eraseAlerts(tx: Db, ids: string[], by: ErasedBy, now: Date): Promise<number> {
  if (!ids.length) return 0
  const rows = await tx`
    update alerts set location = null, accuracy_m = null, message = null, phone = null, phone_hash = null,
      access_token_hash = null, erased_at = ${now}, erased_by = ${by}
    where id = any(${textArray(ids)}::uuid[]) returning id`
  await eraseAlertTraces(tx, ids)
  return rows.length
}

export interface AlertState {
  id: string
  network_id: string
  erased: boolean
  held: boolean
}

// The alert locked for its erasure, and whether it may be: held or already erased.
export async function lockAlertState(tx: Db, id: string, now: Date): Promise<AlertState | null> {
  const [row] = await tx<AlertState[]>`
    select a.id, a.network_id, a.erased_at is not null as erased, ${standingHold(tx, now)} as held
    from alerts a where a.id = ${id} for update of a`
  return row ?? null
}

export async function logErasure(
  tx: Db,
  e: { networkId: string | null; kind: 'alert' | 'dropoff' | 'phone' | 'partner'; by: 'requester' | 'partner' | 'sms'; subjectId: string | null; counts: Record<string, number> },
  now: Date,
) {
  await tx`insert into erasures (network_id, kind, requested_by, subject_id, counts, at)
           values (${e.networkId}, ${e.kind}, ${e.by}, ${e.subjectId}, ${tx.json(e.counts)}, ${now})`
}

// A drop-off erased at its rider's request: no point at all (the driver's decision and
// arrival points place it too), no stops or distances along the trip, no note, no token.
// Only a request that is over (the route refuses an open one: its driver needs the
// point). The rider's browser subscription and the messages to it (they name the
// stops) go.
export async function eraseDropoff(tx: Db, id: string, now: Date) {
  const rows = await tx`
    update dropoffs set snapped = null, decision_location = null, done_location = null, access_token_hash = null,
      offset_m = null, distance_along_m = null, after_stop_m = null,
      after_stop_id = null, after_stop_name = null, before_stop_id = null, before_stop_name = null,
      decision_note = null, coarsened = true, erased_at = ${now}
    where id = ${id} returning 1`
  const subs = await tx`delete from push_subscriptions where dropoff_id = ${id} returning 1`
  const sent = await tx`delete from outbox where dropoff_id = ${id} returning 1`
  return { dropoffs: rows.length, push_subscriptions: subs.length, messages: sent.length }
}

// The drop-off locked for its erasure, with its token's hash to check.
export async function lockDropoff(tx: Db, id: string) {
  const [row] = await tx<{ network_id: string; status: string; access_token_hash: string | null; erased: boolean }[]>`
    select network_id, status, access_token_hash, erased_at is not null as erased from dropoffs where id = ${id} for update`
  return row ?? null
}

// "SUPPRIMER" from a phone: its alerts on this network lose the number, its hash and
// everything else personal (held ones excepted: a legal obligation), and the counters
// keyed on the number go. The opt-out stays, hashed: not receiving texts is itself the
// person's wish, and dropping it would have halte text them again.
export async function eraseByPhone(tx: Db, networkId: string, hashes: string[], now: Date) {
  const list = textArray(hashes)
  const rows = await tx<{ id: string; held: boolean }[]>`
    select a.id, ${standingHold(tx, now)} as held from alerts a
    where a.network_id = ${networkId} and a.phone_hash = any(${list}::text[]) and a.erased_at is null
    for update of a`
  const erase = rows.filter((r) => !r.held).map((r) => r.id)
  const alerts = await eraseAlerts(tx, erase, 'sms', now)
  const buckets = await Promise.all(hashes.map((h) => sha256Hex(`sms-phone:${networkId}:${h}`)))
  const limits = await tx`delete from rate_limits where bucket = any(${textArray(buckets)}::text[]) returning 1`
  return { alerts, held: rows.length - erase.length, rate_limits: limits.length }
}

// --- legal holds --------------------------------------------------------------------

export interface HoldRow {
  id: string
  alert_id: string
  reason: string
  reference: string
  until: string
  actor_role: string
  created_at: Date
  lifted_at: Date | null
  lifted_role: string | null
}

const holdColumns = (sql: Db) => sql`id, alert_id, reason, reference, to_char(until, 'YYYY-MM-DD') as until, actor_role, created_at, lifted_at, lifted_role`

// The network's date today, and a year on: the bounds a hold's date must lie within.
export async function holdBounds(sql: Db, networkId: string, now: Date) {
  const [row] = await sql<{ today: string; max: string }[]>`
    select to_char((${now}::timestamptz at time zone timezone)::date, 'YYYY-MM-DD') as today,
           to_char((${now}::timestamptz at time zone timezone)::date + interval '1 year', 'YYYY-MM-DD') as max
    from networks where id = ${networkId}`
  return row!
}

// A new requisition on an alert already held replaces the standing hold's terms: the
// earlier row is lifted (by the same actor) so each requisition stays on record.
export async function placeHold(
  tx: Db,
  h: { alertId: string; networkId: string; reason: string; reference: string; until: string; actor: { role: string; tokenId: string | null } },
  now: Date,
): Promise<HoldRow> {
  await tx`update alert_holds set lifted_at = ${now}, lifted_role = ${h.actor.role}, lifted_token_id = ${h.actor.tokenId}
           where alert_id = ${h.alertId} and lifted_at is null`
  const [row] = await tx<HoldRow[]>`
    insert into alert_holds (alert_id, network_id, reason, reference, until, actor_role, actor_token_id, created_at)
    values (${h.alertId}, ${h.networkId}, ${h.reason}, ${h.reference}, ${h.until}::date, ${h.actor.role}, ${h.actor.tokenId}, ${now})
    returning ${holdColumns(tx)}`
  return row!
}

export async function liftHold(tx: Db, alertId: string, actor: { role: string; tokenId: string | null }, now: Date): Promise<HoldRow | null> {
  const [row] = await tx<HoldRow[]>`
    update alert_holds set lifted_at = ${now}, lifted_role = ${actor.role}, lifted_token_id = ${actor.tokenId}
    where alert_id = ${alertId} and lifted_at is null returning ${holdColumns(tx)}`
  return row ?? null
}

export async function holdsOf(sql: Db, alertId: string): Promise<HoldRow[]> {
  return sql<HoldRow[]>`select ${holdColumns(sql)} from alert_holds where alert_id = ${alertId} order by created_at`
}

// --- the retention job's record -----------------------------------------------------

export async function recordRetentionRun(sql: Db, job: string, counts: Record<string, number>, now: Date) {
  await sql`insert into retention_runs (job, ran_at, counts) values (${job}, ${now}, ${sql.json(counts)})`
}
