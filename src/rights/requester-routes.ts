import { createRoute, z } from '@hono/zod-openapi'
import type { OpenAPIHono } from '@hono/zod-openapi'
import { announceAlert } from '../alerts/channel.ts'
import { sha256Hex } from '../alerts/secrets.ts'
import { transition } from '../alerts/service.ts'
import { hashToken, secretsEqual } from '../auth/tokens.ts'
import { HalteError } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import { json, pick } from '../http/responses.ts'
import { findNetworkById } from '../networks/queries.ts'
import { afterCommit } from '../realtime/after-commit.ts'
import type { Services } from '../services.ts'
import { exportAlert, exportDropoff } from './export.ts'
import { eraseAlerts, eraseDropoff, lockAlertState, lockDropoff, logErasure } from './queries.ts'

// The requester's rights over their own alert or drop-off, proven by its access token
// alone (no account): read everything held about it, erase it now.

const idParams = z.object({ id: z.uuid() })
const accessHeaders = z.object({ 'x-access-token': z.string().max(200).optional() })

const noToken = () =>
  new HalteError(401, 'unauthorized', {
    fr: 'Le jeton d’accès est requis (en-tête X-Access-Token).',
    en: 'The access token is required (header X-Access-Token).',
  })
const wrongToken = () => new HalteError(403, 'forbidden', { fr: 'Jeton d’accès invalide pour cette alerte.', en: 'Wrong access token for this alert.' })
const noAlert = () => new HalteError(404, 'not_found', { fr: 'Alerte introuvable.', en: 'No such alert.' })
// Erased: nothing personal is held any more, the token's hash included, so nobody can
// be told apart from its requester; saying so to anyone holding the id reveals no data.
const erased = (what: 'alert' | 'dropoff') =>
  new HalteError(404, 'already_erased', {
    fr: what === 'alert' ? 'Les données de cette alerte ont été effacées.' : 'Les données de cette demande ont été effacées.',
    en: what === 'alert' ? "This alert's data has been erased." : "This request's data has been erased.",
  })
export const heldRefusal = () =>
  new HalteError(409, 'legal_hold', {
    fr: 'Cette alerte est conservée sur réquisition judiciaire : la loi oblige halte à la garder jusqu’à la fin de celle-ci. Elle sera effacée ensuite, sans autre demande de votre part.',
    en: 'This alert is kept under a judicial requisition: the law obliges halte to keep it until the requisition ends. It will be erased then, with no further request from you.',
  })

export function registerRequesterRights(app: OpenAPIHono<AppEnv>, s: Services) {
  const checkAlert = async (id: string, token: string | undefined) => {
    if (!token) throw noToken()
    const [row] = await s.sql<{ access_token_hash: string | null; erased: boolean }[]>`
      select access_token_hash, erased_at is not null as erased from alerts where id = ${id}`
    if (!row) throw noAlert()
    if (row.erased) throw erased('alert')
    if (!row.access_token_hash || !(await secretsEqual(await sha256Hex(token), row.access_token_hash))) throw wrongToken()
  }

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/alerts/{id}',
      tags: ['rights'],
      summary: 'Erase my alert now (its access token in X-Access-Token)',
      description:
        'The location, the message, the number and its hash, the access token, the recipients and their distances, ' +
        'the messages sent and the notes go; the row stays with its network, channel, status and times for the counts. ' +
        'An alert still open is cancelled first. An alert under a legal hold is refused (409 `legal_hold`): it is erased ' +
        'when the hold ends. Once erased, the alert answers 404 `already_erased`.',
      request: { params: idParams, headers: accessHeaders },
      responses: { 204: { description: 'Erased' }, ...pick(401, 403, 404, 409) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await checkAlert(id, c.req.valid('header')['x-access-token'])
      const now = s.clock.now()
      const networkId = await s.sql.begin(async (tx) => {
        const state = await lockAlertState(tx, id, now)
        if (!state) throw noAlert()
        if (state.erased) throw erased('alert')
        if (state.held) throw heldRefusal()
        const network = (await findNetworkById(tx, state.network_id))!
        const [{ status } = { status: '' }] = await tx<{ status: string }[]>`select status from alerts where id = ${id}`
        const requester = { role: 'requester', tokenId: null, placeId: null } as const
        if (status === 'open' || status === 'acknowledged') await transition(tx, network, id, 'cancel', requester, now, { note: null })
        const alerts = await eraseAlerts(tx, [id], 'requester', now)
        await logErasure(tx, { networkId: network.id, kind: 'alert', by: 'requester', subjectId: id, counts: { alerts } }, now)
        return network.id
      })
      await afterCommit(c.get('log'), 'alert erased', () => announceAlert(s, networkId, id))
      return c.body(null, 204)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/alerts/{id}/export',
      tags: ['rights'],
      summary: 'Everything halte holds about my alert (its access token in X-Access-Token)',
      description:
        'The alert as stored (point, message, number), its events, the refuges told (by name), the messages sent ' +
        '(to whom, as a role or a refuge), the operators who read it (their post, when) and hand-offs to services.',
      request: { params: idParams, headers: accessHeaders },
      responses: { 200: json(z.record(z.string(), z.unknown()), 'All that is held'), ...pick(401, 403, 404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await checkAlert(id, c.req.valid('header')['x-access-token'])
      const data = await exportAlert(s.sql, id)
      if (!data) throw noAlert()
      c.header('content-disposition', `attachment; filename="halte-alerte-${id.slice(0, 8)}.json"`)
      return c.json({ exported_at: s.clock.now().toISOString(), ...data }, 200)
    },
  )

  // Drop-offs: an unknown id and a wrong token look the same (404), as GET /v1/dropoffs/{id} answers.
  const noDropoff = () => new HalteError(404, 'not_found', { fr: 'Demande introuvable.', en: 'No such request.' })
  const checkDropoff = async (id: string, token: string | undefined) => {
    if (!token) throw noToken()
    const row = await lockDropoff(s.sql, id)
    if (row?.erased) throw erased('dropoff')
    if (!row?.access_token_hash || !(await secretsEqual(await hashToken(token), row.access_token_hash))) throw noDropoff()
    return row
  }

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/dropoffs/{id}',
      tags: ['rights'],
      summary: 'Erase my drop-off request now (its access token in X-Access-Token)',
      description:
        'The point, the stops and distances along the trip, the driver’s positions and note, the token and the browser ' +
        'subscription go; the line, the times and the decision stay for the counts. A request still pending or accepted ' +
        'is refused (409 `dropoff_in_progress`): its driver needs the point until the trip is over. An unknown id and a ' +
        'wrong token both answer 404, as GET does.',
      request: { params: idParams, headers: accessHeaders },
      responses: { 204: { description: 'Erased' }, ...pick(401, 404, 409) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      const token = c.req.valid('header')['x-access-token']
      await checkDropoff(id, token)
      const now = s.clock.now()
      await s.sql.begin(async (tx) => {
        const row = await lockDropoff(tx, id)
        if (!row || row.erased) throw erased('dropoff')
        if (row.status === 'pending' || row.status === 'accepted') {
          throw new HalteError(409, 'dropoff_in_progress', {
            fr: 'La demande est en cours : le conducteur a besoin du point. Effacez-la une fois la descente faite, refusée ou expirée.',
            en: 'The request is in progress: the driver needs the point. Erase it once it is done, declined or expired.',
          })
        }
        const counts = await eraseDropoff(tx, id, now)
        await logErasure(tx, { networkId: row.network_id, kind: 'dropoff', by: 'requester', subjectId: id, counts }, now)
      })
      return c.body(null, 204)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/dropoffs/{id}/export',
      tags: ['rights'],
      summary: 'Everything halte holds about my drop-off request (its access token in X-Access-Token)',
      request: { params: idParams, headers: accessHeaders },
      responses: { 200: json(z.record(z.string(), z.unknown()), 'All that is held'), ...pick(401, 404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await checkDropoff(id, c.req.valid('header')['x-access-token'])
      const data = await exportDropoff(s.sql, id)
      if (!data) throw noDropoff()
      c.header('content-disposition', `attachment; filename="halte-descente-${id.slice(0, 8)}.json"`)
      return c.json({ exported_at: s.clock.now().toISOString(), ...data }, 200)
    },
  )
}
