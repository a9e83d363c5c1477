import { createRoute, z } from '@hono/zod-openapi'
import { operatorOf } from '../auth/guards.ts'
import { notFound } from '../errors.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { slugSchema } from '../networks/schemas.ts'
import type { Services } from '../services.ts'
import { refreshPlacePeriods } from './periods.ts'
import { privateFeature } from './present.ts'
import { findPlace } from './queries.ts'
import { placeFeatureSchema, validityFields, validityMessage, validityOk } from './schemas.ts'

// Event mode: an operator makes a refuge or welcome point temporary (a festival's
// nights), or permanent again with nulls. Its open periods are re-materialised at once,
// cut to the window, so nearest, alerts and SMS serve it only within it.

const validitySchema = z
  .object({ valid_from: validityFields.valid_from.unwrap(), valid_until: validityFields.valid_until.unwrap() })
  .strict()
  .refine(validityOk, validityMessage)
  .openapi('PlaceValidity')

export function eventsApp(s: Services) {
  const app = createRouter()
  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/networks/{slug}/places/{id}/validity',
      tags: ['moderation'],
      summary: 'Serve a place only between two instants (event mode), or always again with nulls (operator)',
      security: bearer,
      request: { params: z.object({ slug: slugSchema, id: z.uuid() }), body: jsonBody(validitySchema) },
      responses: { 200: json(placeFeatureSchema, 'Validity set'), ...pick(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const { slug, id } = c.req.valid('param')
      const { network } = await operatorOf(s, c.get('principal'), slug)
      const place = await findPlace(s.sql, id)
      if (!place || place.network_id !== network.id) throw notFound()
      const body = c.req.valid('json')
      const now = s.clock.now()
      await s.sql.begin(async (tx) => {
        await tx`update places set valid_from = ${body.valid_from}, valid_until = ${body.valid_until}, updated_at = ${now} where id = ${id}`
        await refreshPlacePeriods(tx, id, network, now)
      })
      return c.json(privateFeature((await findPlace(s.sql, id))!), 200)
    },
  )
  return app
}
