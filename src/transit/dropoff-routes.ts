import { createRoute, z } from '@hono/zod-openapi'
import { hashToken, secretsEqual } from '../auth/tokens.ts'
import { HalteError, notFound } from '../errors.ts'
import { enforceLimit, type Limit } from '../http/rate-limit.ts'
import { json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { loadNetwork } from '../networks/load.ts'
import { findNetworkById } from '../networks/queries.ts'
import { slugSchema } from '../networks/schemas.ts'
import { afterCommit } from '../realtime/after-commit.ts'
import type { Services } from '../services.ts'
import { findDropoff, } from './dropoff-queries.ts'
import { presentDropoff } from './present.ts'
import { requestDropoff } from './request.ts'
import { dropoffCreatedSchema, dropoffRequestSchema, dropoffSchema } from './schemas.ts'
import { wakeDrivers } from './wake.ts'

// A rider asks once or twice a trip (again after a refusal); ten in ten minutes is no rider.
const DROPOFFS_PER_CLIENT: Limit = { scope: 'dropoff', max: 10, windowS: 600 }

export function dropoffsApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{slug}/dropoffs',
      tags: ['transit'],
      summary: 'Ask to get off between two stops (public)',
      request: { params: z.object({ slug: slugSchema }), body: jsonBody(dropoffRequestSchema) },
      responses: { 201: json(dropoffCreatedSchema, 'Accepted by the rules; pending for the driver'), ...pick(400, 404, 415, 422) },
    }),
    async (c) => {
      const network = await loadNetwork(s.sql, c.req.valid('param').slug)
      // Refusals speak the network's language unless the rider's browser says otherwise.
      if (!c.req.header('accept-language')) c.set('lang', network.locale === 'en' ? 'en' : 'fr')
      await enforceLimit(s, c, DROPOFFS_PER_CLIENT, network.id, s.clock.now(), {
        fr: 'Trop de demandes de descente en peu de temps depuis cette connexion.',
        en: 'Too many drop-off requests in a short time from this connection.',
      })
      const { row, token, offsetM } = await requestDropoff(s, network, c.req.valid('json'))
      await afterCommit(c.get('log'), 'dropoff requested', () => wakeDrivers(s, network.id, row.trip_id, row.id))
      const view = presentDropoff(row, network)
      return c.json(
        {
          id: row.id,
          status: 'pending' as const,
          access_token: token,
          trip_id: row.trip_id,
          snapped: view.snapped,
          offset_m: Math.round(offsetM * 10) / 10,
          distance_along_m: view.distance_along_m,
          after_stop: view.after_stop,
          before_stop: view.before_stop,
          after_stop_m: view.after_stop_m,
          text: view.text,
          created_at: view.created_at,
        },
        201,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/dropoffs/{id}',
      tags: ['transit'],
      summary: "A drop-off request's status and the driver's decision (its access token, as X-Access-Token or ?access_token=)",
      request: {
        params: z.object({ id: z.string().uuid() }),
        query: z.object({ access_token: z.string().optional() }),
        headers: z.object({ 'x-access-token': z.string().optional() }),
      },
      responses: { 200: json(dropoffSchema, 'The request'), ...pick(400, 401, 404) },
    }),
    async (c) => {
      const token = c.req.valid('header')['x-access-token'] ?? c.req.valid('query').access_token
      if (!token) {
        throw new HalteError(401, 'unauthorized', {
          fr: "Le jeton d'accès de la demande est requis (en-tête X-Access-Token).",
          en: "The request's access token is required (header X-Access-Token).",
        })
      }
      const row = await findDropoff(s.sql, c.req.valid('param').id)
      // An unknown id and a wrong token look the same: ids are not secrets, tokens are.
      if (!row || !(await secretsEqualHash(token, row.access_token_hash))) throw notFound()
      const network = await findNetworkById(s.sql, row.network_id)
      return c.json(presentDropoff(row, network!), 200)
    },
  )

  return app
}

async function secretsEqualHash(token: string, storedHash: string): Promise<boolean> {
  const h = await hashToken(token)
  return secretsEqual(h, storedHash)
}
