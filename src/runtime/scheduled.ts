import type postgres from 'postgres'
import { escalateDue, eraseExpired } from '../alerts/jobs.ts'
import type { Logger } from '../logger.ts'
import { tidyPlacesIndex } from '../places/index-upkeep.ts'
import { refreshDuePeriods } from '../places/periods.ts'
import { coarsenOldDropoffs } from '../transit/dropoff-queries.ts'
import { expireEndedDropoffs } from '../transit/jobs.ts'

// The cron expressions of wrangler.toml: every minute, and on the hour.
export const EVERY_MINUTE = '* * * * *'
export const HOURLY = '0 * * * *'

// What a Node instance's timers do, for a deployment that runs only on Workers: an
// alert nobody acknowledged must still escalate, a drop-off request must still end
// with its trip, and precise locations must still be erased on time. Each job runs
// on its own: one failing does not keep the others from running. The messages these
// queue (push, SMS) wait in the outbox for a dispatcher.
export async function runScheduled(sql: postgres.Sql, log: Logger, cron: string, now: Date) {
  const jobs: [string, () => Promise<unknown>][] = [
    ['escalate-alerts', () => escalateDue(sql, now)],
    ['expire-ended-dropoffs', () => expireEndedDropoffs({ sql }, now)],
  ]
  if (cron === HOURLY) {
    jobs.push(
      ['refresh-open-periods', () => refreshDuePeriods(sql, now)],
      ['tidy-places-index', () => tidyPlacesIndex(sql)],
      ['coarsen-old-dropoffs', () => coarsenOldDropoffs(sql, now)],
      ['erase-expired-alerts', () => eraseExpired(sql, now)],
    )
  }
  for (const [job, run] of jobs) {
    try {
      await run()
    } catch (err) {
      log.error('job failed', { job, err })
    }
  }
}
