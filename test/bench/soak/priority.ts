import { getPriority, setPriority } from 'node:os'

// The generator, the peers and the cabs stand for phones, push services and buses, each
// with processors of their own; here they share two cores with what they measure. When
// the machine's run queue made them wait, their clocks counted that wait against halte
// (the generator once sent 1 % of searches 12 ms late or more, and read answers late as
// well). So, where allowed, the harness runs ahead of halte in the queue: a few steps of
// `nice` above it. halte's instances and PostgreSQL keep the default priority, started
// through `nice` back down to it. The report says which way it ran.

const STEP = 5

let raisedBy = 0

// Raises this process (and what it forks from now on: the cabs' process) by STEP, if it may.
export function raiseHarness(): string {
  const before = getPriority()
  try {
    setPriority(before - STEP)
    raisedBy = STEP
    return `harness at nice ${before - STEP}, halte and PostgreSQL at ${before}`
  } catch {
    return `harness and halte at the same priority (nice ${before}; raising it needs CAP_SYS_NICE)`
  }
}

// The command line that runs `command` at halte's priority, whatever the harness's.
export function atServicePriority(command: string, args: string[]): [string, string[]] {
  return raisedBy ? ['nice', ['-n', String(raisedBy), command, ...args]] : [command, args]
}

