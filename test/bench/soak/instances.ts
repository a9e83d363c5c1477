import { CLI, type Child, runCommand } from '../../helpers/process.ts'
import { atServicePriority } from './priority.ts'

// halte instances as a city runs them: `halte serve` processes on one database, each
// with its own outbox dispatcher, behind a load balancer (see load.ts) that sends
// nothing to an instance it knows is down. Each keeps its port across restarts.
export class Instance {
  child: Child | undefined
  up = false
  // Every process this instance has been, for the report; `how` is 'SIGKILL' or
  // 'SIGTERM' when the soak stopped it, else how it ended by itself (a crash).
  lives: { pid: number; from: number; to?: number; how?: string; lastWords?: string }[] = []
  private stopping = false

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly nodeArgs: string[] = [],
  ) {}

  get origin() {
    return `http://127.0.0.1:${this.port}`
  }

  get pid() {
    return this.child?.proc.pid
  }

  async start() {
    const [command, args] = atServicePriority(process.execPath, [...this.nodeArgs, CLI, 'serve'])
    this.child = runCommand(command, args, { ...this.env, PORT: String(this.port), HOST: '127.0.0.1' })
    // Logs are kept at warn (an access line per request would fill memory over a night):
    // the instance is up when it answers.
    const child = this.child
    const t0 = performance.now()
    for (;;) {
      if (child.proc.exitCode !== null) throw new Error(`instance ${this.name} exited: ${child.output()}`)
      if (performance.now() - t0 > 90_000) throw new Error(`instance ${this.name} never answered: ${child.output()}`)
      const ok = await fetch(`${this.origin}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) break
      await new Promise((r) => setTimeout(r, 50))
    }
    const life: (typeof this.lives)[number] = { pid: this.child.proc.pid!, from: performance.now() }
    this.lives.push(life)
    this.up = true
    this.stopping = false
    // An exit nobody asked for: the balancer stops sending there, and the report says why.
    void child.exited.then((code) => {
      if (this.stopping || life.to !== undefined) return
      this.up = false
      Object.assign(life, { to: performance.now(), how: `exited by itself (${code ?? child.proc.signalCode})`, lastWords: child.output().split('\n').slice(-15).join('\n') })
    })
  }

  // SIGKILL: no drain, claims left to their lease. SIGTERM: the graceful stop.
  async stop(signal: 'SIGKILL' | 'SIGTERM') {
    this.up = false
    this.stopping = true
    const child = this.child
    if (!child) return
    const life = this.lives.at(-1)
    if (signal === 'SIGKILL') {
      child.proc.kill('SIGKILL')
      await child.exited
    } else await child.stop()
    if (life) Object.assign(life, { to: performance.now(), how: signal })
  }

  output() {
    return this.child?.output() ?? ''
  }
}
