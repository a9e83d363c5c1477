import type { Db } from '../db/types.ts'
import type { Text } from '../errors.ts'
import type { Network } from '../networks/schemas.ts'
import { enqueuePush } from '../notify/outbox.ts'
import type { DropoffRow } from './dropoff-queries.ts'

// What a rider is told when their request changes, in the network's language: the rider
// reads it on a lock screen, on board, so it is one short sentence that says what to do.

type Told = Pick<DropoffRow, 'id' | 'status' | 'after_stop_name' | 'before_stop_name' | 'decision_reason'>

const REASONS: Record<string, Text> = {
  unsafe_spot: { fr: 'endroit dangereux', en: 'unsafe spot' },
  traffic: { fr: 'circulation', en: 'traffic' },
  too_late: { fr: 'demande trop tardive', en: 'asked too late' },
  other: { fr: 'autre raison', en: 'other reason' },
}

export function riderText(d: Told): Text | null {
  const a = d.after_stop_name
  const b = d.before_stop_name
  switch (d.status) {
    case 'accepted':
      return {
        fr: `Le conducteur a accepté : il vous déposera entre ${a} et ${b}. Descendez par l'avant.`,
        en: `The driver accepted: you will be dropped between ${a} and ${b}. Get off at the front.`,
      }
    case 'declined': {
      const why = REASONS[d.decision_reason ?? 'other'] ?? REASONS.other!
      return {
        fr: `Le conducteur ne peut pas vous déposer entre ${a} et ${b} (${why.fr}). Descendez à l'arrêt ${b}.`,
        en: `The driver cannot drop you between ${a} and ${b} (${why.en}). Get off at ${b}.`,
      }
    }
    case 'done':
      return { fr: `Vous êtes descendu·e entre ${a} et ${b}. Bon retour !`, en: `You were dropped between ${a} and ${b}. Get home safely!` }
    case 'expired':
      return {
        fr: `Votre demande de descente entre ${a} et ${b} a expiré : le bus a passé ce point ou sa course est terminée.`,
        en: `Your drop-off request between ${a} and ${b} has expired: the bus has passed the point or its trip has ended.`,
      }
    default:
      return null
  }
}

// Inside the transaction of the status change, so the push and the change commit together.
export async function pushToRider(tx: Db, network: Pick<Network, 'id' | 'slug' | 'locale'>, d: Told, now: Date): Promise<number> {
  const text = riderText(d)
  if (!text) return 0
  const payload = {
    type: 'dropoff',
    dropoff_id: d.id,
    network: network.slug,
    status: d.status,
    reason: d.status === 'declined' ? d.decision_reason : null,
    text: text[network.locale === 'en' ? 'en' : 'fr'],
    at: now.toISOString(),
  }
  return enqueuePush(tx, { networkId: network.id, dropoffId: d.id, payload }, { riderOf: d.id }, now)
}
