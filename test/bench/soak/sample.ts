import { execFile } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { promisify } from 'node:util'
import type { Sql } from 'postgres'
import type { Instance } from './instances.ts'

// What the report follows over time: per instance process, its memory, open file
// descriptors, database connections and event-loop delay; for the database, the
// outbox's depth and the age of its oldest message. And the probes a load balancer
// and an orchestrator make: /healthz and /readyz of every instance that is up.
// Every read of the system is asynchronous: the generator's event loop times every
// request, and a synchronous `ss` over ten thousand sockets stalled it for 100–250 ms.

export interface ProcessSample {
  t: number // s since the load started
  instance: string
  pid: number
  rssMiB: number
  fds: number
  dbConnections: number
  loopP99Ms: number | null
  loopMaxMs: number | null
  streams: number | null
}

// CPU seconds used since the previous sample, per process group: the instances, the
// database's processes, this generator (with its peers' processes) and the machine.
export interface CpuSample {
  t: number
  instances: number
  database: number
  generator: number
  machineBusy: number
  machineTotal: number
  // This generator's own event-loop delay: every latency it reports is late by as much.
  generatorLoopP99Ms: number
  generatorLoopMaxMs: number
}

export interface OutboxSample {
  t: number
  pending: number | null
  oldestS: number | null
}

export interface Probe {
  t: number
  instance: string
  path: '/healthz' | '/readyz'
  status: number // 0: no answer within 2 s
}

// Sockets of each process to the database port, from the kernel's table.
async function dbConnectionsByPid(port: number): Promise<Map<number, number>> {
  const counts = new Map<number, number>()
  try {
    const { stdout: out } = await promisify(execFile)('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8', maxBuffer: 64 << 20 })
    for (const m of out.matchAll(/pid=(\d+)/g)) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1)
  } catch {}
  return counts
}

const TICK = 100 // USER_HZ on Linux

async function cpuOf(pid: number | string): Promise<number> {
  try {
    const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK
  } catch {
    return 0
  }
}

async function databaseCpu(): Promise<number> {
  const pids = (await readdir('/proc')).filter((pid) => /^\d+$/.test(pid))
  const each = await Promise.all(
    pids.map(async (pid) => ((await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === 'postgres' ? cpuOf(pid) : 0)),
  )
  return each.reduce((a, b) => a + b, 0)
}

async function machineCpu() {
  const f = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  const idle = f[3]! + f[4]!
  const total = f.reduce((a, b) => a + b, 0)
  return { busy: (total - idle) / TICK, total: total / TICK }
}

function metric(text: string, name: string): number | null {
  const m = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text)
  return m ? Number(m[1]) : null
}

export class Sampler {
  readonly processes: ProcessSample[] = []
  readonly outbox: OutboxSample[] = []
  readonly probes: Probe[] = []
  readonly cpu: CpuSample[] = []
  private timers: NodeJS.Timeout[] = []
  private readonly loop = monitorEventLoopDelay({ resolution: 10 })
  private lastCpu: { instances: Map<number, number>; database: number; generator: number; busy: number; total: number } | undefined

  constructor(
    private readonly instances: Instance[],
    private readonly sql: Sql,
    private readonly dbPort: number,
    private readonly metricsToken: string,
    private readonly t0: number,
  ) {}

  private now() {
    return (performance.now() - this.t0) / 1000
  }

  // Processes that died since the last sample took their CPU seconds with them: counted
  // from what they had at the previous sample, so a restart reads as no use, not as a gap.
  private async sampleCpu(t: number) {
    const instances = new Map<number, number>()
    for (const i of this.instances) if (i.pid) instances.set(i.pid, await cpuOf(i.pid))
    const own = process.cpuUsage()
    let children = 0
    for (const pid of this.extraPids()) children += await cpuOf(pid)
    const now = { instances, database: await databaseCpu(), generator: (own.user + own.system) / 1e6 + children, ...(await machineCpu()) }
    const prev = this.lastCpu
    if (prev) {
      let inst = 0
      for (const [pid, v] of now.instances) inst += v - (prev.instances.get(pid) ?? 0)
      this.cpu.push({
        t,
        instances: inst,
        database: now.database - prev.database,
        generator: now.generator - prev.generator,
        machineBusy: now.busy - prev.busy,
        machineTotal: now.total - prev.total,
        generatorLoopP99Ms: Math.round(this.loop.percentile(99) / 1e5) / 10,
        generatorLoopMaxMs: Math.round(this.loop.max / 1e5) / 10,
      })
    }
    this.loop.reset()
    this.lastCpu = now
  }

  // The peers' and the cabs' own processes, counted with the generator.
  extraPids: () => number[] = () => []

  async sample() {
    const t = this.now()
    await this.sampleCpu(t)
    const conns = await dbConnectionsByPid(this.dbPort)
    for (const i of this.instances) {
      const pid = i.pid
      if (!i.up || !pid) continue
      try {
        const rssKb = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
        const fds = (await readdir(`/proc/${pid}/fd`)).length
        const text = await fetch(`${i.origin}/metrics`, { headers: { authorization: `Bearer ${this.metricsToken}` }, signal: AbortSignal.timeout(5000) }).then(
          (r) => r.text(),
          () => '',
        )
        const p99 = metric(text, 'halte_event_loop_delay_p99_seconds')
        const max = metric(text, 'halte_event_loop_delay_max_seconds')
        this.processes.push({
          t,
          instance: i.name,
          pid,
          rssMiB: Math.round(rssKb / 1024),
          fds,
          dbConnections: conns.get(pid) ?? 0,
          loopP99Ms: p99 === null ? null : Math.round(p99 * 10000) / 10,
          loopMaxMs: max === null ? null : Math.round(max * 10000) / 10,
          streams: metric(text, 'halte_sse_streams_open'),
        })
      } catch {}
    }
    const [row] = await this.sql<{ pending: number; oldest: number | null }[]>`
      select count(*)::int as pending, extract(epoch from now() - min(created_at))::float8 as oldest
      from outbox where status = 'pending'`.catch(() => [])
    this.outbox.push({ t, pending: row?.pending ?? null, oldestS: row?.oldest === null || row === undefined ? null : Math.round(row.oldest * 10) / 10 })
  }

  private async probe() {
    const t = this.now()
    await Promise.all(
      this.instances
        .filter((i) => i.up)
        .flatMap((i) =>
          (['/healthz', '/readyz'] as const).map(async (path) => {
            const status = await fetch(`${i.origin}${path}`, { signal: AbortSignal.timeout(2000) }).then(
              (r) => {
                void r.body?.cancel()
                return r.status
              },
              () => 0,
            )
            // An instance stopped while the probe was out is not a failed probe.
            if (i.up) this.probes.push({ t, instance: i.name, path, status })
          }),
        ),
    )
  }

  start(everyS: number) {
    this.loop.enable()
    this.timers.push(setInterval(() => void this.sample(), everyS * 1000))
    this.timers.push(setInterval(() => void this.probe(), 250))
  }

  stop() {
    this.loop.disable()
    for (const t of this.timers) clearInterval(t)
  }
}
