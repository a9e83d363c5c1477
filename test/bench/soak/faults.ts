import { spawn } from 'node:child_process'
import { atServicePriority } from './priority.ts'
import postgres from 'postgres'

// The night's faults, on a schedule scaled to the run's length: a 10-minute run has
// them at the times the issue asks; a short one keeps their order and proportions with
// floors long enough to mean something.

export interface Window {
  name: string
  from: number // s since the load started
  to: number
  // How long after `to` requests still feel it (queues draining, reconnections).
  settle: number
}

export interface Plan {
  burst: { at: number; searches: number }
  slow: { at: number; s: number }
  push500: { at: number; s: number }
  push429: { s: number; retryAfterS: number }
  dbRestart: { at: number; downS: number }
  sigkill: { at: number; restartAfterS: number }
  restart: { at: number; restartAfterS: number }
}

export function plan(seconds: number): Plan {
  const f = seconds / 600
  const t = (s: number) => Math.round(s * f * 10) / 10
  return {
    burst: { at: t(60), searches: 500 },
    slow: { at: t(90), s: Math.max(10, t(120)) },
    push500: { at: t(150), s: Math.max(6, t(30)) },
    push429: { s: Math.max(4, t(15)), retryAfterS: seconds >= 300 ? 5 : 2 },
    dbRestart: { at: t(270), downS: Math.max(2, t(5)) },
    sigkill: { at: t(360), restartAfterS: Math.max(2, t(5)) },
    restart: { at: t(450), restartAfterS: Math.max(2, t(10)) },
  }
}

export function describePlan(p: Plan): string[] {
  return [
    `${p.burst.at} s: a burst of ${p.burst.searches} concurrent searches`,
    `${p.slow.at} s: one driver stream stops reading for ${p.slow.s} s`,
    `${p.push500.at} s: the push service answers 500 for ${p.push500.s} s, then 429 (Retry-After ${p.push429.retryAfterS} s) for ${p.push429.s} s`,
    `${p.dbRestart.at} s: PostgreSQL restarted`,
    `${p.sigkill.at} s: an instance (and its dispatcher) killed with SIGKILL mid-batch, restarted ${p.sigkill.restartAfterS} s later`,
    `${p.restart.at} s: an instance stopped (SIGTERM), restarted ${p.restart.restartAfterS} s later`,
  ]
}

// PostgreSQL goes away and comes back: the real cluster restarted, or (where this run
// must not touch a shared server) the loopback proxy the instances connect through cut
// and restored. Resolves with the seconds it was down, measured by connecting.
export async function restartDatabase(
  how: { command: string[] } | { cut(): Promise<void>; restore(): Promise<void>; downS: number },
  url: string,
): Promise<{ downFrom: number; downTo: number }> {
  const downFrom = performance.now()
  if ('command' in how) {
    await new Promise<void>((resolve, reject) => {
      // PostgreSQL restarted at its own priority, not the harness's (priority.ts).
      const p = spawn(...atServicePriority(how.command[0]!, how.command.slice(1)), { stdio: 'ignore' })
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${how.command.join(' ')} exited ${code}`))))
      p.on('error', reject)
    })
  } else {
    await how.cut()
    await new Promise((r) => setTimeout(r, how.downS * 1000))
    await how.restore()
  }
  // Up again when a new session can run a query.
  for (;;) {
    const probe = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} })
    const ok = await probe`select 1`.then(
      () => true,
      () => false,
    )
    await probe.end({ timeout: 1 }).catch(() => {})
    if (ok) break
    await new Promise((r) => setTimeout(r, 100))
  }
  return { downFrom, downTo: performance.now() }
}
