import type { Db } from '../db/types.ts'
import { assertPushEndpoint } from './endpoint.ts'

// Who hears alerts by push: partners' places, operators' tokens, and the requester of
// an alert or a drop-off (their own request's news).

// Subscriptions one owner (a partner place, an operator token, an alert, a drop-off)
// may keep. A person's browsers pile up over the years (new phone, cleared site data)
// and nothing tells halte that an old one is dead until a push bounces; there is no
// unsubscribe call either. A 409 would therefore lock a partner out of alerts on the
// day they change phones, so the eleventh subscription is accepted and the one least
// recently subscribed is let go: the owner keeps hearing alerts on the devices they use.
export const MAX_SUBSCRIPTIONS_PER_OWNER = 10

// Run inside a transaction: the owner's row is locked so concurrent subscriptions
// cannot both slip under the cap. The endpoint is checked first, so a refused one
// rolls the whole request back (an alert or drop-off with a refused endpoint is not stored).
export async function insertSubscription(
  sql: Db,
  s: {
    networkId: string
    owner: 'place' | 'operator' | 'field' | 'alert' | 'dropoff'
    placeId?: string | null
    tokenId?: string | null
    alertId?: string | null
    dropoffId?: string | null
  },
  sub: { endpoint: string; keys: { p256dh: string; auth: string } },
  now: Date,
  // HALTE_PUSH_ALLOWED_HOSTS: non-public push services allowed (tests, staging).
  allowedHosts: readonly string[],
) {
  assertPushEndpoint(sub.endpoint, allowedHosts)
  if (s.owner === 'place' && s.placeId) await sql`select 1 from places where id = ${s.placeId} for no key update`
  if ((s.owner === 'operator' || s.owner === 'field') && s.tokenId) await sql`select 1 from tokens where id = ${s.tokenId} for no key update`
  // The same browser subscribing again for the same owner refreshes its keys. Another
  // owner with the same endpoint gets a row of its own: an endpoint is never moved
  // away from the owner who subscribed it.
  const [row] = await sql<{ id: string; owner_id: string | null }[]>`
    insert into push_subscriptions (network_id, owner, place_id, token_id, alert_id, dropoff_id, endpoint, p256dh, auth, created_at)
    values (${s.networkId}, ${s.owner}, ${s.placeId ?? null}, ${s.tokenId ?? null}, ${s.alertId ?? null}, ${s.dropoffId ?? null},
            ${sub.endpoint}, ${sub.keys.p256dh}, ${sub.keys.auth}, ${now})
    on conflict (owner, owner_id, endpoint) do update set token_id = excluded.token_id,
      p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at
    returning id, owner_id`
  await sql`
    delete from push_subscriptions where owner = ${s.owner} and owner_id = ${row!.owner_id} and id not in (
      select id from push_subscriptions where owner = ${s.owner} and owner_id = ${row!.owner_id}
      order by (id = ${row!.id}) desc, created_at desc, id desc limit ${MAX_SUBSCRIPTIONS_PER_OWNER})`
  return { id: row!.id }
}
