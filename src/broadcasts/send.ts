import { hashSecrets, phoneHashes } from '../alerts/secrets.ts'
import type { Principal } from '../auth/principal.ts'
import { HalteError } from '../errors.ts'
import type { Network } from '../networks/schemas.ts'
import { channelsOf } from '../notify/health.ts'
import type { Services } from '../services.ts'
import {
  enqueueBroadcastPush,
  enqueueBroadcastSms,
  insertBroadcast,
  insertFieldRecipients,
  insertPlaceRecipients,
  lockNetwork,
  optedOut,
  recentCounts,
  setCounts,
  type Target,
} from './queries.ts'

// A broadcast, its recipients and every message it causes commit together, or nothing
// does. Limits count the broadcasts themselves (a sliding window), so a refused request
// costs nothing and the audit record is the very row that is counted.

export const LIMITS = {
  actor: { max: 5, windowS: 600 },
  network: { max: 20, windowS: 3600 },
} as const

export interface Sent {
  id: string
  places: number
  field: number
  push: { recipients: number; unavailable: boolean }
  sms: { recipients: number; unavailable: boolean }
  unreachable: number
}

export async function sendBroadcast(
  s: Pick<Services, 'sql' | 'config'>,
  network: Network,
  who: Principal,
  body: { message: string; target: Target; channels: ('push' | 'sms')[] },
  now: Date,
): Promise<Sent> {
  const configured = channelsOf(s.config)
  const usePush = body.channels.includes('push')
  const useSms = body.channels.includes('sms') && network.sms_number !== null
  const secrets = useSms ? hashSecrets(s.config) : null
  const id = crypto.randomUUID()
  return s.sql.begin(async (tx) => {
    await lockNetwork(tx, network.id)
    await refuseOverLimit(tx, network.id, who, now)
    await insertBroadcast(tx, { id, networkId: network.id, message: body.message, target: body.target, push: usePush, sms: useSms, actorRole: who.role, actorTokenId: who.tokenId }, now)
    const places = await insertPlaceRecipients(tx, id, network.id, body.target)
    const field = await fieldRecipients(tx, id, network.id, body.target, now)
    const reached = new Set<string>()
    let pushed = 0
    if (usePush) {
      const payload = { type: 'broadcast', broadcast_id: id, network: network.slug, message: body.message, sector: 'sectorName' in body.target ? body.target.sectorName : null, created_at: now.toISOString(), lang: network.locale }
      pushed = await enqueueBroadcastPush(tx, id, network.id, payload, now)
      for (const r of await pushedRecipients(tx, id)) reached.add(r)
    }
    let texted = 0
    if (useSms && network.sms_number) {
      const to = await textable(tx, secrets!, network, places)
      await enqueueBroadcastSms(tx, network.id, to, { type: 'broadcast', broadcast_id: id, from: network.sms_number, body: smsText(network, body.message) }, now)
      for (const r of to) reached.add(r.recipient_id)
      texted = to.length
    }
    await setCounts(tx, id, places.length, field)
    return {
      id,
      places: places.length,
      field,
      push: { recipients: pushed, unavailable: !configured.push },
      sms: { recipients: texted, unavailable: !configured.sms || network.sms_number === null },
      unreachable: places.length + field - reached.size,
    }
  })
}

async function pushedRecipients(tx: Parameters<typeof enqueueBroadcastPush>[0], id: string) {
  const rows = await tx<{ id: string }[]>`
    select distinct m.recipient_id::text as id from broadcast_messages m join broadcast_recipients r on r.id = m.recipient_id where r.broadcast_id = ${id}`
  return rows.map((r) => r.id)
}

// Field roles arrive with the sectors migration; a server without them has no field tokens.
async function fieldRecipients(tx: Parameters<typeof insertFieldRecipients>[0], id: string, networkId: string, target: Target, now: Date) {
  const [has] = await tx<{ ok: boolean }[]>`select to_regclass('field_duty') is not null and to_regclass('token_sectors') is not null as ok`
  return has?.ok ? insertFieldRecipients(tx, id, networkId, target, now) : 0
}

// Recipients whose place gave a mobile number that never said STOP to the network's
// number, with that number in international form.
async function textable(tx: Parameters<typeof optedOut>[0], secrets: ReturnType<typeof hashSecrets>, network: Network, places: { id: string; phone: string | null }[]) {
  const wanted = places.flatMap((p) => {
    const to = p.phone ? mobileNumber(p.phone, network.country_code) : null
    return to ? [{ recipient_id: p.id, to_number: to }] : []
  })
  const hashes = new Map<string, string[]>()
  for (const number of new Set(wanted.map((w) => w.to_number))) {
    const h = await phoneHashes(secrets, network.id, number)
    hashes.set(number, [h.current, ...h.older])
  }
  const out = await optedOut(tx, network.id, [...hashes.values()].flat())
  return wanted.filter((w) => !hashes.get(w.to_number)!.some((h) => out.has(h)))
}

async function refuseOverLimit(tx: Parameters<typeof recentCounts>[0], networkId: string, who: Principal, now: Date) {
  const ago = (s: number) => new Date(now.getTime() - s * 1000)
  const c = await recentCounts(tx, networkId, who.tokenId, who.role, { actor: ago(LIMITS.actor.windowS), network: ago(LIMITS.network.windowS) })
  const wait = (oldest: Date | null, windowS: number) => Math.max(1, Math.ceil(((oldest?.getTime() ?? now.getTime()) + windowS * 1000 - now.getTime()) / 1000))
  if (c.actor >= LIMITS.actor.max) {
    throw tooMany(wait(c.actor_oldest, LIMITS.actor.windowS), {
      fr: `Vous avez déjà envoyé ${LIMITS.actor.max} messages de diffusion en ${LIMITS.actor.windowS / 60} minutes.`,
      en: `You already sent ${LIMITS.actor.max} broadcasts in ${LIMITS.actor.windowS / 60} minutes.`,
    })
  }
  if (c.network >= LIMITS.network.max) {
    throw tooMany(wait(c.network_oldest, LIMITS.network.windowS), {
      fr: `Ce réseau a déjà envoyé ${LIMITS.network.max} messages de diffusion en une heure.`,
      en: `This network already sent ${LIMITS.network.max} broadcasts in an hour.`,
    })
  }
}

const tooMany = (retryAfter: number, what: { fr: string; en: string }) =>
  new HalteError(
    429,
    'rate_limited',
    {
      fr: `${what.fr} Réessayez dans ${Math.ceil(retryAfter / 60)} min, ou appelez directement les partenaires concernés.`,
      en: `${what.en} Retry in ${Math.ceil(retryAfter / 60)} min, or call the partners concerned directly.`,
    },
    { headers: { 'Retry-After': String(retryAfter) }, extra: { retry_after_s: retryAfter } },
  )

// The network's SMS number is its alert line: a reply would read as an alert, so the
// text says where to answer instead.
function smsText(network: Network, message: string) {
  return network.locale === 'en'
    ? `halte – message from ${network.name}: ${message} (Do not reply; acknowledge in your partner space.)`
    : `halte – message de ${network.name} : ${message} (Ne répondez pas ; accusez réception dans votre espace partenaire.)`
}

// A refuge's number as given on its application, as an SMS destination: international
// form, and in France only mobiles (06, 07: a shop's landline cannot take an SMS).
// Elsewhere an international number is tried as it is; a national one without a known
// prefix is skipped.
export function mobileNumber(phone: string, country: string): string | null {
  let p = phone.replace(/[^\d+]/g, '')
  if (p.startsWith('00')) p = `+${p.slice(2)}`
  if (country.toUpperCase() === 'FR' && /^0\d{9}$/.test(p)) p = `+33${p.slice(1)}`
  if (!/^\+[1-9]\d{6,14}$/.test(p)) return null
  if (p.startsWith('+33')) return /^\+33[67]\d{8}$/.test(p) ? p : null
  return p
}
