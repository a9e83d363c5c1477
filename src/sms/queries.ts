import type { Db } from '../db/types.ts'

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

export async function setOptOut(sql: Db, networkId: string, phoneHash: string, out: boolean, now: Date) {
  if (out) {
    await sql`insert into sms_optouts (network_id, phone_hash, at) values (${networkId}, ${phoneHash}, ${now}) on conflict do nothing`
  } else {
    await sql`delete from sms_optouts where network_id = ${networkId} and phone_hash = ${phoneHash}`
  }
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
