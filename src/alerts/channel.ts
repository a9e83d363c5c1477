import type { Services } from '../services.ts'

// Operators' streams of a network listen here; the payload is an alert id.
export const alertChannel = (networkId: string) => `alerts:${networkId}`

// An alert changed (raised, acknowledged, escalated…): its messages wait in the outbox
// and the network's operator streams should read now.
export async function announceAlert(s: Pick<Services, 'signal' | 'wakeOutbox'>, networkId: string, alertId: string) {
  s.wakeOutbox()
  await s.signal.publish(alertChannel(networkId), alertId)
}
