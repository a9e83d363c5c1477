import { createRoute, z } from '@hono/zod-openapi'
import { operatorOf } from './guards.ts'
import { notFound } from '../errors.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { slugSchema } from '../networks/schemas.ts'
import type { Services } from '../services.ts'
import { tokenCreatedSchema, tokenListSchema, tokenRequestSchema } from './schemas.ts'
import { grantedExpiry, insertToken, listTokens, revokeToken, sectorsNamed } from './tokens.ts'
import { setTokenSectors } from '../sectors/queries.ts'

const DAY_MS = 24 * 3600 * 1000
const slugParams = z.object({ slug: slugSchema })

// A network's tokens: issued by its admin or operators, listed and revoked by them.
// Admin tokens belong to no network, so no network route ever shows or touches one.
export function tokensApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{slug}/tokens',
      tags: ['tokens'],
      summary: 'Issue an operator, driver, mediator or municipal police token (admin or operator)',
      security: bearer,
      request: { params: slugParams, body: jsonBody(tokenRequestSchema) },
      responses: { 201: json(tokenCreatedSchema, 'Created; the token is shown once'), ...pick(400, 401, 403, 404, 422) },
    }),
    async (c) => {
      const { who, network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const body = c.req.valid('json')
      const now = s.clock.now()
      const asked = body.expires_at
        ? new Date(body.expires_at)
        : body.expires_in_days
          ? new Date(now.getTime() + body.expires_in_days * DAY_MS)
          : null
      const expiresAt = grantedExpiry(who, asked, now)
      const field = body.role === 'mediator' || body.role === 'police'
      const { sectors, ...created } = await s.sql.begin(async (tx) => {
        // Held against a sectors import (which locks the network for update): a sector
        // cannot go between being found here and being given to the token.
        if (field) await tx`select 1 from networks where id = ${network.id} for share`
        const sectors = field ? await sectorsNamed(tx, network.id, body.sectors ?? []) : []
        const row = await insertToken(tx, { role: body.role, label: body.label, networkId: network.id, vehicle: body.vehicle ?? null, createdBy: who.tokenId, expiresAt })
        await setTokenSectors(tx, row.id, sectors.map((x) => x.id))
        return { ...row, sectors }
      })
      return c.json(
        {
          id: created.id,
          token: created.token,
          role: body.role,
          label: body.label,
          ...(body.vehicle ? { vehicle: body.vehicle } : {}),
          ...(field ? { sectors: sectors.map((x) => x.name) } : {}),
          expires_at: created.expiresAt?.toISOString() ?? null,
        },
        201,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/tokens',
      tags: ['tokens'],
      summary: "List a network's tokens, revoked ones included; never their secret (admin or operator)",
      security: bearer,
      request: { params: slugParams },
      responses: { 200: json(tokenListSchema, 'Oldest first'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      return c.json({ tokens: await listTokens(s.sql, network.id) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/networks/{slug}/tokens/{id}',
      tags: ['tokens'],
      summary: "Revoke one of the network's tokens, from its next request on (admin or operator)",
      security: bearer,
      request: { params: slugParams.extend({ id: z.uuid() }) },
      responses: { 204: { description: 'Revoked (or already was)' }, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { slug, id } = c.req.valid('param')
      const { who, network } = await operatorOf(s, c.get('principal'), slug)
      const revoked = await revokeToken(s.sql, id, { networkId: network.id, now: s.clock.now(), by: who.tokenId })
      if (!revoked) throw notFound({ fr: 'Aucun jeton de ce réseau ne porte cet id.', en: 'No token of this network has this id.' })
      return c.body(null, 204)
    },
  )

  return app
}
