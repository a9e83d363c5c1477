import { type Db, textArray } from '../db/types.ts'

export async function networkIdBySmsNumber(sql: Db, to: string) {
  const [row] = await sql<{ id: string }[]>`select id from networks where sms_number = ${to}`
  return row?.id ?? null
}

export async function findInbound(sql: Db, sid: string) {
  const [row] = await sql<{ reply: string }[]>`select reply from sms_inbound where message_sid = ${sid}`
  return row ?? null
}

// false when this MessageSid is already recorded (a retry that raced the first delivery).
export async function recordInbound(sql: Db, r: { sid: string; networkId: string | null; alertId: string | null; reply: string }, now: Date) {
  const rows = await sql`
    insert into sms_inbound (message_sid, network_id, alert_id, reply, received_at)
    values (${r.sid}, ${r.networkId}, ${r.alertId}, ${r.reply}, ${now})
    on conflict (message_sid) do nothing returning 1`
  return rows.length === 1
}

export async function setInboundReply(sql: Db, sid: string, reply: string, alertId: string) {
  await sql`update sms_inbound set reply = ${reply}, alert_id = ${alertId} where message_sid = ${sid}`
}

export async function setOptOut(sql: Db, networkId: string, phoneHash: string, out: boolean, now: Date) {
  if (out) {
    await sql`insert into sms_optouts (network_id, phone_hash, at) values (${networkId}, ${phoneHash}, ${now}) on conflict do nothing`
  } else {
    await sql`delete from sms_optouts where network_id = ${networkId} and phone_hash = ${phoneHash}`
  }
}

// A phone seen again moves its rows from an older key (the previous secret, the legacy
// scheme) to the current one, so that an opt-out keeps being honoured through a rotation
// and the previous secret can be dropped once no row needs it. The alert rows move too:
// the opt-out check joins them on the hash. One statement: this runs on every inbound SMS.
export async function rekeyPhone(sql: Db, networkId: string, hashes: { current: string; older: string[] }) {
  const older = textArray(hashes.older)
  await sql`
    with old as (
      delete from sms_optouts where network_id = ${networkId} and phone_hash = any(${older}::text[]) returning at
    ), moved as (
      insert into sms_optouts (network_id, phone_hash, at)
      select ${networkId}, ${hashes.current}, min(at) from old having count(*) > 0
      on conflict do nothing returning 1
    )
    update alerts set phone_hash = ${hashes.current}
    where network_id = ${networkId} and erased_at is null and phone_hash = any(${older}::text[])`
}

// The same person texting again shortly after: one alert, not one per message.
export async function recentAlertOf(sql: Db, networkId: string, phoneHash: string, since: Date) {
  const [row] = await sql<{ id: string; status: 'open' | 'acknowledged'; located: boolean }[]>`
    select id, status, location is not null as located from alerts
    where network_id = ${networkId} and phone_hash = ${phoneHash} and status in ('open', 'acknowledged')
      and created_at > ${since}
    order by created_at desc limit 1
    for update`
  return row ?? null
}

export interface NameCandidate {
  id: string
  name: string
  lat: number
  lon: number
}

// A name lower-cased and without accents, as the message's words are, for the word
// prefilter; translate() because the embedded database has no unaccent.
const foldedName = (sql: Db) => sql`translate(lower(name), 'àâäáéèêëíîïóôöúùûüçñœ', 'aaaaeeeeiiiooouuuucno')`

// A message mentions a name among other words (any pattern); a search box holds only
// the name being typed (every pattern). One `like` per pattern, joined by or / and: the
// trigram index on the folded name (sql/0022) serves those under a generic plan too,
// where like any($1::text[]) fell back to folding every name (265 ms at 100,000 places).
const namedLike = (sql: Db, patterns: string[], every: boolean) => {
  if (patterns.length === 0) return sql`false`
  return patterns.map((p) => sql`${foldedName(sql)} like ${p}`).reduce((a, b) => (every ? sql`${a} and ${b}` : sql`${a} or ${b}`))
}

export async function refugesNamedLike(sql: Db, networkId: string, patterns: string[], every = false) {
  return sql<NameCandidate[]>`
    select id::text, name, st_y(location::geometry) as lat, st_x(location::geometry) as lon
    from places
    where network_id = ${networkId} and status = 'active' and (${namedLike(sql, patterns, every)})
    limit 200`
}

// Stops of the feed in force (the network's latest import). A name has one stop per
// direction, sometimes a station beside them, all within a few dozen metres: one row
// per name, the first by stop_id, so the same message always lands on the same point.
// Not their centroid: distinct stops can share a name across towns ("Mairie"), and a
// centroid of those would be in neither.
export async function stopsNamedLike(sql: Db, networkId: string, patterns: string[], every = false) {
  return sql<NameCandidate[]>`
    select distinct on (name) stop_id as id, name, lat, lon
    from transit_stops
    where feed_id = (select id from gtfs_feeds where network_id = ${networkId} order by id desc limit 1)
      and lat is not null and lon is not null and (${namedLike(sql, patterns, every)})
    order by name, stop_id
    limit 200`
}
