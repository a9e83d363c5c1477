import { hitRateLimit } from '../alerts/queries.ts'
import { hashSecrets, phoneHashes, sha256Hex } from '../alerts/secrets.ts'
import { createAlert, locateAlert } from '../alerts/service.ts'
import { HalteError } from '../errors.ts'
import { findNetworkById } from '../networks/queries.ts'
import { helpFor } from '../help/find.ts'
import { nearestPlaces } from '../places/nearest.ts'
import { eraseSender, isEraseRequest } from '../rights/sms.ts'
import type { Services } from '../services.ts'
import { type Located, locateByName, parseLocation } from './locate.ts'
import { findInbound, networkIdBySmsNumber, recentAlertOf, recordInbound, rekeyPhone, setInboundReply, setOptOut } from './queries.ts'
import { askLocationReply, optInReply, optOutReply, refugesReply, slowDownReply, unknownNumberReply } from './reply.ts'

// An inbound SMS, once its signature is checked: what to reply, and the alert it raised
// or completed (for the caller to announce once committed). A retry of the same
// MessageSid gets the same reply and changes nothing. STOP/START set the opt-out; a
// phone's messages within 15 minutes belong to one alert, the first location sent
// locating it.

const STOP = /^\s*(stop|stopall|arr[eê]t|arreter|arrêter|unsubscribe|cancel|end|quit)\s*[.!]?\s*$/i
const START = /^\s*(start|unstop|marche|reprendre)\s*[.!]?\s*$/i
// An alert from the same phone within this window is the same alert.
const SAME_ALERT_MS = 15 * 60_000

export interface InboundOutcome {
  reply: string | null
  alert?: { networkId: string; alertId: string }
}

export async function handleInboundSms(
  s: Pick<Services, 'sql' | 'config'>,
  form: Record<string, string>,
  now: Date,
): Promise<InboundOutcome> {
  const sid = form.MessageSid ?? form.SmsSid
  const from = form.From
  if (!sid || !from || !form.To) {
    throw new HalteError(400, 'validation_failed', { fr: 'MessageSid, From et To sont requis.', en: 'MessageSid, From and To are required.' })
  }
  const seen = await findInbound(s.sql, sid)
  if (seen) return { reply: seen.reply || null }
  const networkId = await networkIdBySmsNumber(s.sql, form.To)
  const network = networkId ? await findNetworkById(s.sql, networkId) : null
  if (!network) {
    const reply = unknownNumberReply()
    await recordInbound(s.sql, { sid, networkId: null, alertId: null, reply }, now)
    return { reply }
  }
  const lang = network.locale === 'en' ? 'en' : 'fr'
  const hashes = await phoneHashes(hashSecrets(s.config), network.id, from)
  await rekeyPhone(s.sql, network.id, hashes)
  const hash = hashes.current
  const body = (form.Body ?? '').slice(0, 1600)
  const plainReply = async (reply: string) => {
    await recordInbound(s.sql, { sid, networkId: network.id, alertId: null, reply }, now)
    return { reply }
  }
  // "SUPPRIMER" / "DELETE": the sender's data erased (src/rights/sms.ts), with a one-line confirmation.
  if (isEraseRequest(body)) return { reply: await eraseSender(s.sql, network, [hashes.current, ...hashes.older], sid, now) }
  if (STOP.test(body)) {
    await setOptOut(s.sql, network.id, hash, true, now)
    return plainReply(optOutReply(lang))
  }
  if (START.test(body)) {
    await setOptOut(s.sql, network.id, hash, false, now)
    return plainReply(optInReply(lang))
  }
  const { hits } = await hitRateLimit(s.sql, await sha256Hex(`sms-phone:${network.id}:${hash}`), 600, now)
  if (hits > 10) return plainReply(slowDownReply(lang))
  const located: Located | null = parseLocation(body) ?? (await locateByName(s.sql, network.id, body))
  const outcome = await s.sql.begin(async (tx) => {
    if (!(await recordInbound(tx, { sid, networkId: network.id, alertId: null, reply: '' }, now))) return null
    let alertId: string
    const recent = await recentAlertOf(tx, network.id, hash, new Date(now.getTime() - SAME_ALERT_MS))
    if (recent) {
      alertId = recent.id
      if (located && !recent.located) await locateAlert(tx, network, alertId, recent.status, located.lat, located.lon, now)
    } else {
      const created = await createAlert(
        tx,
        network,
        {
          source: 'sms',
          lat: located?.lat ?? null,
          lon: located?.lon ?? null,
          accuracyM: null,
          message: body.slice(0, 500) || null,
          phone: from,
          phoneHash: hash,
          accessTokenHash: null,
        },
        { role: 'requester', tokenId: null, placeId: null },
        now,
        s.config.PUBLIC_BASE_URL,
      )
      alertId = created.id
    }
    const reply = located
      ? refugesReply(
          lang,
          await nearestPlaces(tx, network, { lat: located.lat, lon: located.lon, at: now, limit: 3, openOnly: true, features: [], radiusM: network.search_radius_m }),
          network.timezone,
          located,
          await helpFor(tx, network, located.lat, located.lon, now),
        )
      : askLocationReply(lang)
    await setInboundReply(tx, sid, reply, alertId)
    return { alertId, reply }
  })
  if (!outcome) return { reply: (await findInbound(s.sql, sid))?.reply || null }
  return { reply: outcome.reply, alert: { networkId: network.id, alertId: outcome.alertId } }
}
