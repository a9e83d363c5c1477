import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { operatorOf } from '../auth/guards.ts'
import type { Principal } from '../auth/principal.ts'
import type { AppEnv } from '../http/env.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { slugSchema } from '../networks/schemas.ts'
import type { Services } from '../services.ts'
import { readAlertSettings, writeAlertSettings } from './queries.ts'

const settingsSchema = z
  .object({
    escalation_delay_s: z.number().int().min(15).max(3600),
    oncall_sms_number: z.string().regex(/^\+[1-9]\d{6,14}$/, 'E.164 number, e.g. +33381000000 / numéro au format international, par ex. +33381000000').nullable(),
  })
  .openapi('AlertSettings')

// How a network escalates: after how long, and to which phone.
export function registerAlertSettings(app: OpenAPIHono<AppEnv>, s: Services) {
  const params = z.object({ slug: slugSchema })
  const operatorNetwork = async (p: Principal | undefined, slug: string) => (await operatorOf(s, p, slug)).network

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/alert-settings',
      tags: ['alerts'],
      summary: 'Escalation delay and on-call phone (operator)',
      security: bearer,
      request: { params },
      responses: { 200: json(settingsSchema, 'Settings'), ...pick(401, 403, 404) },
    }),
    async (c) => c.json(await readAlertSettings(s.sql, (await operatorNetwork(c.get('principal'), c.req.valid('param').slug)).id), 200),
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/networks/{slug}/alert-settings',
      tags: ['alerts'],
      summary: 'Change the escalation delay or on-call phone (operator)',
      security: bearer,
      request: { params, body: jsonBody(settingsSchema.partial().strict()) },
      responses: { 200: json(settingsSchema, 'Settings'), ...pick(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const network = await operatorNetwork(c.get('principal'), c.req.valid('param').slug)
      const patch = c.req.valid('json')
      const current = await readAlertSettings(s.sql, network.id)
      const next = { ...current, ...patch }
      await writeAlertSettings(s.sql, network.id, next)
      return c.json(next, 200)
    },
  )
}
