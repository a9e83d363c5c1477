import { createRoute, z } from '@hono/zod-openapi'
import { fieldOf, operatorOf } from '../auth/guards.ts'
import { type Principal, requireNetwork, requirePrincipal } from '../auth/principal.ts'
import { HalteError, notFound } from '../errors.ts'
import { isoInZone } from '../hours/format.ts'
import { bearer, json, jsonBody, pick } from '../http/responses.ts'
import { createRouter } from '../http/router.ts'
import { findNetworkById } from '../networks/queries.ts'
import { slugSchema } from '../networks/schemas.ts'
import { afterCommit } from '../realtime/after-commit.ts'
import type { Services } from '../services.ts'
import { acknowledge, type BroadcastRow, broadcastsSentTo, findBroadcast, findSector, type Holder, listBroadcasts, recipientsOf, type Target } from './queries.ts'
import { broadcastCreatedSchema, broadcastDetailSchema, broadcastSchema, createBroadcastSchema, partnerBroadcastSchema } from './schemas.ts'
import { sendBroadcast } from './send.ts'

// Rapid mobilisation (La Rochelle's "cellules de veille"): an operator tells every
// partner of a sector or of a circle at once; partners acknowledge; operators see who got
// it and who answered.

const slugParams = z.object({ slug: slugSchema })
const idParams = z.object({ id: z.uuid() })
// What a partner is still asked about: the last week's messages.
const PARTNER_WINDOW_MS = 7 * 86_400_000
const receivedSchema = z.object({ broadcasts: z.array(partnerBroadcastSchema) }).openapi('PartnerBroadcasts')
const acknowledgedSchema = z.object({ id: z.uuid(), acknowledged_at: z.string() }).openapi('BroadcastAcknowledged')

const view = (b: BroadcastRow, tz: string) => ({
  id: b.id,
  message: b.message,
  target: b.sector_name !== null ? { sector: b.sector_name } : { lat: b.lat!, lon: b.lon!, radius_m: b.radius_m! },
  channels: [...(b.push ? (['push'] as const) : []), ...(b.sms ? (['sms'] as const) : [])],
  by: { role: b.actor_role, label: b.actor_label },
  created_at: isoInZone(new Date(b.created_at), tz),
  places: b.places_count,
  field: b.field_count,
  acknowledged: b.acknowledged,
})

export function broadcastsApp(s: Services) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{slug}/broadcasts',
      tags: ['broadcasts'],
      summary: 'Broadcast a short message to every active partner (and field team on duty) of a sector or a circle (operator)',
      description:
        'At most 5 broadcasts per operator in 10 minutes and 20 per network in an hour (429 with Retry-After). ' +
        'Push goes to every push subscription of the recipients; SMS to the partners whose place has a mobile number, from the network’s SMS number.',
      security: bearer,
      request: { params: slugParams, body: jsonBody(createBroadcastSchema) },
      responses: { 201: json(broadcastCreatedSchema, 'Sent (queued in the outbox)'), ...pick(400, 401, 403, 404, 415, 422, 429) },
    }),
    async (c) => {
      const { who, network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const body = c.req.valid('json')
      const target = await targetOf(s, network.id, body.target)
      const sent = await sendBroadcast(s, network, who, { message: body.message, target, channels: body.channels ?? ['push', 'sms'] }, s.clock.now())
      await afterCommit(c.get('log'), 'broadcast sent', () => s.wakeOutbox())
      c.get('log').info('broadcast sent', { network: network.slug, broadcast_id: sent.id, places: sent.places, field: sent.field })
      return c.json(
        {
          id: sent.id,
          recipients: sent.places + sent.field,
          places: sent.places,
          field: sent.field,
          by_channel: { push: sent.push, sms: sent.sms },
          unreachable: sent.unreachable,
        },
        201,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{slug}/broadcasts',
      tags: ['broadcasts'],
      summary: 'Broadcasts of the network, newest first (operator)',
      security: bearer,
      request: { params: slugParams, query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
      responses: { 200: json(z.object({ broadcasts: z.array(broadcastSchema) }).openapi('Broadcasts'), 'Broadcasts'), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { network } = await operatorOf(s, c.get('principal'), c.req.valid('param').slug)
      const rows = await listBroadcasts(s.sql, network.id, c.req.valid('query').limit)
      return c.json({ broadcasts: rows.map((b) => view(b, network.timezone)) }, 200, { 'Cache-Control': 'no-store' })
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/broadcasts/{id}',
      tags: ['broadcasts'],
      summary: 'One broadcast with each recipient’s delivery per channel and acknowledgement (operator)',
      security: bearer,
      request: { params: idParams },
      responses: { 200: json(broadcastDetailSchema, 'The broadcast'), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const who = requirePrincipal(c.get('principal'), ['admin', 'operator'])
      const b = await findBroadcast(s.sql, c.req.valid('param').id)
      if (!b) throw notFound({ fr: 'Aucune diffusion de ce nom.', en: 'No such broadcast.' })
      requireNetwork(who, b.network_id)
      const network = (await findNetworkById(s.sql, b.network_id))!
      const recipients = (await recipientsOf(s.sql, b.id)).map((r) => ({
        place_id: r.place_id,
        token_id: r.token_id,
        name: r.name,
        push: r.push,
        sms: r.sms,
        acknowledged_at: r.acknowledged_at ? isoInZone(new Date(r.acknowledged_at), network.timezone) : null,
      }))
      return c.json({ ...view(b, network.timezone), recipients }, 200, { 'Cache-Control': 'no-store' })
    },
  )

  // A partner sees and acknowledges what its place was sent; a mediator or municipal
  // police officer what their own token was sent.
  const partnerOf = async (p: Principal | undefined) => {
    const who = requirePrincipal(p, ['partner'])
    const network = who.networkId && who.placeId ? await findNetworkById(s.sql, who.networkId) : null
    if (!network) throw new HalteError(403, 'forbidden', { fr: 'Ce jeton n’est lié à aucun lieu.', en: 'This token is bound to no place.' })
    return { holder: { placeId: who.placeId! } as Holder, network }
  }
  const fieldHolder = async (p: Principal | undefined) => {
    const { who, network } = await fieldOf(s, p, null)
    if (!who.tokenId) throw new HalteError(403, 'forbidden', { fr: 'Jeton de terrain requis.', en: 'A field token is required.' })
    return { holder: { tokenId: who.tokenId } as Holder, network }
  }
  const audiences = [
    { prefix: '/v1/partner', tag: 'partner', who: 'my place', role: 'partner', resolve: partnerOf },
    { prefix: '/v1/field', tag: 'field', who: 'I', role: 'mediator, police', resolve: fieldHolder },
  ] as const

  for (const a of audiences) {
    app.openapi(
      createRoute({
        method: 'get',
        path: `${a.prefix}/broadcasts`,
        tags: [a.tag],
        summary: `Messages of the city ${a.who} received in the last 7 days, newest first (${a.role})`,
        security: bearer,
        request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
        responses: { 200: json(receivedSchema, 'Messages'), ...pick(400, 401, 403) },
      }),
      async (c) => {
        const { holder, network } = await a.resolve(c.get('principal'))
        const since = new Date(s.clock.now().getTime() - PARTNER_WINDOW_MS)
        const rows = await broadcastsSentTo(s.sql, holder, since, c.req.valid('query').limit)
        const tz = network.timezone
        const broadcasts = rows.map((b) => ({
          id: b.id,
          message: b.message,
          sector: b.sector_name,
          created_at: isoInZone(new Date(b.created_at), tz),
          acknowledged_at: b.acknowledged_at ? isoInZone(new Date(b.acknowledged_at), tz) : null,
        }))
        return c.json({ broadcasts }, 200, { 'Cache-Control': 'no-store' })
      },
    )

    app.openapi(
      createRoute({
        method: 'post',
        path: `${a.prefix}/broadcasts/{id}/acknowledge`,
        tags: [a.tag],
        summary: `Acknowledge a message of the city (${a.role}); the first acknowledgement stands`,
        security: bearer,
        request: { params: idParams },
        responses: { 200: json(acknowledgedSchema, 'Recorded'), ...pick(400, 401, 403, 404) },
      }),
      async (c) => {
        const { holder, network } = await a.resolve(c.get('principal'))
        const id = c.req.valid('param').id
        const at = await acknowledge(s.sql, id, holder, s.clock.now())
        if (!at) throw notFound({ fr: 'Vous n’avez pas reçu ce message.', en: 'You did not receive this message.' })
        return c.json({ id, acknowledged_at: isoInZone(new Date(at), network.timezone) }, 200)
      },
    )
  }

  return app
}

// Exactly one of a sector or a whole circle.
async function targetOf(s: Pick<Services, 'sql'>, networkId: string, t: { sector?: string; lat?: number; lon?: number; radius_m?: number }): Promise<Target> {
  const circle = t.lat !== undefined || t.lon !== undefined || t.radius_m !== undefined
  if (t.sector !== undefined && !circle) {
    const sector = await findSector(s.sql, networkId, t.sector)
    if (!sector) {
      throw new HalteError(422, 'unknown_sector', {
        fr: `Ce réseau n’a pas de secteur « ${t.sector} ».`,
        en: `This network has no sector "${t.sector}".`,
      })
    }
    return { sectorId: sector.id, sectorName: sector.name }
  }
  if (t.sector === undefined && t.lat !== undefined && t.lon !== undefined && t.radius_m !== undefined) {
    return { lat: t.lat, lon: t.lon, radiusM: t.radius_m }
  }
  throw new HalteError(
    400,
    'validation_failed',
    { fr: 'Cible : soit { sector }, soit { lat, lon, radius_m }.', en: 'Target: either { sector } or { lat, lon, radius_m }.' },
    { errors: [{ path: 'target', message: 'either { sector } or { lat, lon, radius_m } / soit { sector }, soit { lat, lon, radius_m }' }] },
  )
}
