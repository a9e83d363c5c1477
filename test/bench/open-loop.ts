// An open-loop load generator: requests leave on a fixed schedule whatever the server
// does, and each latency is counted from the instant its request was due, not from when
// it went out. A closed loop (wrk, autocannon without a rate) waits for answers before
// asking again, so a slow server is asked less and its queueing never shows.
//
// Runs in its own process: `node --import tsx open-loop.ts <base> <rate/s> <seconds> <paths.json>`;
// prints one JSON line: { sent, done, failed, p50, p99, max, lag99 } (ms), lag99 being how
// late the generator itself sent (a machine too busy to send on time shows there).
import { Agent, request } from 'node:http'
import { readFileSync } from 'node:fs'

const [base, rateArg, secondsArg, pathsFile] = process.argv.slice(2)
const rate = Number(rateArg)
const seconds = Number(secondsArg)
const paths = JSON.parse(readFileSync(pathsFile!, 'utf8')) as string[]
const url = new URL(base!)
// Connections are opened before the clock starts and kept: opened during the run, in a
// burst after a stall, their SYNs may wait in a full accept queue and be sent again a
// second later, which measures TCP's retry timer rather than the server (seen: p99 of
// 1.9 s with a p50 of 7 ms). 64 at once is twice what the closed-loop run holds open.
const SOCKETS = 64
const agent = new Agent({ keepAlive: true, maxSockets: SOCKETS })
const latencies: number[] = []
const lags: number[] = []
let failed = 0
let sent = 0

function send(path: string, due: number): Promise<void> {
  lags.push(performance.now() - due)
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path, agent }, (res) => {
      res.resume()
      res.on('end', () => {
        if (res.statusCode === 200) latencies.push(performance.now() - due)
        else failed++
        resolve()
      })
    })
    req.on('error', () => {
      failed++
      resolve()
    })
    req.end()
  })
}

await Promise.all(Array.from({ length: SOCKETS }, (_, i) => send(paths[i % paths.length]!, performance.now())))
latencies.length = 0
lags.length = 0
failed = 0

const interval = 1000 / rate
const start = performance.now() + 50
const total = Math.round(rate * seconds)
const pending: Promise<void>[] = []
await new Promise<void>((resolve) => {
  const tick = () => {
    const now = performance.now()
    // Every request whose time has come leaves now, measured from its due time.
    while (sent < total && start + sent * interval <= now) {
      pending.push(send(paths[sent % paths.length]!, start + sent * interval))
      sent++
    }
    if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, start + sent * interval - performance.now())))
    else resolve()
  }
  setTimeout(tick, 50)
})
await Promise.all(pending)
agent.destroy()
const at = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return Math.round((s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? Number.NaN) * 100) / 100
}
console.log(JSON.stringify({ sent, done: latencies.length, failed, p50: at(latencies, 0.5), p99: at(latencies, 0.99), max: at(latencies, 1), lag99: at(lags, 0.99) }))
