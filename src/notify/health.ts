import type { Config } from '../config.ts'
import { type Db, textArray } from '../db/types.ts'
import type { Logger } from '../logger.ts'

// Whether messages can reach anyone. A missing Twilio or VAPID setting does not stop
// halte (refuges are still served, alerts still stored), so it must be said loudly
// instead: at start, in each alert's answer, in /readyz and in /metrics.

export type Channel = 'push' | 'sms'
export interface Channels {
  push: boolean
  sms: boolean
}

// The settings the senders are built from (see notifySenders): configured here means
// some instance with this configuration sends, even one that is not this process.
export function channelsOf(config: Pick<Config, 'VAPID_PUBLIC_KEY' | 'VAPID_PRIVATE_KEY' | 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN'>): Channels {
  return {
    push: Boolean(config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY),
    sms: Boolean(config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN),
  }
}

// What the outbox dispatcher of this process did last (absent where none runs: Workers).
export interface DispatcherState {
  lastRunAt(): Date | null
}

export interface ChannelWarning {
  network: string
  channel: Channel
  message: string
}

// Networks whose settings need a channel that is not configured: an on-call phone
// without SMS, partners or operators who subscribed to push without VAPID.
export async function channelWarnings(sql: Db, channels: Channels): Promise<ChannelWarning[]> {
  const warnings: ChannelWarning[] = []
  if (!channels.sms) {
    const rows = await sql<{ slug: string }[]>`select slug from networks where oncall_sms_number is not null order by slug`
    for (const r of rows) {
      warnings.push({ network: r.slug, channel: 'sms', message: 'an on-call phone is set but SMS is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN): escalations will not reach it' })
    }
  }
  if (!channels.push) {
    const rows = await sql<{ slug: string; n: number }[]>`
      select n.slug, count(*)::int as n from push_subscriptions s join networks n on n.id = s.network_id
      where s.owner in ('place', 'operator') group by n.slug order by n.slug`
    for (const r of rows) {
      warnings.push({ network: r.slug, channel: 'push', message: `${r.n} partner or operator push subscriptions but push is not configured (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY): alerts will not reach them` })
    }
  }
  return warnings
}

// Said once at start, so whoever reads the logs of a new install learns it before an alert does.
export async function logChannels(sql: Db, config: Config, log: Logger) {
  const channels = channelsOf(config)
  log.info('delivery channels', {
    push: channels.push ? 'configured' : 'missing (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY)',
    sms: channels.sms ? 'configured' : 'missing (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)',
  })
  if (!channels.push && !channels.sms) log.warn('no delivery channel is configured: alerts are stored but reach nobody by push or SMS')
  for (const w of await channelWarnings(sql, channels)) log.warn('network needs a missing delivery channel', { ...w })
}

export interface OutboxState {
  pending: Record<Channel, number>
  oldest_pending_s: number | null
}

export async function outboxState(sql: Db, now: Date): Promise<OutboxState> {
  const rows = await sql<{ channel: Channel; n: number; oldest: Date | null }[]>`
    select channel, count(*)::int as n, min(created_at) as oldest from outbox where status = 'pending' group by channel`
  const pending = { push: 0, sms: 0 }
  let oldest: number | null = null
  for (const r of rows) {
    pending[r.channel] = r.n
    if (r.oldest) oldest = Math.min(oldest ?? Number.POSITIVE_INFINITY, new Date(r.oldest).getTime())
  }
  return { pending, oldest_pending_s: oldest === null ? null : Math.max(0, Math.round((now.getTime() - oldest) / 1000)) }
}

// The delivery part of /readyz: an operator sees at a glance whether alerts can reach anyone.
export async function deliveryStatus(sql: Db, channels: Channels, dispatcher: DispatcherState | undefined, now: Date) {
  const outbox = await outboxState(sql, now)
  const lastRun = dispatcher?.lastRunAt() ?? null
  return {
    state: channels.push || channels.sms ? (channels.push && channels.sms ? 'ok' : 'partial') : 'none',
    channels: { push: channels.push ? 'configured' : 'missing', sms: channels.sms ? 'configured' : 'missing' },
    outbox: { ...outbox },
    dispatcher: dispatcher
      ? { runs_here: true, last_run_at: lastRun?.toISOString() ?? null }
      : {
          runs_here: false,
          last_run_at: null,
          note: 'No dispatcher runs in this process (Workers): messages wait in the outbox for a Node instance (npx halte serve).',
        },
  }
}

// How an alert's messages fared, per channel: what was queued, what went, what cannot go.
export interface ChannelDelivery {
  queued: number
  sent: number
  failed: number
  // The channel is not configured: what is queued waits, and nothing new goes out by it.
  unavailable: boolean
}

export type AlertDelivery = Record<Channel, ChannelDelivery>

export async function alertDeliveries(sql: Db, alertIds: string[], channels: Channels): Promise<Map<string, AlertDelivery>> {
  const out = new Map<string, AlertDelivery>()
  for (const id of alertIds) out.set(id, emptyDelivery(channels))
  if (!alertIds.length) return out
  const rows = await sql<{ alert_id: string; channel: Channel; status: string; n: number }[]>`
    select alert_id::text, channel, status, count(*)::int as n from outbox
    where alert_id = any(${textArray(alertIds)}::uuid[]) group by 1, 2, 3`
  for (const r of rows) {
    const d = out.get(r.alert_id)?.[r.channel]
    if (!d) continue
    d.queued += r.n
    if (r.status === 'sent') d.sent += r.n
    else if (r.status === 'failed' || r.status === 'dropped') d.failed += r.n
  }
  return out
}

export const emptyDelivery = (channels: Channels): AlertDelivery => ({
  push: { queued: 0, sent: 0, failed: 0, unavailable: !channels.push },
  sms: { queued: 0, sent: 0, failed: 0, unavailable: !channels.sms },
})

// Prometheus lines read from the database at scrape time (gauges: rows are erased at
// retention, so counts over the table go down as well as up).
export async function deliveryMetrics(sql: Db, channels: Channels, dispatcher: DispatcherState | undefined, now: Date): Promise<string[]> {
  const [state, byResult, alerts] = await Promise.all([
    outboxState(sql, now),
    sql<{ channel: string; status: string; n: number }[]>`select channel, status, count(*)::int as n from outbox group by 1, 2 order by 1, 2`,
    sql<{ status: string; n: number }[]>`select status, count(*)::int as n from alerts group by 1 order by 1`,
  ])
  const out: string[] = []
  const gauge = (name: string, help: string, lines: string[]) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...lines)
  gauge('halte_channel_configured', 'Whether a delivery channel is configured (1) or missing (0).', [
    `halte_channel_configured{channel="push"} ${channels.push ? 1 : 0}`,
    `halte_channel_configured{channel="sms"} ${channels.sms ? 1 : 0}`,
  ])
  gauge('halte_outbox_pending', 'Messages waiting in the outbox, by channel.', [
    `halte_outbox_pending{channel="push"} ${state.pending.push}`,
    `halte_outbox_pending{channel="sms"} ${state.pending.sms}`,
  ])
  gauge('halte_outbox_oldest_pending_seconds', 'Age of the oldest message not yet delivered (0 when none waits).', [
    `halte_outbox_oldest_pending_seconds ${state.oldest_pending_s ?? 0}`,
  ])
  const lastRun = dispatcher?.lastRunAt()
  gauge('halte_outbox_dispatcher_last_run_timestamp_seconds', 'When this process last drained the outbox (0: never, or no dispatcher here).', [
    `halte_outbox_dispatcher_last_run_timestamp_seconds ${lastRun ? Math.floor(lastRun.getTime() / 1000) : 0}`,
  ])
  gauge(
    'halte_outbox_messages',
    'Outbox messages by channel and result (pending, sent, failed, dropped), as held in the database.',
    byResult.map((r) => `halte_outbox_messages{channel="${r.channel}",result="${r.status}"} ${r.n}`),
  )
  gauge(
    'halte_alerts',
    'Alerts held, by status.',
    alerts.map((r) => `halte_alerts{status="${r.status}"} ${r.n}`),
  )
  return out
}
