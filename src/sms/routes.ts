import { createRoute, z } from '@hono/zod-openapi'
import MessagingResponse from 'twilio/lib/twiml/MessagingResponse.js'
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js'
import { announceAlert } from '../alerts/channel.ts'
import { HalteError } from '../errors.ts'
import { cleanText } from '../http/input.ts'
import { pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { afterCommit } from '../realtime/after-commit.ts'
import type { Services } from '../services.ts'
import { handleInboundSms } from './inbound.ts'

const invalidSignature = () =>
  new HalteError(403, 'invalid_signature', { fr: 'Signature Twilio absente ou invalide.', en: 'Missing or invalid Twilio signature.' })

export const TWILIO_SMS_PATH = '/webhooks/twilio/sms'

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

  // Twilio signs the URL and the form's fields, so the form must be parsed to check the
  // signature; what can be refused before parsing it is: no token configured, no
  // signature, or one that is not an HMAC-SHA1 in base64 (28 characters). The body limit
  // (64 KB) has already applied by then.
  app.use(TWILIO_SMS_PATH, async (c, next) => {
    const signature = c.req.header('x-twilio-signature')
    if (!s.config.TWILIO_AUTH_TOKEN || !s.config.PUBLIC_BASE_URL || !signature || !/^[A-Za-z0-9+/]{27}=$/.test(signature)) {
      // Drained (64 KB at most, the body limit applies) rather than left unread: a proxy
      // in front (workerd's own, seen here) otherwise loses the connection for the next
      // request on it. It is not parsed.
      await c.req.arrayBuffer().catch(() => {})
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
      const handled = await handleInboundSms(s, form, s.clock.now())
      if (handled.alert) {
        const { networkId, alertId } = handled.alert
        await afterCommit(c.get('log'), 'sms alert', () => announceAlert(s, networkId, alertId))
      }
      return c.body(twiml(handled.reply), 200, { 'content-type': 'text/xml; charset=utf-8' })
    },
  )

  return app
}
