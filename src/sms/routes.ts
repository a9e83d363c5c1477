import { createRoute, z } from '@hono/zod-openapi'
import MessagingResponse from 'twilio/lib/twiml/MessagingResponse.js'
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js'
import { announceAlert } from '../alerts/channel.ts'
import { hitRateLimit } from '../alerts/queries.ts'
import { hashSecrets, phoneHashes, sha256Hex } from '../alerts/secrets.ts'
import { createAlert, locateAlert } from '../alerts/service.ts'
import { HalteError } from '../errors.ts'
import { cleanText } from '../http/input.ts'
import { pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { findNetworkById } from '../networks/queries.ts'
import { nearestPlaces } from '../places/nearest.ts'
import { afterCommit } from '../realtime/after-commit.ts'
import type { Services } from '../services.ts'
import { type Located, locateByName, parseLocation } from './locate.ts'
import { findInbound, networkIdBySmsNumber, recentAlertOf, recordInbound, rekeyPhone, setInboundReply, setOptOut } from './queries.ts'
import { askLocationReply, optInReply, optOutReply, refugesReply, slowDownReply, unknownNumberReply } from './reply.ts'

const invalidSignature = () =>
  new HalteError(403, 'invalid_signature', { fr: 'Signature Twilio absente ou invalide.', en: 'Missing or invalid Twilio signature.' })

export const TWILIO_SMS_PATH = '/webhooks/twilio/sms'
const STOP = /^\s*(stop|stopall|arr[eê]t|arreter|arrêter|unsubscribe|cancel|end|quit)\s*[.!]?\s*$/i
const START = /^\s*(start|unstop|marche|reprendre)\s*[.!]?\s*$/i
// An alert from the same phone within this window is the same alert.
const SAME_ALERT_MS = 15 * 60_000

const twiml = (text: string | null) => {
  const r = new MessagingResponse()
  if (text) r.message(text)
  return r.toString()
}

// Twilio's inbound SMS webhook. Every answer is TwiML with the emergency numbers,
// never an error page a person would not see, except for a request that is not
// Twilio's (bad signature: 403).
export function smsApp(s: Services) {
  const app = createRouter()

  // Twilio signs the URL and the form's fields, so the form must be read to check the
  // signature; what can be refused before reading it is: no token configured, no
  // signature, or one that is not an HMAC-SHA1 in base64 (28 characters). The body limit
  // (64 KB) has already applied by then.
  app.use(TWILIO_SMS_PATH, async (c, next) => {
    const signature = c.req.header('x-twilio-signature')
    if (!s.config.TWILIO_AUTH_TOKEN || !s.config.PUBLIC_BASE_URL || !signature || !/^[A-Za-z0-9+/]{27}=$/.test(signature)) {
      throw invalidSignature()
    }
    await next()
  })

  app.openapi(
    createRoute({
      method: 'post',
      path: TWILIO_SMS_PATH,
      tags: ['alerts'],
      summary: 'Inbound SMS from Twilio (signed); answers TwiML with the nearest open refuges and 17/112/114',
      request: {
        headers: z.object({ 'x-twilio-signature': z.string().max(200).optional() }),
        body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: z.record(z.string(), z.string()) } } },
      },
      responses: { 200: { description: 'TwiML', content: { 'text/xml': { schema: z.string() } } }, ...pick(400, 403) },
    }),
    async (c) => {
      const signed = c.req.valid('form')
      const signature = c.req.valid('header')['x-twilio-signature']
      const token = s.config.TWILIO_AUTH_TOKEN
      const base = s.config.PUBLIC_BASE_URL
      // Behind proxies c.req.url is not what Twilio signed: the configured public URL is.
      if (!token || !base || !signature || !validateRequest(token, signature, `${base.replace(/\/$/, '')}${TWILIO_SMS_PATH}`, signed)) {
        throw invalidSignature()
      }
      // The signature covers what was sent; what is stored must be storable text.
      const form = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k, cleanText(v)]))
      const sid = form.MessageSid ?? form.SmsSid
      const from = form.From
      if (!sid || !from || !form.To) {
        throw new HalteError(400, 'validation_failed', { fr: 'MessageSid, From et To sont requis.', en: 'MessageSid, From and To are required.' })
      }
      const xml = (text: string | null) => c.body(twiml(text), 200, { 'content-type': 'text/xml; charset=utf-8' })
      const seen = await findInbound(s.sql, sid)
      if (seen) return xml(seen.reply || null)
      const now = s.clock.now()
      const networkId = await networkIdBySmsNumber(s.sql, form.To)
      const network = networkId ? await findNetworkById(s.sql, networkId) : null
      if (!network) {
        const reply = unknownNumberReply()
        await recordInbound(s.sql, { sid, networkId: null, alertId: null, reply }, now)
        return xml(reply)
      }
      const lang = network.locale === 'en' ? 'en' : 'fr'
      const hashes = await phoneHashes(hashSecrets(s.config), network.id, from)
      await rekeyPhone(s.sql, network.id, hashes)
      const hash = hashes.current
      const body = (form.Body ?? '').slice(0, 1600)
      const plainReply = async (reply: string) => {
        await recordInbound(s.sql, { sid, networkId: network.id, alertId: null, reply }, now)
        return xml(reply)
      }
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
            )
          : askLocationReply(lang)
        await setInboundReply(tx, sid, reply, alertId)
        return { alertId, reply }
      })
      if (!outcome) return xml((await findInbound(s.sql, sid))?.reply || null)
      await afterCommit(c.get('log'), 'sms alert', () => announceAlert(s, network.id, outcome.alertId))
      return xml(outcome.reply)
    },
  )

  return app
}
