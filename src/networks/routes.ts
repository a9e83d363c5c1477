import type { Db } from '../db/types.ts'
import { operatorOf } from '../auth/guards.ts'
import { createRoute, z } from '@hono/zod-openapi'
import { requirePrincipal } from '../auth/principal.ts'
import { isUniqueViolation } from '../db/errors.ts'
import { HalteError } from '../errors.ts'
import { checkArea } from '../geo/area.ts'
import type { MultiPolygon } from '../geo/schemas.ts'
import { parseHours } from '../hours/parse.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import type { Services } from '../services.ts'
import { loadNetwork } from './load.ts'
import { insertNetwork, updateNetwork } from './queries.ts'
import {
  createNetworkSchema,
  networkSchema,
  patchNetworkSchema,
  slugSchema,
} from './schemas.ts'

const slugParams = z.object({ slug: slugSchema })

export function networksApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks',
      tags: ['networks'],
      summary: 'Create a network (admin)',
      security: bearer,
      request: { body: jsonBody(createNetworkSchema) },
      responses: { 201: json(networkSchema, 'Created'), ...pick(400, 401, 403, 409, 415) },
    }),
    async (c) => {
      requirePrincipal(c.get('principal'), ['admin'])
      const body = c.req.valid('json')
      checkDropoffHours(body.dropoff?.hours, body.country_code, body.region_code)
      await checkAreas(s.sql, body)
      const network = await conflictAware(() => insertNetwork(s.sql, body))
      return c.json(network, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}',
      tags: ['networks'],
      summary: 'Read a network (public)',
      request: { params: slugParams },
      responses: { 200: json(networkSchema, 'The network'), ...pick(404) },
    }),
    async (c) => c.json(await loadNetwork(s.sql, c.req.valid('param').slug), 200),
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/networks/{slug}',
      tags: ['networks'],
      summary: 'Change a network (admin or its operator)',
      security: bearer,
      request: { params: slugParams, body: jsonBody(patchNetworkSchema) },
      responses: { 200: json(networkSchema, 'Updated'), ...pick(400, 401, 403, 404, 409, 415) },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const patch = c.req.valid('json')
      checkDropoffHours(patch.dropoff?.hours, patch.country_code ?? network.country_code, patch.region_code ?? network.region_code)
      await checkAreas(s.sql, patch)
      return c.json(await conflictAware(() => updateNetwork(s.sql, network.id, patch, s.clock.now())), 200)
    },
  )

  return app
}

async function checkAreas(sql: Db, n: { area?: MultiPolygon | null; dropoff?: { excluded_zones?: MultiPolygon | null } }) {
  if (n.area) await checkArea(sql, n.area, 'area')
  // Excluded zones are spots in the street; only their validity matters.
  if (n.dropoff?.excluded_zones) await checkArea(sql, n.dropoff.excluded_zones, 'dropoff.excluded_zones')
}

function checkDropoffHours(hours: string | undefined, countryCode: string, regionCode?: string | null) {
  if (hours === undefined) return
  // The position only matters for sunrise/sunset; the holidays come from country and region.
  parseHours(hours, { countryCode, regionCode, lat: 46.6, lon: 2.4 }, 'dropoff.hours')
}

async function conflictAware<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (e) {
    if (isUniqueViolation(e, 'networks_slug_key')) {
      throw new HalteError(409, 'network_exists', {
        fr: 'Un réseau porte déjà ce slug.',
        en: 'A network already has this slug.',
      })
    }
    if (isUniqueViolation(e, 'networks_sms_number_key')) {
      throw new HalteError(409, 'sms_number_taken', {
        fr: 'Ce numéro SMS est déjà celui d’un autre réseau.',
        en: 'This SMS number already belongs to another network.',
      })
    }
    throw e
  }
}
