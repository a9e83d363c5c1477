import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { escalateDue } from '../../src/alerts/jobs.ts'
import { createLogger } from '../../src/logger.ts'
import { EVERY_MINUTE, runScheduled } from '../../src/runtime/scheduled.ts'
import { outboxRunner } from '../../src/notify/dispatcher.ts'
import { channelsOf, channelWarnings, logChannels } from '../../src/notify/health.ts'
import { recordingPush } from '../../src/notify/ports.ts'
import { ADMIN_TOKEN, createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'

// With neither Twilio nor VAPID configured an alert is stored and reaches nobody: that
// must be said at start, in the alert's answer, to operators, in /readyz and /metrics.

let t: TestApp
let slug: string
let operator: string
const here = { lat: 47.75, lon: 7.33 }

beforeAll(async () => {
  t = await testApp()
  ;({ slug } = await createNetwork(t, { sms_number: `+3360${Math.floor(Math.random() * 1e7).toString().padStart(7, '0')}` }))
  operator = await createToken(t, slug, { role: 'operator', label: 'CSU' })
  const settings = await t.request(`/v1/networks/${slug}/alert-settings`, {
    method: 'PATCH',
    token: operator,
    json: { oncall_sms_number: '+33381000000', escalation_delay_s: 60 },
  })
  expect(settings.status, await settings.clone().text()).toBe(200)
})
afterAll(() => t?.close())

describe('channels missing', () => {
  it('are logged at start, with the networks whose settings need them', async () => {
    const lines: Record<string, unknown>[] = []
    const log = createLogger('info', (l) => lines.push(JSON.parse(l)))
    await logChannels(t.db.sql, t.config, log)
    expect(lines[0]).toMatchObject({ msg: 'delivery channels', push: expect.stringMatching(/^missing/), sms: expect.stringMatching(/^missing/) })
    expect(lines.some((l) => l.level === 'warn' && /no delivery channel/.test(String(l.msg)))).toBe(true)
    const onCall = lines.find((l) => l.msg === 'network needs a missing delivery channel' && l.network === slug)
    expect(onCall).toMatchObject({ level: 'warn', channel: 'sms' })
    expect(String(onCall?.message)).toMatch(/on-call/)
  })

  it('warns of push subscriptions only when VAPID is missing', async () => {
    const [net] = await t.db.sql<{ id: string }[]>`select id from networks where slug = ${slug}`
    const [tok] = await t.db.sql<{ id: string }[]>`select id from tokens where network_id = ${net!.id} and role = 'operator' limit 1`
    await t.db.sql`insert into push_subscriptions (network_id, owner, token_id, endpoint, p256dh, auth, created_at)
      values (${net!.id}, 'operator', ${tok!.id}, ${`https://push.example.org/${crypto.randomUUID()}`}, 'k', 'a', now())`
    const none = await channelWarnings(t.db.sql, { push: false, sms: true })
    expect(none.find((w) => w.network === slug)).toMatchObject({ channel: 'push' })
    expect((await channelWarnings(t.db.sql, { push: true, sms: true })).filter((w) => w.network === slug)).toEqual([])
  })

  it('the alert answer says nobody is notified, and the operator view shows it by channel', async () => {
    const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: here } })
    const body = (await res.json()) as { id: string; delivery: Record<string, unknown>; emergency: unknown }
    expect(res.status).toBe(201)
    expect(body.delivery).toEqual({
      notified: false,
      // The operator subscribed above: its push is queued, and waits.
      push: { queued: 1, unavailable: true },
      sms: { queued: 0, unavailable: true },
    })
    expect(body.emergency).toEqual({ police: '17', eu: '112', sms: '114' })
    expect(t.logs.some((l) => l.msg === 'alert raised but no message can reach anyone' && l.alert_id === body.id)).toBe(true)

    const view = (await (await t.request(`/v1/alerts/${body.id}`, { token: operator })).json()) as { delivery: unknown }
    expect(view.delivery).toEqual({
      push: { queued: 1, sent: 0, failed: 0, unavailable: true },
      sms: { queued: 0, sent: 0, failed: 0, unavailable: true },
    })
    const listed = (await (await t.request(`/v1/networks/${slug}/alerts`, { token: operator })).json()) as { alerts: { id: string; delivery: unknown }[] }
    expect(listed.alerts.find((a) => a.id === body.id)?.delivery).toEqual(view.delivery)
  })

  it('an escalation that reaches no one is an event operators see', async () => {
    const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: here } })
    const { id } = (await res.json()) as { id: string }
    const later = new Date(Date.now() + 5 * 60_000)
    const escalated = await escalateDue(t.db.sql, later, channelsOf(t.config))
    expect(escalated.find((a) => a.id === id)).toMatchObject({ reached: false, slug })
    const view = (await (await t.request(`/v1/alerts/${id}`, { token: operator })).json()) as { events: { kind: string }[] }
    expect(view.events.map((e) => e.kind)).toEqual(['created', 'escalated', 'escalation_unreached'])
    const [note] = await t.db.sql<{ note: string }[]>`select note from alert_events where alert_id = ${id} and kind = 'escalation_unreached'`
    expect(note!.note).toMatch(/push is not configured.*SMS is not configured/)
  })

  it('the scheduled job logs it as an error (Workers pass their channels too)', async () => {
    const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: here } })
    const { id } = (await res.json()) as { id: string }
    const lines: Record<string, unknown>[] = []
    const log = createLogger('info', (l) => lines.push(JSON.parse(l)))
    await runScheduled(t.db.sql, log, EVERY_MINUTE, new Date(Date.now() + 5 * 60_000), { push: false, sms: false })
    expect(lines.find((l) => l.msg === 'alert escalation reached no one' && l.alert_id === id)).toMatchObject({ level: 'error', network: slug })
  })

  it('with the channels configured, the same escalation reaches someone', async () => {
    const res = await t.request(`/v1/networks/${slug}/alerts`, { method: 'POST', json: { location: here } })
    const { id } = (await res.json()) as { id: string }
    const escalated = await escalateDue(t.db.sql, new Date(Date.now() + 5 * 60_000), { push: true, sms: true })
    expect(escalated.find((a) => a.id === id)).toMatchObject({ reached: true })
  })
})

describe('/readyz and /metrics', () => {
  it('/readyz reports channels, the outbox and the dispatcher', async () => {
    const res = await t.request('/readyz')
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      status: string
      delivery: {
        state: string
        channels: unknown
        outbox: { pending: { push: number }; oldest_pending_s: number }
        dispatcher: { runs_here: boolean; last_run_at: string | null; note?: string }
      }
    }
    expect(body.status).toBe('ready')
    expect(body.delivery.state).toBe('none')
    expect(body.delivery.channels).toEqual({ push: 'missing', sms: 'missing' })
    expect(body.delivery.outbox.pending.push).toBeGreaterThan(0)
    expect(body.delivery.outbox.oldest_pending_s).toBeGreaterThanOrEqual(0)
    // No dispatcher in this app (as on Workers): said, not pretended.
    expect(body.delivery.dispatcher).toMatchObject({ runs_here: false, last_run_at: null })
    expect(body.delivery.dispatcher.note).toMatch(/Node instance/)
  })

  it('/metrics exports delivery, alerts, streams and feeds', async () => {
    const res = await t.request('/metrics', { token: ADMIN_TOKEN })
    expect(res.status).toBe(200)
    const text = await res.text()
    for (const line of [
      'halte_channel_configured{channel="push"} 0',
      'halte_channel_configured{channel="sms"} 0',
      'halte_outbox_dispatcher_last_run_timestamp_seconds 0',
      'halte_sse_streams_open 0',
    ]) {
      expect(text).toContain(line)
    }
    expect(text).toMatch(/^halte_outbox_pending\{channel="push"\} [1-9]\d*$/m)
    expect(text).toMatch(/^halte_outbox_oldest_pending_seconds \d+$/m)
    expect(text).toMatch(/^halte_outbox_messages\{channel="push",result="pending"\} [1-9]\d*$/m)
    expect(text).toMatch(/^halte_alerts\{status="open"\} [1-9]\d*$/m)
    expect(text).toContain('# TYPE halte_transit_feed_expiring gauge')
  })

  it('a dispatcher tells when it last ran', async () => {
    const push = recordingPush()
    const runner = outboxRunner({ sql: t.db.sql, clock: { now: () => new Date() }, log: createLogger('silent', () => {}), push: push.sender })
    expect(runner.lastRunAt()).toBeNull()
    await runner.run()
    expect(runner.lastRunAt()).toBeInstanceOf(Date)
  })
})
