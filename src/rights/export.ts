import type { Db } from '../db/types.ts'

// What halte holds about one alert, one drop-off or one partner's place, for its
// person (RGPD right of access). Read straight from the tables, so nothing stored is
// left out; other people's personal data is not: the refuges told are named, not their
// contacts; operators are named by their token's label (the post, "CSU nuit"); nobody
// else's number or point appears.

const iso = (sql: Db, col: string) => sql`to_json(${sql(col)})#>>'{}'`

export async function exportAlert(sql: Db, id: string) {
  const [alert] = await sql`
    select a.id, n.slug as network, a.source as channel, a.status, ${iso(sql, 'a.created_at')} as created_at,
      ${iso(sql, 'a.updated_at')} as updated_at, ${iso(sql, 'a.escalated_at')} as escalated_at,
      case when a.location is null then null else json_build_object('lat', st_y(a.location::geometry), 'lon', st_x(a.location::geometry)) end as location,
      a.accuracy_m, a.message, a.phone, a.notified_places
    from alerts a join networks n on n.id = a.network_id where a.id = ${id}`
  if (!alert) return null
  const events = await sql`
    select e.kind, e.from_status as "from", e.to_status as "to", e.actor_role as by, p.name as place, e.note, ${iso(sql, 'e.at')} as at
    from alert_events e left join places p on p.id = e.actor_place_id where e.alert_id = ${id} order by e.id`
  const notified = await sql`
    select p.name as place, r.distance_m from alert_recipients r join places p on p.id = r.place_id
    where r.alert_id = ${id} order by r.distance_m, p.name`
  // Whom each message went to, said as a role or a refuge's name: never a number.
  const deliveries = await sql`
    select o.channel, coalesce(o.payload->>'audience', o.payload->>'type') as kind,
      case when ps.owner = 'alert' then 'you' when ps.owner = 'place' then coalesce(p.name, 'refuge')
           when ps.owner is not null then ps.owner
           when o.channel = 'sms' and o.payload->>'type' = 'escalation' then 'on-call'
           when o.channel = 'sms' then 'you' else null end as "to",
      o.status, o.attempts, ${iso(sql, 'o.created_at')} as created_at, ${iso(sql, 'o.sent_at')} as sent_at
    from outbox o left join push_subscriptions ps on ps.id = o.subscription_id left join places p on p.id = ps.place_id
    where o.alert_id = ${id} order by o.id`
  const reads = await sql`
    select r.actor_role as role, t.label, r.what, ${iso(sql, 'r.at')} as at
    from alert_reads r left join tokens t on t.id = r.actor_token_id where r.alert_id = ${id} order by r.id`
  const handoffs = await sql`select to_service, actor_role as by, ${iso(sql, 'at')} as at from alert_handoffs where alert_id = ${id} order by id`
  return { alert, events, notified, deliveries, reads, handoffs }
}

export async function exportDropoff(sql: Db, id: string) {
  const [dropoff] = await sql`
    select d.id, n.slug as network, d.trip_id, d.route_id, d.status,
      case when d.snapped is null then null else json_build_object('lat', st_y(d.snapped::geometry), 'lon', st_x(d.snapped::geometry)) end as point,
      d.offset_m, d.distance_along_m, d.after_stop_name, d.before_stop_name, ${iso(sql, 'd.created_at')} as created_at,
      ${iso(sql, 'd.decided_at')} as decided_at, d.decided_by as vehicle, d.decision_reason, d.decision_note,
      ${iso(sql, 'd.done_at')} as done_at, ${iso(sql, 'd.expired_at')} as expired_at
    from dropoffs d join networks n on n.id = d.network_id where d.id = ${id}`
  if (!dropoff) return null
  const events = await sql`select ${iso(sql, 'at')} as at from dropoff_events where dropoff_id = ${id} order by id`
  const deliveries = await sql`
    select channel, payload->>'type' as kind, status, attempts, ${iso(sql, 'created_at')} as created_at, ${iso(sql, 'sent_at')} as sent_at
    from outbox where dropoff_id = ${id} order by id`
  const [push] = await sql<{ n: number }[]>`select count(*)::int as n from push_subscriptions where dropoff_id = ${id}`
  return { dropoff, events, deliveries, push_subscriptions: push!.n }
}

// A partner's own place and contact, everything about them: not the people in danger
// their place was told of (where they were is theirs), only what the place itself did.
export async function exportPartner(sql: Db, placeId: string) {
  const [place] = await sql`
    select p.id, n.slug as network, p.status, p.name, p.kind, p.address,
      json_build_object('lat', st_y(p.location::geometry), 'lon', st_x(p.location::geometry)) as location,
      p.phone, p.email, p.contact_name, p.features, p.opening_hours, p.training_date, p.trained_staff,
      ${iso(sql, 'p.charter_accepted_at')} as charter_accepted_at, ${iso(sql, 'p.created_at')} as created_at,
      ${iso(sql, 'p.updated_at')} as updated_at
    from places p join networks n on n.id = p.network_id where p.id = ${placeId}`
  if (!place) return null
  const closures = await sql`
    select ${iso(sql, 'starts_at')} as "from", ${iso(sql, 'ends_at')} as "to", reason from place_closures where place_id = ${placeId} order by starts_at`
  const history = await sql`
    select from_status as "from", to_status as "to", actor_role as by, reason, ${iso(sql, 'at')} as at
    from place_status_history where place_id = ${placeId} order by at, id`
  const changes = await sql`
    select status, changes, ${iso(sql, 'submitted_at')} as submitted_at, ${iso(sql, 'decided_at')} as decided_at, reason
    from place_changes where place_id = ${placeId} order by submitted_at`
  const tokens = await sql`
    select role, label, ${iso(sql, 'created_at')} as created_at, ${iso(sql, 'last_used_at')} as last_used_at,
      ${iso(sql, 'expires_at')} as expires_at, ${iso(sql, 'revoked_at')} as revoked_at
    from tokens where place_id = ${placeId} order by created_at`
  const devices = await sql`
    select substring(endpoint from '^https://[^/]+') as push_service, ${iso(sql, 'created_at')} as created_at
    from push_subscriptions where place_id = ${placeId} order by created_at`
  // The place's own acts on alerts (acknowledgements and their notes), without the alerts' points.
  const alerts = await sql`
    select e.alert_id, e.kind, e.note, ${iso(sql, 'e.at')} as at from alert_events e
    where e.actor_place_id = ${placeId} order by e.id`
  const [told] = await sql<{ n: number }[]>`select count(*)::int as n from alert_recipients where place_id = ${placeId}`
  return { place, closures, history, changes, tokens, devices, alerts, alerts_notified: told!.n }
}
