import { createRoute, z } from '@hono/zod-openapi'
import { operatorOf } from '../auth/guards.ts'
import { FIELD_ROLES, requirePrincipal } from '../auth/principal.ts'
import { insertSubscription } from './subscriptions.ts'
import { pushSubscriptionSchema } from './schemas.ts'
import { HalteError, notFound } from '../errors.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { slugSchema } from '../networks/schemas.ts'
import { assertPartnerCanWrite } from '../places/partner.ts'
import { findPlace } from '../places/queries.ts'
import type { Services } from '../services.ts'

const created = json(z.object({ id: z.string() }), 'Subscribed')

// Where alerts are pushed: partners' places and the network's operators.
export function pushApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/push/vapid-public-key',
      tags: ['push'],
      summary: 'The VAPID public key browsers subscribe with (applicationServerKey)',
      responses: { 200: json(z.object({ key: z.string() }), 'The key'), ...pick(404) },
    }),
    (c) => {
      const key = s.config.VAPID_PUBLIC_KEY
      if (!key) throw new HalteError(404, 'not_found', { fr: 'Notifications push non configurées.', en: 'Push is not configured.' })
      return c.json({ key }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/partner/push-subscriptions',
      tags: ['push'],
      summary: 'Receive alerts near my place by push (partner); beyond 10 subscriptions the oldest is let go',
      security: bearer,
      request: { body: jsonBody(pushSubscriptionSchema) },
      responses: { 201: created, ...pick(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const who = requirePrincipal(c.get('principal'), ['partner'])
      const place = who.placeId ? await findPlace(s.sql, who.placeId) : null
      if (!place) throw notFound()
      assertPartnerCanWrite(place)
      const owner = { networkId: place.network_id, owner: 'place' as const, placeId: place.id, tokenId: who.tokenId }
      const row = await s.sql.begin((tx) => insertSubscription(tx, owner, c.req.valid('json'), s.clock.now(), s.config.HALTE_PUSH_ALLOWED_HOSTS))
      return c.json(row, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{slug}/push-subscriptions',
      tags: ['push'],
      summary: "Receive the network's alerts and escalations by push (operator), or, on duty, those of my sectors (mediator, police); beyond 10 per token the oldest is let go",
      security: bearer,
      request: { params: z.object({ slug: slugSchema }), body: jsonBody(pushSubscriptionSchema) },
      responses: { 201: created, ...pick(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const { who, network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug, ['operator', ...FIELD_ROLES])
      const owner = { networkId: network.id, owner: who.role === 'operator' ? ('operator' as const) : ('field' as const), tokenId: who.tokenId }
      const row = await s.sql.begin((tx) => insertSubscription(tx, owner, c.req.valid('json'), s.clock.now(), s.config.HALTE_PUSH_ALLOWED_HOSTS))
      return c.json(row, 201)
    },
  )

  return app
}
