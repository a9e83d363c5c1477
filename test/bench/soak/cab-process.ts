// The cab fleet's own process (see CabFleet in drivers.ts): thousands of screens are
// thousands of devices, not work on the generator's event loop, where their parsing
// and garbage collection delayed every request it timed. Driven by messages; times
// travel as epoch milliseconds (each process has its own performance.now origin).
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { type Backend, Balancer } from './load.ts'
import { Cabs, type FleetReport, type FromParent } from './drivers.ts'

const epoch = (t: number) => performance.timeOrigin + t
const backends = new Map<string, Backend>()
let cabs: Cabs | undefined
let lb: Balancer | undefined
const send = (m: unknown) => process.send!(m)
// Its own event-loop delay every 10 s: an event's arrival is stamped here, late by as much.
const loop = monitorEventLoopDelay({ resolution: 10 })
const loopSamples: FleetReport['loop'] = []
loop.enable()
setInterval(() => {
  loopSamples.push({ at: epoch(performance.now()), p99Ms: Math.round(loop.percentile(99) / 1e5) / 10, maxMs: Math.round(loop.max / 1e5) / 10 })
  loop.reset()
}, 10_000).unref()

process.on('message', async (m: FromParent) => {
  if (m.type === 'start') {
    for (const b of m.backends) backends.set(b.name, { ...b })
    lb = new Balancer([...backends.values()])
    cabs = new Cabs(lb, m.targets)
    await cabs.connectAll()
    send({ type: 'connected', open: cabs.counters.open })
  } else if (m.type === 'up') {
    const b = backends.get(m.name)
    if (b) b.up = m.up
  } else if (m.type === 'pause') cabs?.pause(m.vehicle, m.paused)
  else if (m.type === 'report' && cabs && lb) {
    const report: FleetReport = {
      seen: [...cabs.seen].map(([key, s]) => [key, epoch(s.firstAt), s.count]),
      wrong: cabs.wrong,
      counters: cabs.counters,
      streams: cabs.targets.map((t) => ({ vehicle: t.vehicle, cursor: cabs!.cursorOf(t.vehicle), history: cabs!.history(t.vehicle).map((h) => ({ ...h, at: epoch(h.at) })) })),
      samples: lb.samples.map((s) => ({ ...s, due: epoch(s.due) })),
      loop: loopSamples,
    }
    send({ type: 'report', report })
  } else if (m.type === 'close') {
    cabs?.close()
    lb?.close()
    process.disconnect()
  }
})
// The parent gone (a crashed soak): no orphan holding 5,000 sockets.
process.on('disconnect', () => process.exit(0))
