import { textArray, type Db } from '../db/types.ts'
import { changePlaceStatus } from '../places/queries.ts'
import { logErasure } from './queries.ts'

// A partner closing its account. The place is withdrawn (never served again) and every
// value naming or reaching its contact goes: name, e-mail, phone on the place, in its
// change requests, on the SMS queued or sent to it (broadcasts); notes it wrote on
// alerts (they may name staff). Its tokens are revoked and its push devices forgotten.
// What stays is the anonymised history the council counts: status changes, that the
// place acknowledged an alert and when, broadcast receipts.
export async function closePartner(tx: Db, placeId: string, actor: { role: string; tokenId: string | null }, now: Date) {
  const [place] = await tx<{ network_id: string; status: string }[]>`select network_id, status from places where id = ${placeId} for update`
  if (!place) return null
  if (place.status !== 'withdrawn') {
    await changePlaceStatus(tx, placeId, ['pending', 'active', 'rejected', 'suspended'], 'withdrawn', actor, 'account closed by the partner', now)
  }
  await tx`update places set contact_name = null, email = null, phone = null, updated_at = ${now} where id = ${placeId}`
  const changes = await tx`
    update place_changes set changes = changes - 'phone',
      status = case when status = 'pending' then 'cancelled' else status end,
      decided_at = coalesce(decided_at, ${now}), decided_role = coalesce(decided_role, ${actor.role})
    where place_id = ${placeId} returning 1`
  const [{ present } = { present: false }] = await tx<{ present: boolean }[]>`select to_regclass('broadcast_messages') is not null as present`
  const sms = present
    ? await tx`
        update outbox set to_number = null, status = case when status = 'pending' then 'dropped' else status end
        where channel = 'sms' and id in (select m.outbox_id from broadcast_messages m join broadcast_recipients r on r.id = m.recipient_id
                                         where r.place_id = ${placeId}) returning 1`
    : []
  const notes = await tx`update alert_events set note = null where actor_place_id = ${placeId} and note is not null returning 1`
  const tokens = await tx<{ id: string }[]>`
    update tokens set revoked_at = ${now}, revoked_by = ${actor.tokenId} where place_id = ${placeId} and revoked_at is null returning id`
  const devices = await tx`delete from push_subscriptions where place_id = ${placeId} returning 1`
  if (tokens.length) await tx`delete from push_subscriptions where token_id = any(${textArray(tokens.map((t) => t.id))}::uuid[])`
  const counts = { places: 1, change_requests: changes.length, sms: sms.length, notes: notes.length, tokens: tokens.length, devices: devices.length }
  await logErasure(tx, { networkId: place.network_id, kind: 'partner', by: 'partner', subjectId: placeId, counts }, now)
  return counts
}
