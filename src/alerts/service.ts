import type { Db } from '../db/types.ts'
import { HalteError } from '../errors.ts'
import type { Network } from '../networks/schemas.ts'
import { enqueuePush, enqueueSms } from '../notify/outbox.ts'
import { nearestPlaces } from '../places/nearest.ts'
import {
  type Actor,
  type AlertStatus,
  findAlert,
  insertAlert,
  insertEvent,
  insertOpenRecipients,
  insertRecipients,
  type NewAlert,
  requesterOptedOut,
  setAlertLocation,
  setStatus,
} from './queries.ts'

// What creating an alert and changing its state write, always inside the caller's
// transaction: the alert, its first event and every message it causes commit together.

export type { NewAlert }

// Partners are told less than operators: where, when, not what the person wrote.
export async function createAlert(tx: Db, network: Network, a: NewAlert, actor: Actor, now: Date, baseUrl?: string) {
  const { id } = await insertAlert(tx, { networkId: network.id, ...a }, now)
  const where = a.lat === null ? null : { lat: a.lat, lon: a.lon, accuracy_m: a.accuracyM }
  const common = { type: 'alert', alert_id: id, network: network.slug, status: 'open', location: where, created_at: now.toISOString() }
  let notified = 0
  if (a.lat !== null && a.lon !== null) notified += await notifyPlaces(tx, network, id, common, a.lat, a.lon, now)
  const url = baseUrl ? `${baseUrl.replace(/\/$/, '')}/console?alert=${id}` : undefined
  notified += await enqueuePush(tx, { networkId: network.id, alertId: id, payload: { ...common, audience: 'operator', source: a.source, message: a.message, url } }, { operatorsOf: network.id }, now)
  notified += await notifyField(tx, network, id, { ...common, source: a.source }, now)
  // Last: the event's id is drawn under the network's event lock, held to the commit
  // (src/realtime/event-order.ts); the fan-out above need not hold it.
  await insertEvent(tx, { alertId: id, networkId: network.id, kind: 'created', from: null, to: 'open', actor }, now)
  return { id, notified }
}

// Open refuges within the network's alert radius that can be reached by push become
// recipients (the partners allowed to acknowledge) and get a push. Places whose materialised periods cover now are decided in one statement; the rare
// others (periods not renewed yet) are asked of the opening-hours library.
export async function notifyPlaces(tx: Db, network: Network, alertId: string, common: Record<string, unknown>, lat: number, lon: number, now: Date) {
  const uncovered = await insertOpenRecipients(tx, { networkId: network.id, radiusM: network.alert_radius_m }, alertId, lat, lon, now)
  if (uncovered > 0) {
    const open = await nearestPlaces(tx, network, { lat, lon, at: now, limit: 1000, openOnly: true, features: [], radiusM: network.alert_radius_m })
    await insertRecipients(tx, alertId, open)
  }
  // Partners learn roughly where (~100 m, a street block), not the person's exact point.
  const coarse = (v: number) => Math.round(v * 1000) / 1000
  const payload = { ...common, audience: 'partner', location: { lat: coarse(lat), lon: coarse(lon), accuracy_m: null } }
  return enqueuePush(tx, { networkId: network.id, alertId, payload }, { recipientsOf: alertId }, now)
}

// A located follow-up to an alert raised without a location (an SMS "where are you?" answer).
export async function locateAlert(tx: Db, network: Network, alertId: string, status: AlertStatus, lat: number, lon: number, now: Date) {
  await setAlertLocation(tx, alertId, lat, lon, now)
  await insertEvent(tx, { alertId, networkId: network.id, kind: 'located', from: status, to: status, actor: { role: 'requester', tokenId: null, placeId: null } }, now)
  const common = { type: 'alert', alert_id: alertId, network: network.slug, status: 'open', location: { lat, lon, accuracy_m: null }, created_at: now.toISOString() }
  await enqueuePush(tx, { networkId: network.id, alertId, payload: { ...common, audience: 'operator', source: 'sms' } }, { operatorsOf: network.id }, now)
  await notifyField(tx, network, alertId, { ...common, source: 'sms' }, now)
  return notifyPlaces(tx, network, alertId, common, lat, lon, now)
}

// The mediators and municipal police on duty in the alert's sector: where, to go there;
// not what the person wrote (they read the alert itself, and that read is audited).
function notifyField(tx: Db, network: Network, alertId: string, common: Record<string, unknown>, now: Date) {
  return enqueuePush(tx, { networkId: network.id, alertId, payload: { ...common, audience: 'field' } }, { fieldOf: alertId }, now)
}

type Action = 'acknowledge' | 'resolve' | 'cancel' | 'escalate'

const RULES: Record<Exclude<Action, 'escalate'>, { from: AlertStatus[]; to: AlertStatus }> = {
  // A second acknowledgement (another partner, then the operator) is recorded too.
  acknowledge: { from: ['open', 'acknowledged'], to: 'acknowledged' },
  resolve: { from: ['open', 'acknowledged'], to: 'resolved' },
  cancel: { from: ['open', 'acknowledged'], to: 'cancelled' },
}

const STATUS_SMS: Partial<Record<AlertStatus, { fr: string; en: string }>> = {
  acknowledged: {
    fr: 'Votre alerte est prise en charge. En danger immédiat : 17, 112, SMS 114.',
    en: 'Your alert has been picked up. In immediate danger: 17, 112, SMS 114.',
  },
}

export async function transition(
  tx: Db,
  network: Network & { sms_number: string | null },
  alertId: string,
  action: Exclude<Action, 'escalate'>,
  actor: Actor,
  now: Date,
  opts: { note?: string | null; falseAlarm?: boolean } = {},
) {
  const alert = await findAlert(tx, alertId, { forUpdate: true })
  if (!alert) throw new HalteError(404, 'not_found', { fr: 'Alerte introuvable.', en: 'No such alert.' })
  const rule = RULES[action]
  const to: AlertStatus = action === 'resolve' && opts.falseAlarm ? 'false_alarm' : rule.to
  if (!rule.from.includes(alert.status)) {
    throw new HalteError(409, 'invalid_transition', {
      fr: `Impossible : cette alerte est « ${alert.status} ».`,
      en: `Not possible: this alert is "${alert.status}".`,
    })
  }
  await insertEvent(tx, { alertId, networkId: alert.network_id, kind: action === 'acknowledge' ? 'acknowledged' : to, from: alert.status, to, actor, note: opts.note }, now)
  if (alert.status === to) return { ...alert, changed: false }
  await setStatus(tx, alertId, to, now)
  const payload = { type: 'status', alert_id: alertId, network: network.slug, status: to, at: now.toISOString() }
  await enqueuePush(tx, { networkId: alert.network_id, alertId, payload }, { requesterOf: alertId }, now)
  const text = STATUS_SMS[to]
  if (alert.source === 'sms' && alert.phone && network.sms_number && text && !(await requesterOptedOut(tx, alertId))) {
    await enqueueSms(tx, { networkId: alert.network_id, alertId, payload: { from: network.sms_number, type: 'status' } }, alert.phone, text[network.locale === 'en' ? 'en' : 'fr'], now)
  }
  return { ...alert, status: to, changed: true }
}
