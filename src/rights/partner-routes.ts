import { createRoute, z } from '@hono/zod-openapi'
import type { OpenAPIHono } from '@hono/zod-openapi'
import { requirePrincipal } from '../auth/principal.ts'
import { notFound } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import { bearer, json, pick } from '../http/responses.ts'
import type { Services } from '../services.ts'
import { exportPartner } from './export.ts'
import { closePartner } from './partner.ts'

// A partner's rights over its place and contact: export everything, close the account.

export function registerPartnerRights(app: OpenAPIHono<AppEnv>, s: Services) {
  const ownPlace = (principal: AppEnv['Variables']['principal']) => {
    const who = requirePrincipal(principal, ['partner'])
    if (!who.placeId) throw notFound()
    return { who, placeId: who.placeId }
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/partner/export',
      tags: ['rights'],
      summary: 'Everything halte holds about my place and its contact (partner)',
      description:
        'The place as stored (contact included), its closures, status history, change requests, tokens (never their ' +
        'secrets), push devices (their service only), the place’s own acts on alerts and how many alerts it was told of — ' +
        'not where those people were.',
      security: bearer,
      responses: { 200: json(z.record(z.string(), z.unknown()), 'All that is held'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { placeId } = ownPlace(c.get('principal'))
      const data = await exportPartner(s.sql, placeId)
      if (!data) throw notFound()
      c.header('content-disposition', `attachment; filename="halte-partenaire-${placeId.slice(0, 8)}.json"`)
      return c.json({ exported_at: s.clock.now().toISOString(), ...data }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/partner/close',
      tags: ['rights'],
      summary: 'Close my account (partner): the place is withdrawn, its contact erased, every token of it revoked',
      description:
        'The contact’s name, e-mail and phone go, from the place, its change requests and the SMS queued to it; the ' +
        'place is withdrawn (no longer served) and its tokens and push devices revoked — this one included, so the ' +
        'answer is the last it gets. The history stays, anonymised: status changes, acknowledgements (without notes), ' +
        'counts. Cannot be undone: the city enrols the place again if it returns.',
      security: bearer,
      responses: { 200: json(z.object({ closed: z.literal(true), tokens_revoked: z.number() }), 'Closed'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { who, placeId } = ownPlace(c.get('principal'))
      const counts = await s.sql.begin((tx) => closePartner(tx, placeId, { role: who.role, tokenId: who.tokenId }, s.clock.now()))
      if (!counts) throw notFound()
      return c.json({ closed: true as const, tokens_revoked: counts.tokens }, 200)
    },
  )
}
