import { transition } from '../alerts/service.ts'
import type { Sql } from 'postgres'
import { textArray } from '../db/types.ts'
import type { Network } from '../networks/schemas.ts'
import { recordInbound } from '../sms/queries.ts'
import { toGsm } from '../sms/reply.ts'
import { eraseByPhone, logErasure } from './queries.ts'

// "SUPPRIMER" or "DELETE", alone in the message, in any case and with or without
// accents: the sender's number is erased from everything halte holds on this network.
const ERASE = /^\s*(supprimer|delete)\s*[.!]?\s*$/i
export const isEraseRequest = (body: string) => ERASE.test(body.normalize('NFD').replace(/\p{M}/gu, ''))

// In one transaction with the record of the message (a retry of the same MessageSid is
// answered from that record and erases nothing twice). Alerts still in progress are
// cancelled first, as the person's own erasure of a web alert does; held ones stay.
// The opt-out, if any, stays too, under the hash: it is itself the person's wish.
export async function eraseSender(sql: Sql, network: Network & { sms_number: string | null }, hashes: string[], sid: string, now: Date) {
  const lang = network.locale === 'en' ? 'en' : 'fr'
  return sql.begin(async (tx) => {
    const open = await tx<{ id: string }[]>`
      select id from alerts where network_id = ${network.id} and phone_hash = any(${textArray(hashes)}::text[])
        and status in ('open', 'acknowledged') and erased_at is null for update`
    const requester = { role: 'requester', tokenId: null, placeId: null } as const
    for (const a of open) await transition(tx, network, a.id, 'cancel', requester, now, { note: null })
    const counts = await eraseByPhone(tx, network.id, hashes, now)
    await logErasure(tx, { networkId: network.id, kind: 'phone', by: 'sms', subjectId: null, counts }, now)
    const reply = eraseReply(lang, counts.alerts, counts.held)
    await recordInbound(tx, { sid, networkId: network.id, alertId: null, reply }, now)
    return reply
  })
}

export function eraseReply(lang: 'fr' | 'en', erased: number, held: number): string {
  const keep =
    held > 0
      ? lang === 'fr'
        ? ` ${held} alerte(s) conservée(s) sur réquisition judiciaire, effacée(s) à sa fin.`
        : ` ${held} alert(s) kept under a judicial requisition, erased when it ends.`
      : ''
  return toGsm(
    lang === 'fr'
      ? `halte : vos données ont été effacées (${erased} alerte(s)).${keep} Urgence : 17, 112, SMS 114.`
      : `halte: your data has been erased (${erased} alert(s)).${keep} Emergency: 17, 112, text 114.`,
  )
}
