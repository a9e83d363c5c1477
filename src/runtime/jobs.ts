import type { Logger } from '../logger.ts'

// Background work of a Node instance (periodic refreshes, outbox draining…). Each job
// runs at start and then every `everyMs`, never overlapping itself; a failure is
// logged and retried at the next tick. Jobs must be safe to run on several instances
// at once (row locks, idempotent writes): every instance runs them.

export interface Job {
  name: string
  everyMs: number
  run(): Promise<unknown>
}

export function startJobs(jobs: Job[], log: Logger): () => Promise<void> {
  let stopped = false
  const running = new Set<Promise<unknown>>()
  const timers = jobs.map((job) => {
    let busy = false
    const tick = () => {
      if (busy || stopped) return
      busy = true
      const p = job
        .run()
        .then((result) => {
          if (result !== undefined && result !== 0) log.debug('job done', { job: job.name, result })
        })
        .catch((err: unknown) => log.error('job failed', { job: job.name, err }))
        .finally(() => {
          busy = false
          running.delete(p)
        })
      running.add(p)
    }
    queueMicrotask(tick)
    const timer = setInterval(tick, job.everyMs)
    timer.unref()
    return timer
  })
  return async () => {
    stopped = true
    for (const t of timers) clearInterval(t)
    await Promise.allSettled([...running])
  }
}
