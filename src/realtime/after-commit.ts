import type { Logger } from '../logger.ts'

// What follows a commit: waking streams and the outbox dispatcher. The fact is stored
// and the answer is owed (an alert's access token, a rider's request): a wake-up that
// fails only delays delivery, which streams' polls and the dispatcher's tick make good.
// So it is logged, and never turns a stored request into an error.
export async function afterCommit(log: Pick<Logger, 'warn'> | undefined, what: string, effect: () => unknown): Promise<void> {
  try {
    await effect()
  } catch (err) {
    log?.warn('after-commit wake-up failed; polling will deliver it', { what, err })
  }
}
