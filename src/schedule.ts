import type { Sql } from 'postgres'
import { announceAlert } from './alerts/channel.ts'
import { escalateDue, eraseExpired } from './alerts/jobs.ts'
import type { Logger } from './logger.ts'
import type { Channels } from './notify/health.ts'
import { tidyPlacesIndex } from './places/index-upkeep.ts'
import { refreshDuePeriods } from './places/periods.ts'
import { afterCommit } from './realtime/after-commit.ts'
import { eraseReportContacts } from './reports/queries.ts'
import type { Services } from './services.ts'
import { coarsenOldDropoffs } from './transit/dropoff-queries.ts'
import { expireEndedDropoffs } from './transit/jobs.ts'
import { recordRetentionRun } from './rights/queries.ts'

// The background work halte needs wherever it runs, declared once: a Node instance
// runs each on a timer (`everyMs`), Workers on the cron triggers of wrangler.toml
// (`cron`). Each job is safe on several instances at once (row locks, idempotent
// writes), and the messages it queues wait in the outbox for a dispatcher.

// The cron expressions of wrangler.toml: every minute, and on the hour.
export const EVERY_MINUTE = '* * * * *'
export const HOURLY = '0 * * * *'

// channels: which delivery channels are configured, where the runtime knows (an
// escalation queued on a missing one reaches no one).
export type JobContext = { sql: Sql; logger: Logger; channels?: Channels } & Pick<Services, 'signal' | 'wakeOutbox'>

export interface ScheduledJob {
  name: string
  everyMs: number
  cron: typeof EVERY_MINUTE | typeof HOURLY
  run(x: JobContext, now: Date): Promise<unknown>
}

const HOUR = 3600_000

export const JOBS: ScheduledJob[] = [
  // An alert nobody acknowledged escalates (to operators again, then the on-call phone).
  {
    name: 'escalate-alerts',
    everyMs: 5000,
    cron: EVERY_MINUTE,
    run: async (x, now) => {
      const escalated = await escalateDue(x.sql, now, x.channels)
      for (const a of escalated.filter((e) => !e.reached)) {
        x.logger.error('alert escalation reached no one', { alert_id: a.id, network: a.slug })
      }
      for (const a of escalated) await afterCommit(x.logger, 'alert escalated', () => announceAlert(x, a.network_id, a.id))
      return escalated.length
    },
  },
  // Requests on trips that are over, where no bus reported passing the point.
  { name: 'expire-ended-dropoffs', everyMs: 60_000, cron: EVERY_MINUTE, run: (x, now) => expireEndedDropoffs(x, now) },
  // Keeps every active place's open periods materialised ahead of now.
  { name: 'refresh-open-periods', everyMs: HOUR, cron: HOURLY, run: (x, now) => refreshDuePeriods(x.sql, now) },
  // Those refreshes rewrite rows and loosen the index the searches walk.
  { name: 'tidy-places-index', everyMs: HOUR, cron: HOURLY, run: (x) => tidyPlacesIndex(x.sql) },
  // Retention: each run is recorded with its counts for the ethics committee (the alerts'
  // job records its own, in its transaction).
  {
    name: 'coarsen-old-dropoffs',
    everyMs: HOUR,
    cron: HOURLY,
    run: (x, now) => recorded(x, 'coarsen-old-dropoffs', 'dropoffs_coarsened', now, () => coarsenOldDropoffs(x.sql, now)),
  },
  { name: 'erase-expired-alerts', everyMs: HOUR, cron: HOURLY, run: (x, now) => eraseExpired(x.sql, now) },
  // Residents' contacts on their reports, past the same retention period; the reports stay.
  {
    name: 'erase-report-contacts',
    everyMs: HOUR,
    cron: HOURLY,
    run: (x, now) => recorded(x, 'erase-report-contacts', 'report_contacts_erased', now, () => eraseReportContacts(x.sql, now)),
  },
]

async function recorded(x: JobContext, job: string, what: string, now: Date, run: () => Promise<number>) {
  const n = await run()
  await recordRetentionRun(x.sql, job, { [what]: n }, now)
  return n
}

// The jobs a cron trigger runs: the hourly trigger runs the every-minute jobs too
// (Workers fires one trigger per scheduled event).
export const jobsForCron = (cron: string) => JOBS.filter((j) => j.cron === EVERY_MINUTE || cron === HOURLY)
