import { percentile } from '../lib.ts'
import type { Window } from './faults.ts'
import type { Sample } from './load.ts'
import type { OutboxSample, ProcessSample, Probe } from './sample.ts'

// Turns what the run recorded into figures per period (calm, and each fault) and a
// pass/fail line per goal.

export interface Goal {
  goal: string
  pass: boolean
  figure: string
}

export const inWindow = (t: number, w: Window) => t >= w.from && t <= w.to + w.settle
export const calm = (t: number, windows: Window[], warmS: number) => t >= warmS && !windows.some((w) => inWindow(t, w))

const r1 = (v: number) => Math.round(v * 10) / 10

export function stats(xs: number[]) {
  if (xs.length === 0) return { n: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN }
  return { n: xs.length, p50: r1(percentile(xs, 50)), p99: r1(percentile(xs, 99)), max: r1(Math.max(...xs)) }
}

// Per kind of request: latency in calm periods and in each fault's window.
export function latencyRows(samples: Sample[], t0: number, windows: Window[], warmS: number) {
  const kinds = [...new Set(samples.map((s) => s.kind))]
  const rows: Record<string, string | number>[] = []
  for (const kind of kinds) {
    const mine = samples.filter((s) => s.kind === kind)
    const periods: [string, (t: number) => boolean][] = [['calm', (t) => calm(t, windows, warmS)], ...windows.map((w) => [w.name, (t: number) => inWindow(t, w)] as [string, (t: number) => boolean])]
    for (const [period, test] of periods) {
      const these = mine.filter((s) => test((s.due - t0) / 1000))
      if (these.length === 0) continue
      const ok = these.filter((s) => s.status > 0 && s.status < 500).map((s) => s.ms)
      const st = stats(ok)
      rows.push({
        kind,
        period,
        n: these.length,
        'p50 ms': st.p50,
        'p99 ms': st.p99,
        'max ms': st.max,
        'sent late p99 ms': r1(percentile(these.map((s) => s.lateMs), 99)),
        '5xx': these.filter((s) => s.status >= 500).length,
        'no answer': these.filter((s) => s.status === 0).length,
      })
    }
  }
  return rows
}

// Growth at a steady load, per process: within its longest run of samples after its warm-up
// whose open streams stay within 5 % (a killed instance's streams move to the other one,
// which then rightly holds more), the lowest value of the run's last third against the
// lowest of its first third. Lows, because memory rises and falls with each major
// collection (40 s apart, ±15 %): the lows follow what stays alive, where single samples
// land anywhere on that saw. Runs shorter than three minutes cannot tell a leak from the
// saw and are left out.
const MIN_STEADY_SAMPLES = 18
export function growth(samples: ProcessSample[], warmS: number, field: 'rssMiB' | 'fds' | 'dbConnections') {
  // Warm-up is per process: a restarted instance compiles and fills its caches again.
  const bornAt = new Map<number, number>()
  for (const s of samples) if (!bornAt.has(s.pid)) bornAt.set(s.pid, s.t)
  const byPid = new Map<number, ProcessSample[]>()
  for (const s of samples) if (s.t >= Math.max(warmS, bornAt.get(s.pid)! + warmS)) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s])
  const low = (xs: ProcessSample[]) => Math.min(...xs.map((s) => s[field]))
  const out: { instance: string; pid: number; from: number; to: number; first: number; last: number; growth: number }[] = []
  for (const [pid, list] of byPid) {
    const runs: ProcessSample[][] = []
    for (const s of list) {
      const run = runs.at(-1)
      const base = run?.[0]?.streams ?? 0
      if (run && Math.abs((s.streams ?? 0) - base) <= Math.max(5, base * 0.05)) run.push(s)
      else runs.push([s])
    }
    const steady = runs.reduce((a, b) => (b.length > a.length ? b : a), [])
    if (steady.length < MIN_STEADY_SAMPLES) continue
    const third = Math.floor(steady.length / 3)
    const first = low(steady.slice(0, third))
    const last = low(steady.slice(-third))
    out.push({ instance: steady[0]!.instance, pid, from: Math.round(steady[0]!.t), to: Math.round(steady.at(-1)!.t), first, last, growth: first > 0 ? last / first - 1 : 0 })
  }
  return out
}

export function probeFindings(probes: Probe[], dbDown: { from: number; to: number } | undefined, graceS: number) {
  const health = probes.filter((p) => p.path === '/healthz')
  const ready = probes.filter((p) => p.path === '/readyz')
  const downish = (t: number) => dbDown !== undefined && t >= dbDown.from && t <= dbDown.to + graceS
  // Ready again: when every instance first answered ready after the database was back
  // (a probe unanswered later, behind an instance's own load, is counted outside).
  const back = dbDown === undefined ? [] : [...new Set(ready.map((p) => p.instance))].map((i) => ready.find((p) => p.instance === i && p.t > dbDown.to && p.status === 200)?.t ?? Number.POSITIVE_INFINITY)
  const readyAgain = back.length ? Math.max(...back) : Number.NEGATIVE_INFINITY
  return {
    healthProbes: health.length,
    healthFailed: health.filter((p) => p.status !== 200).length,
    readyProbes: ready.length,
    ready503Outside: ready.filter((p) => p.status !== 200 && !downish(p.t)).length,
    ready503During: ready.filter((p) => p.status === 503 && downish(p.t)).length,
    readyAgainAfterS: dbDown && readyAgain > dbDown.to ? r1(readyAgain - dbDown.to) : 0,
  }
}

export function outboxRows(samples: OutboxSample[]) {
  return samples.map((s) => ({ 't s': Math.round(s.t), pending: s.pending ?? 'db down', 'oldest s': s.oldestS ?? '' }))
}

export function printGoals(goals: Goal[]) {
  console.log('\n## goals')
  for (const g of goals) console.log(`${g.pass ? 'PASS' : 'FAIL'}  ${g.goal} — ${g.figure}`)
}
