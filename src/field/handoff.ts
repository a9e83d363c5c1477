import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { alertView } from '../alerts/present.ts'
import { alertEvents, auditRead, findAlert, insertEvent } from '../alerts/queries.ts'
import { FIELD_ROLES, requireNetwork, requirePrincipal } from '../auth/principal.ts'
import { EMERGENCY } from '../emergency.ts'
import { HalteError } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import type { Logger } from '../logger.ts'
import { findNetworkById } from '../networks/queries.ts'
import { alertInScope } from '../sectors/queries.ts'
import type { Services } from '../services.ts'
import { insertHandoff } from './queries.ts'

// Handing an alert to police or emergency services. halte does not call them: the person
// handing over does, with the number this answers and the alert read out from it. So the
// hand-off is a record (to whom, when, by whom) that changes nothing else: it never waits
// on anything, never changes the alert's state, and is accepted whatever that state is.

export const HANDOFF_SERVICES = {
  police_nationale: { number: EMERGENCY.police, fr: 'Police nationale', en: 'National police' },
  // The municipal police's own line differs from town to town; 17 reaches the police in any case.
  police_municipale: { number: EMERGENCY.police, fr: 'Police municipale (via le 17)', en: 'Municipal police (through 17)' },
  samu: { number: '15', fr: 'SAMU', en: 'Emergency medical service (SAMU)' },
  pompiers: { number: '18', fr: 'Pompiers', en: 'Fire brigade' },
  other: { number: EMERGENCY.eu, fr: 'Numéro d’urgence européen', en: 'European emergency number' },
} as const

type Service = keyof typeof HANDOFF_SERVICES

const handoffBody = z
  .object({
    to: z.enum(Object.keys(HANDOFF_SERVICES) as [Service, ...Service[]]),
    note: z.string().trim().max(500).optional().openapi({ description: 'Kept in the alert’s history, erased with it.' }),
  })
  .strict()
  .openapi('HandoffRequest', { example: { to: 'police_nationale' } })

export function registerHandoff(app: OpenAPIHono<AppEnv>, s: Services, announce: (log: Logger, networkId: string, alertId: string) => Promise<void>) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/alerts/{id}/handoff',
      tags: ['alerts'],
      summary: 'Record that an alert is handed to police or emergency services; answers the number to call and what to read out (operator, mediator or police of its sector)',
      security: bearer,
      request: { params: z.object({ id: z.uuid() }), body: jsonBody(handoffBody) },
      responses: {
        201: json(
          z
            .object({
              handoff: z.object({ to: z.string(), at: z.string(), by: z.string() }),
              call: z.object({ number: z.string(), service: z.string() }),
              read_out: z.string().openapi({ description: 'Where and since when, and what happened, to read to the operator on the line.' }),
              alert: z.record(z.string(), z.unknown()),
              emergency: z.object({ police: z.string(), eu: z.string(), sms: z.string() }),
            })
            .openapi('Handoff'),
          'Recorded',
        ),
        ...pick(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      const who = requirePrincipal(c.get('principal'), ['admin', 'operator', ...FIELD_ROLES])
      const alert = await findAlert(s.sql, id)
      if (!alert) throw new HalteError(404, 'not_found', { fr: 'Alerte introuvable.', en: 'No such alert.' })
      requireNetwork(who, alert.network_id)
      if ((who.role === 'mediator' || who.role === 'police') && !(who.tokenId && (await alertInScope(s.sql, id, who.tokenId)))) {
        throw new HalteError(403, 'out_of_sector', { fr: 'Cette alerte n’est pas dans vos secteurs.', en: 'This alert is not in your sectors.' })
      }
      const network = (await findNetworkById(s.sql, alert.network_id))!
      const body = c.req.valid('json')
      const service = HANDOFF_SERVICES[body.to]
      const actor = { role: who.role, tokenId: who.tokenId, placeId: null }
      const now = s.clock.now()
      await s.sql.begin(async (tx) => {
        await insertHandoff(tx, { alertId: id, networkId: network.id, to: body.to, actor }, now)
        await insertEvent(tx, { alertId: id, networkId: network.id, kind: `handoff_${body.to}`, from: alert.status, to: alert.status, actor, note: body.note ?? null }, now)
        await auditRead(tx, { networkId: network.id, alertId: id, actor, what: 'handoff' }, now)
      })
      await announce(c.get('log'), network.id, id)
      const events = await alertEvents(s.sql, id)
      const view = alertView(alert, network.timezone, events)
      const lang = network.locale === 'en' ? 'en' : 'fr'
      return c.json(
        {
          handoff: { to: body.to, at: view.events!.at(-1)!.at, by: who.role },
          call: { number: service.number, service: service[lang] },
          read_out: readOut(view, lang),
          alert: view,
          emergency: EMERGENCY,
        },
        201,
      )
    },
  )
}

// One paragraph to read on the phone: where (coordinates and a map link), since when,
// what the person wrote, and what was done so far.
function readOut(a: ReturnType<typeof alertView>, lang: 'fr' | 'en') {
  const where = a.location
    ? `${a.location.lat.toFixed(5)}, ${a.location.lon.toFixed(5)}${a.location.accuracy_m ? ` (±${a.location.accuracy_m} m)` : ''} https://www.openstreetmap.org/?mlat=${a.location.lat.toFixed(5)}&mlon=${a.location.lon.toFixed(5)}`
    : lang === 'fr'
      ? 'position inconnue'
      : 'location unknown'
  const history = (a.events ?? []).map((e) => `${e.at.slice(11, 16)} ${e.kind} (${e.by})`).join(' ; ')
  const said = a.message ? (lang === 'fr' ? ` Message : « ${a.message} ».` : ` Message: "${a.message}".`) : ''
  return lang === 'fr'
    ? `Alerte halte ${a.source === 'sms' ? 'par SMS' : 'web'} du ${a.created_at.slice(0, 10)} à ${a.created_at.slice(11, 16)}, statut ${a.status}. Lieu : ${where}.${said} Historique : ${history}.`
    : `halte ${a.source} alert of ${a.created_at.slice(0, 10)} at ${a.created_at.slice(11, 16)}, status ${a.status}. Location: ${where}.${said} History: ${history}.`
}
