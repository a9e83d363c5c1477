import { type Db, textArray } from '../db/types.ts'
import type { Channels } from '../notify/health.ts'
import { enqueuePush, enqueueSms } from '../notify/outbox.ts'
import type { Sql } from 'postgres'
import { insertEvent } from './queries.ts'

// Scheduled work on alerts. Both are safe on several instances at once: escalation
// locks the rows it takes (SKIP LOCKED), erasure is idempotent.

interface DueRow {
  id: string
  network_id: string
  slug: string
  locale: string
  sms_number: string | null
  oncall_sms_number: string | null
  lat: number | null
  lon: number | null
  created_at: Date
}

// Alerts nobody acknowledged within the network's delay: operators are pushed again
// and the on-call phone gets an SMS. Returns the escalated alerts, each saying whether
// its escalation can reach anyone: a message queued on a channel that is not
// configured (`channels`; unknown: assumed configured) reaches no one. One that reaches
// no one is recorded as an event operators see (`escalation_unreached`).
export async function escalateDue(
  sql: Sql,
  now: Date,
  channels: Channels = { push: true, sms: true },
): Promise<{ id: string; network_id: string; slug: string; reached: boolean }[]> {
  return sql.begin(async (tx) => {
    const due = await tx<DueRow[]>`
      select a.id, a.network_id, n.slug, n.locale, n.sms_number, n.oncall_sms_number,
        st_y(a.location::geometry) as lat, st_x(a.location::geometry) as lon, a.created_at
      from alerts a join networks n on n.id = a.network_id
      where a.status = 'open' and a.escalated_at is null
        and a.created_at <= ${now}::timestamptz - make_interval(secs => n.escalation_delay_s)
      order by a.created_at
      for update of a skip locked
      limit 100`
    const reach = new Map<string, boolean>()
    for (const a of due) {
      await tx`update alerts set escalated_at = ${now} where id = ${a.id}`
      await insertEvent(tx, { alertId: a.id, networkId: a.network_id, kind: 'escalated', from: 'open', to: 'open', actor: { role: 'system', tokenId: null, placeId: null } }, now)
      const location = a.lat === null ? null : { lat: a.lat, lon: a.lon }
      const payload = { type: 'escalation', alert_id: a.id, network: a.slug, status: 'open', location, created_at: a.created_at.toISOString() }
      const pushed = await enqueuePush(tx, { networkId: a.network_id, alertId: a.id, payload: { ...payload, audience: 'operator' } }, { operatorsOf: a.network_id }, now)
      const texted = Boolean(a.oncall_sms_number && a.sms_number)
      if (texted) {
        await enqueueSms(tx, { networkId: a.network_id, alertId: a.id, payload: { from: a.sms_number, type: 'escalation' } }, a.oncall_sms_number!, escalationText(a, now), now)
      }
      const reached = (pushed > 0 && channels.push) || (texted && channels.sms)
      reach.set(a.id, reached)
      if (!reached) {
        await insertEvent(tx, { alertId: a.id, networkId: a.network_id, kind: 'escalation_unreached', from: 'open', to: 'open', actor: { role: 'system', tokenId: null, placeId: null }, note: unreachedNote(pushed, channels, a) }, now)
      }
    }
    return due.map(({ id, network_id, slug }) => ({ id, network_id, slug, reached: reach.get(id) ?? false }))
  })
}

// Why, in the operator's terms: what to configure or whom to subscribe.
function unreachedNote(pushed: number, channels: Channels, a: DueRow) {
  const push = pushed === 0 ? 'no operator push subscription' : `${pushed} operator push message(s) but push is not configured (VAPID_*)`
  const sms = !a.oncall_sms_number
    ? 'no on-call phone'
    : !a.sms_number
      ? 'no SMS sender number on the network'
      : channels.sms
        ? 'on-call SMS queued'
        : 'on-call SMS queued but SMS is not configured (TWILIO_*)'
  return `Escalation reached no one: ${push}; ${sms}.`
}

function escalationText(a: DueRow, now: Date) {
  const minutes = Math.max(1, Math.round((now.getTime() - a.created_at.getTime()) / 60_000))
  const where = a.lat === null ? '' : ` https://www.openstreetmap.org/?mlat=${a.lat.toFixed(5)}&mlon=${a.lon!.toFixed(5)}`
  const id = a.id.slice(0, 8)
  return a.locale === 'en'
    ? `halte: alert ${id} unacknowledged for ${minutes} min.${where}`
    : `halte : alerte ${id} sans prise en charge depuis ${minutes} min.${where}`
}

// How long an Idempotency-Key is answered with the alert it made. A client retries
// within seconds or minutes; past a day the row is only a hash of the body, and the body
// holds the location and the message: a guess can be checked against it.
export const IDEMPOTENCY_WINDOW_S = 24 * 3600
// Twilio retries a webhook within minutes; the recorded reply names the refuges nearest
// to the person, so it lives no longer than the shortest retention (one day). The
// MessageSid itself stays: a random id of Twilio's that locates no one, and the only
// defence against a captured, validly signed request replayed later (Twilio signs no
// timestamp), which would otherwise raise a new alert.
export const SMS_DEDUP_WINDOW_S = 24 * 3600

// After the network's retention period precise data goes: the location is coarsened to
// a ~1 km grid, message and phone are deleted, and so is everything derived from the
// point that would give it back (see eraseAlertTraces). The alert row, its status and
// its events stay, so counts survive. An alert under a standing legal hold (a judicial
// requisition, see src/rights) is skipped; once the hold is lifted or its date is past,
// the next run erases it. Each run is recorded, counts only, for the ethics committee.
export async function eraseExpired(sql: Sql, now: Date): Promise<number> {
  return sql.begin(async (tx: Db) => {
    const expired = tx`a.created_at < ${now}::timestamptz - make_interval(days => n.retention_days)`
    const standingHold = tx`exists (select 1 from alert_holds h where h.alert_id = a.id and h.lifted_at is null
                              and h.until >= (${now}::timestamptz at time zone n.timezone)::date)`
    const erased = await tx<{ id: string; was_held: boolean }[]>`
      update alerts a set
        location = case when a.location is null then null
                   else st_snaptogrid(a.location::geometry, 0.01)::geography end,
        accuracy_m = null, message = null, phone = null, phone_hash = null, erased_at = ${now}, erased_by = 'retention'
      from networks n
      where n.id = a.network_id and a.erased_at is null and ${expired} and not ${standingHold}
      returning a.id, exists (select 1 from alert_holds h where h.alert_id = a.id) as was_held`
    const [held] = await tx<{ n: number }[]>`
      select count(*)::int as n from alerts a join networks n on n.id = a.network_id
      where a.erased_at is null and ${expired} and ${standingHold}`
    const ids = erased.map((r) => r.id)
    if (ids.length) await eraseAlertTraces(tx, ids)
    const limits = await tx`delete from rate_limits where window_start < ${now}::timestamptz - interval '1 day' returning 1`
    const replies = await tx`update sms_inbound set reply = '', network_id = null, alert_id = null
             where received_at < ${now}::timestamptz - make_interval(secs => ${SMS_DEDUP_WINDOW_S}) and (reply <> '' or alert_id is not null)
             returning 1`
    const keys = await tx`delete from alert_idempotency where created_at < ${now}::timestamptz - make_interval(secs => ${IDEMPOTENCY_WINDOW_S}) returning 1`
    const counts = {
      alerts_erased: ids.length,
      alerts_erased_after_hold: erased.filter((r) => r.was_held).length,
      alerts_held: held!.n,
      rate_limits_deleted: limits.length,
      sms_replies_erased: replies.length,
      idempotency_keys_deleted: keys.length,
    }
    await tx`insert into retention_runs (job, ran_at, counts) values ('erase-expired-alerts', ${now}, ${tx.json(counts)})`
    return ids.length
  })
}

// What an erased alert leaves elsewhere. Recipients' distances to refuges, whose positions
// are public, trilaterate the point to a metre, and which refuges were told (within the
// alert radius) or which one acknowledged narrows it to their discs: only the count stays.
// Outbox rows carry the message, the number, the point, and through their subscription
// the refuges told; the recorded SMS replies name the nearest refuges; the idempotency
// row hashes the body. Opt-outs are not here: a STOP is honoured for as long as it stands.
export async function eraseAlertTraces(tx: Db, ids: string[]) {
  const list = textArray(ids)
  await tx`update alerts a set notified_places = (select count(*) from alert_recipients r where r.alert_id = a.id)
           where a.id = any(${list}::uuid[])`
  await tx`delete from alert_recipients where alert_id = any(${list}::uuid[])`
  await tx`delete from outbox where alert_id = any(${list}::uuid[])`
  await tx`delete from push_subscriptions where alert_id = any(${list}::uuid[])`
  await tx`update alert_events set note = null, actor_place_id = null where alert_id = any(${list}::uuid[])`
  await tx`update sms_inbound set reply = '', network_id = null, alert_id = null where alert_id = any(${list}::uuid[])`
  await tx`delete from alert_idempotency where alert_id = any(${list}::uuid[])`
}
