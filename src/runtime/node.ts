import { type AddressInfo, createServer } from 'node:net'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { resolve as resolvePath } from 'node:path'
import { serve } from '@hono/node-server'
import { createApp } from '../app.ts'
import { nodeWidgetAssets } from './widget-assets.ts'
import { type Config, loadConfig } from '../config.ts'
import type { Logger } from '../logger.ts'
import { Metrics } from '../http/metrics.ts'
import { outboxRunner } from '../notify/dispatcher.ts'
import { channelsOf, logChannels } from '../notify/health.ts'
import { nodeDocsAssets } from './docs-assets.ts'
import { twilioSender } from '../notify/twilio.ts'
import { webPushSender } from '../notify/web-push.ts'
import { localSignal } from '../realtime/signal.ts'
import { endStreams } from '../realtime/sse.ts'
import { JOBS } from '../schedule.ts'
import { systemClock } from '../services.ts'
import { resolveHashSecret } from './hash-secret.ts'
import { dataDirError } from './embedded.ts'
import { type Database, warmPool } from './database.ts'
import { startJobs } from './jobs.ts'
import { pgSignal } from './pg-signal.ts'
import { nodeLogger, prepareDatabase } from './prepare.ts'
import { StartupError } from './startup-error.ts'

export { nodeLogger, prepareDatabase }

export interface Running {
  url: string
  port: number
  db: Database
  log: Logger
  close(): Promise<void>
}

// How long a stop waits for requests under way before cutting their connections, and
// for sends under way before handing their outbox rows back.
const DRAIN_MS = 10_000
const OUTBOX_STOP_MS = 5_000


function portError(e: NodeJS.ErrnoException, host: string, port: number): Error {
  if (e.code === 'EADDRINUSE') {
    return new StartupError(
      `PORT ${port} is already in use on ${host}: stop what uses it or set PORT to a free port. / ` +
        `Le port ${port} (PORT) est déjà utilisé sur ${host} : arrêtez ce qui l’occupe ou choisissez un autre PORT.`,
    )
  }
  if (e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
    return new StartupError(
      `Cannot listen on ${host}:${port} (${e.code}): check PORT and HOST. / ` +
        `Impossible d’écouter sur ${host}:${port} (${e.code}) : vérifiez PORT et HOST.`,
    )
  }
  return e
}

// Fails in milliseconds on a busy port, before the embedded database spends seconds opening.
async function checkPort(host: string, port: number) {
  if (port === 0) return
  await new Promise<void>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (e) => reject(portError(e, host, port)))
    probe.listen(port, host, () => probe.close(() => resolve()))
  })
}

// Push and SMS are sent only where configured; elsewhere rows wait in the outbox.
export function notifySenders(config: Config) {
  const push =
    config.VAPID_PUBLIC_KEY && config.VAPID_PRIVATE_KEY
      ? webPushSender({
          publicKey: config.VAPID_PUBLIC_KEY,
          privateKey: config.VAPID_PRIVATE_KEY,
          subject: config.VAPID_SUBJECT ?? config.PUBLIC_BASE_URL ?? 'mailto:contact@halte.invalid',
          allowedHosts: config.HALTE_PUSH_ALLOWED_HOSTS,
        })
      : undefined
  const sms =
    config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN
      ? twilioSender({ accountSid: config.TWILIO_ACCOUNT_SID, authToken: config.TWILIO_AUTH_TOKEN, apiUrl: config.TWILIO_API_URL })
      : undefined
  return { push, sms }
}

// How long callbacks waited for the event loop: every request and stream of this process
// waits behind the slowest piece of synchronous work. The histogram is read and reset
// at each scrape, so each figure covers the time since the previous one.
function eventLoopDelayGauges(metrics: Metrics) {
  const h = monitorEventLoopDelay({ resolution: 10 })
  h.enable()
  let last = { p99: 0, max: 0 }
  let readAt = 0
  const read = () => {
    // Both gauges are rendered in one scrape: reset only once per scrape.
    if (performance.now() - readAt > 100) {
      last = { p99: h.percentile(99) / 1e9, max: h.max / 1e9 }
      h.reset()
      readAt = performance.now()
    }
    return last
  }
  metrics.gauge('halte_event_loop_delay_p99_seconds', 'Event-loop delay, 99th percentile since the previous scrape.', () => read().p99)
  metrics.gauge('halte_event_loop_delay_max_seconds', 'Event-loop delay, maximum since the previous scrape.', () => read().max)
  return h
}

// @hono/node-server hands each request its Node socket as c.env.incoming.
export const nodePeerAddress = (c: { env: unknown }) =>
  (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress

// `npm start`: open the database, apply pending migrations, serve.
// `alongside` starts what serves beside the HTTP server on the open database (the CLI's
// control socket): ready before "halte is listening", closed first at a stop.
export async function startNode(
  env: Record<string, string | undefined> = process.env,
  opts: { alongside?: (db: Database, log: Logger) => Promise<{ close(): Promise<void> } | undefined> } = {},
): Promise<Running> {
  const config = loadConfig(env)
  const log = nodeLogger(config)
  await checkPort(config.HOST, config.PORT)
  config.HALTE_HASH_SECRET = await resolveHashSecret(config, log).catch((e: unknown) => {
    throw dataDirError(e, resolvePath(config.HALTE_DATA_DIR)) ?? e
  })
  const db = await prepareDatabase(config, log)
  let beside: { close(): Promise<void> } | undefined
  try {
    beside = await opts.alongside?.(db, log)
  } catch (e) {
    await db.close()
    throw e
  }
  // Only for serving (CLI commands end before it would pay), on PostgreSQL (the embedded
  // database is one session). In the background: readiness need not wait for a few
  // hundred ms of connecting; a request that comes first opens its own session.
  if (db.kind === 'postgres') {
    for (const pool of [db.sql, db.search]) warmPool(pool, db.max).catch((err: unknown) => log.warn('database pool warm-up failed', { err }))
  }
  // The embedded database never delivers NOTIFY to socket clients: signal in-process.
  const signal = db.kind === 'embedded' ? localSignal() : pgSignal(db.sql)
  const senders = notifySenders(config)
  const outbox = outboxRunner({ sql: db.sql, clock: systemClock, log, ...senders })
  const metrics = new Metrics()
  const loopDelay = eventLoopDelayGauges(metrics)
  const app = createApp(
    { sql: db.sql, searchSql: db.search, probeSql: db.probe, clock: systemClock, logger: log, config, signal, ...senders, wakeOutbox: outbox.wake, peerAddress: nodePeerAddress },
    {
      metrics,
      dispatcher: outbox,
      docsAssets: nodeDocsAssets(),
      widgetAssets: nodeWidgetAssets((err) => log.error('widgets could not be built', { err })),
    },
  )
  let server: ReturnType<typeof serve>
  try {
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () => {
        s.off('error', reject)
        resolve(s)
      })
      s.once('error', (e: NodeJS.ErrnoException) => reject(portError(e, config.HOST, config.PORT)))
    })
  } catch (e) {
    // Taken in the meantime: the embedded database's lock must not outlive us.
    await beside?.close()
    await db.close()
    throw e
  }
  const context = { sql: db.sql, logger: log, signal, wakeOutbox: outbox.wake, channels: channelsOf(config) }
  const stopJobs = startJobs(
    [
      ...JOBS.map((job) => ({ name: job.name, everyMs: job.everyMs, run: () => job.run(context, systemClock.now()) })),
      // New messages wake it at once; the tick retries what failed and what another instance dropped.
      { name: 'outbox', everyMs: 2000, run: outbox.run },
    ],
    log,
  )
  const port = (server.address() as AddressInfo).port
  const host = config.HOST === '0.0.0.0' ? 'localhost' : config.HOST
  const url = `http://${host}:${port}`
  log.info('halte is listening', {
    url,
    docs: `${url}/docs`,
    database: db.kind === 'embedded' ? `embedded (${db.embedded!.dataDir})` : 'postgres',
  })
  await logChannels(db.sql, config, log).catch((err: unknown) => log.warn('delivery channel check failed', { err }))
  let closing: Promise<void> | undefined
  return {
    url,
    port,
    db,
    log,
    // Stops accepting, lets requests under way finish (streams end with a retry hint),
    // hands back the outbox rows this process claimed, then closes the database, which
    // releases the embedded one's lock.
    close: () => {
      closing ??= (async () => {
        const t0 = performance.now()
        log.info('halte is stopping', { url })
        await beside?.close()
        const http = server as unknown as { closeIdleConnections?(): void; closeAllConnections?(): void }
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        const streams = endStreams()
        // A keep-alive connection turns idle once its response is sent: close it then.
        http.closeIdleConnections?.()
        const idle = setInterval(() => http.closeIdleConnections?.(), 50)
        const cut = setTimeout(() => {
          log.warn('requests still under way after the drain delay: connections cut', { ms: DRAIN_MS })
          http.closeAllConnections?.()
        }, DRAIN_MS)
        await closed
        clearInterval(idle)
        clearTimeout(cut)
        const released = await outbox.stop(OUTBOX_STOP_MS).catch((err: unknown) => {
          log.warn('outbox claims not released (they free themselves when their lease ends)', { err })
          return 0
        })
        await stopJobs()
        loopDelay.disable()
        await db.close()
        log.info('halte stopped', { ms: Math.round(performance.now() - t0), streams_ended: streams, outbox_released: released })
      })()
      return closing
    },
  }
}
