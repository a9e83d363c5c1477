import type { z } from '@hono/zod-openapi'
import { EMERGENCY } from '../emergency.ts'
import { HalteError } from '../errors.ts'
import { rateLimited } from '../http/rate-limit.ts'
import type { Network } from '../networks/schemas.ts'
import { insertSubscription } from '../notify/subscriptions.ts'
import { nearestPlaces } from '../places/nearest.ts'
import { nearestFeature } from '../places/present.ts'
import { helpFeature, helpFor } from '../help/find.ts'
import type { Services } from '../services.ts'
import { type AlertStatus, findAlert, findIdempotency, insertIdempotency } from './queries.ts'
import type { createAlertSchema } from './schemas.ts'
import { canonical, seal, sha256Hex, unseal } from './secrets.ts'
import { createAlert } from './service.ts'

// A web alert, from the request to the answer: a replay of the same Idempotency-Key
// answers as the first request did; a client over its limit is refused the alert but
// still given the nearest open refuges; otherwise the alert, its key and its push
// subscription commit together, before anything is answered.

type AlertBody = z.infer<typeof createAlertSchema>

export interface RaisedAlert {
  id: string
  status: AlertStatus
  token: string
  nearest: ReturnType<typeof nearestFeature>[]
  // The help desk to go to next: the nearest open, else the next to open.
  help: ReturnType<typeof helpFeature> | null
  replayed: boolean
}

export async function raiseWebAlert(
  s: Pick<Services, 'sql' | 'config'>,
  network: Network,
  body: AlertBody,
  key: string | undefined,
  now: Date,
  overLimit: () => Promise<number | null>,
): Promise<RaisedAlert> {
  const bodyHash = await sha256Hex(canonical(body))
  const keyHash = key ? await sha256Hex(`${network.id}:${key}`) : null
  const replay = async () => {
    const found = keyHash ? await findIdempotency(s.sql, network.id, keyHash) : null
    if (!found) return null
    if (found.body_hash !== bodyHash) {
      throw new HalteError(
        409,
        'idempotency_key_reused',
        {
          fr: 'Cette clé Idempotency-Key a déjà servi pour une autre alerte. En danger : 17, 112, SMS 114.',
          en: 'This Idempotency-Key was already used for another alert. In danger: 17, 112, SMS 114.',
        },
        { extra: { emergency: EMERGENCY } },
      )
    }
    return { id: found.alert_id, token: await unseal(key!, found.sealed_token) }
  }
  const nearestNow = async () =>
    (
      await nearestPlaces(s.sql, network, {
        lat: body.location.lat,
        lon: body.location.lon,
        at: now,
        limit: 3,
        openOnly: true,
        features: [],
        radiusM: network.search_radius_m,
      })
    ).map((p) => nearestFeature(p, network.timezone))

  let created = await replay()
  const replayed = created !== null
  if (!created) {
    const wait = await overLimit()
    // Refused, the alert; never the help: the nearest open refuges come with the 429.
    if (wait !== null) {
      throw rateLimited(
        wait,
        { fr: 'Trop d’alertes en peu de temps depuis cette connexion.', en: 'Too many alerts in a short time from this connection.' },
        { nearest: await nearestNow() },
      )
    }
    const token = newAccessToken()
    const id = crypto.randomUUID()
    // The key is claimed first: a concurrent request with the same key waits on it,
    // then finds it taken and answers as the first one did.
    const committed = await s.sql.begin(async (tx) => {
      if (keyHash && !(await insertIdempotency(tx, { networkId: network.id, keyHash, bodyHash, alertId: id, sealedToken: await seal(key!, token) }, now))) {
        return false
      }
      await createAlert(
        tx,
        network,
        {
          id,
          source: 'web',
          lat: body.location.lat,
          lon: body.location.lon,
          accuracyM: body.location.accuracy_m ?? null,
          message: body.message ?? null,
          phone: null,
          phoneHash: null,
          accessTokenHash: await sha256Hex(token),
        },
        { role: 'public', tokenId: null, placeId: null },
        now,
        s.config.PUBLIC_BASE_URL,
      )
      if (body.push_subscription) {
        await insertSubscription(tx, { networkId: network.id, owner: 'alert', alertId: id }, body.push_subscription, now, s.config.HALTE_PUSH_ALLOWED_HOSTS)
      }
      return true
    })
    created = committed ? { id, token } : (await replay())!
  }
  const alert = (await findAlert(s.sql, created.id))!
  const help = await helpFor(s.sql, network, body.location.lat, body.location.lon, now)
  return {
    id: created.id,
    status: alert.status,
    token: created.token,
    nearest: await nearestNow(),
    help: help && helpFeature(help, network.timezone),
    replayed,
  }
}

function newAccessToken() {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return `alert_${btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`
}
