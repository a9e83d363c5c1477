import type postgres from 'postgres'
import type { Logger } from '../logger.ts'
import type { Channels } from '../notify/health.ts'
import { jobsForCron } from '../schedule.ts'
import { withPorts } from '../services.ts'

export { EVERY_MINUTE, HOURLY } from '../schedule.ts'

// The jobs of a cron trigger, for a deployment that runs only on Workers: an alert
// nobody acknowledged must still escalate, a drop-off request must still end with its
// trip, and precise locations must still be erased on time. Each job runs on its own:
// one failing does not keep the others from running.
// `channels`: which delivery channels the deployment configures (an escalation queued on
// a missing one reaches no one, and is said so).
export async function runScheduled(sql: postgres.Sql, log: Logger, cron: string, now: Date, channels?: Channels) {
  for (const job of jobsForCron(cron)) {
    try {
      await job.run(withPorts({ sql, logger: log, channels }), now)
    } catch (err) {
      log.error('job failed', { job: job.name, err })
    }
  }
}
