// A bad night, all at once (`npm run bench -- soak`; SOAK_SECONDS, 600 by default;
// SOAK_INSTANCES, 2): halte instances on the real PostgreSQL, the real push service
// (TLS, VAPID checked, payloads decrypted) and a Twilio REST peer on loopback, an
// open-loop load of every kind of request, and the faults of faults.ts on schedule.
// Prints latency per period, delivery accounting, resources over time and a PASS/FAIL
// line per goal. test/soak/soak.test.ts runs a one-minute version with loose bounds.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import webpush from 'web-push'
import { ensureSchema } from '../../../src/runtime/database.ts'
import { migrateFromDisk } from '../../../src/runtime/migrations.ts'
import { tcpProxy } from '../../helpers/proxy.ts'
import { type PushPeer, startPushPeer } from '../../helpers/push-peer.ts'
import { freePort, printTable } from '../lib.ts'
import { CabFleet } from './drivers.ts'
import { describePlan, plan, restartDatabase, type Window } from './faults.ts'
import { Instance } from './instances.ts'
import { Balancer, schedule } from './load.ts'
import { Consoles } from './operators.ts'
import { account, type Limits, judge } from './outcome.ts'
import { Sampler } from './sample.ts'
import { Traffic } from './traffic.ts'
import { startTwilioPeer, type TwilioPeer } from './twilio-peer.ts'
import { buildWorld, type WorldSize } from './world.ts'
import { raiseHarness } from './priority.ts'

export interface SoakOptions {
  seconds: number
  instances: number
  size: WorldSize
  // Requests per second by kind.
  rates: { nearest: number; bbox: number; webAlerts: number; smsAlerts: number; dropoffs: number; partnerEdits: number; badInputs: number }
  // 'cluster': the real PostgreSQL is restarted (a machine of its own); 'proxy': the
  // instances reach it through a loopback proxy that is cut (a shared one, as in CI).
  dbRestart: 'cluster' | 'proxy'
  limits: Limits
  sampleEveryS: number
  // Node flags for the instances (e.g. --cpu-prof, to see where their time goes).
  nodeArgs?: string[]
}

const REAL_PG = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const SID = 'AC5a0c5a0c5a0c5a0c5a0c5a0c5a0c5a0c'
const TWILIO_TOKEN = 'soak-twilio-auth-token'
const PUBLIC_BASE = 'https://halte.soak.example'
const METRICS_TOKEN = 'soak-metrics-scraper-token'

export const FULL: SoakOptions = {
  seconds: Number(process.env.SOAK_SECONDS ?? 600),
  instances: Number(process.env.SOAK_INSTANCES ?? 2),
  size: { places: 100_000, partners: 1000, operators: 50, operatorSubscriptions: 5, drivers: 5000 },
  rates: { nearest: 200, bbox: 10, webAlerts: 2, smsAlerts: 1, dropoffs: 20, partnerEdits: 2, badInputs: 5 },
  dbRestart: process.env.SOAK_DB_RESTART === 'proxy' ? 'proxy' : 'cluster',
  // The issue's goals.
  limits: { nearestP99Ms: 25, pushesCalmP99Ms: 1000, pushesAfterOutageP99Ms: 5000, dropoffEventP99Ms: 200, growth: 0.1, readyGraceS: 5 },
  sampleEveryS: 10,
  nodeArgs: process.env.SOAK_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// Until no instance is opening a stream (halte_sse_streams_opening), at most a minute.
async function streamsSettled(instances: Instance[], token: string) {
  const opening = async (i: Instance) => {
    const text = await fetch(`${i.origin}/metrics`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text(), () => '')
    return Number(/^halte_sse_streams_opening (\d+)$/m.exec(text)?.[1] ?? Number.NaN)
  }
  const until = performance.now() + 60_000
  while (performance.now() < until) {
    const n = await Promise.all(instances.map(opening))
    if (n.every((x) => x === 0)) return
    await sleep(200)
  }
}

export async function soak(o: SoakOptions) {
  const schema = `soak_${Date.now()}`
  const dir = mkdtempSync(join(tmpdir(), 'halte-soak-'))
  const sql = postgres(REAL_PG, { max: 4, onnotice: () => {}, connection: { search_path: `${schema},public` } })
  const admin = postgres(REAL_PG, { max: 1, onnotice: () => {} })
  const cleanups: (() => unknown)[] = []
  try {
    await ensureSchema(sql, schema)
    await migrateFromDisk(sql)
    const push: PushPeer = await startPushPeer()
    cleanups.push(() => push.close())
    const sms: TwilioPeer = await startTwilioPeer(SID, TWILIO_TOKEN)
    cleanups.push(() => sms.close())
    writeFileSync(join(dir, 'ca.pem'), push.ca)
    const vapid = webpush.generateVAPIDKeys()
    const pg = new URL(REAL_PG)
    const proxy = o.dbRestart === 'proxy' ? await tcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) }) : undefined
    if (proxy) cleanups.push(() => proxy.close())
    const appUrl = proxy ? Object.assign(new URL(REAL_PG), { port: String(proxy.port) }).toString() : REAL_PG
    const env: Record<string, string> = {
      DATABASE_URL: appUrl,
      HALTE_DB_SCHEMA: schema,
      LOG_LEVEL: 'warn',
      HALTE_TRUSTED_PROXIES: '127.0.0.1',
      HALTE_PUSH_ALLOWED_HOSTS: push.host,
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: 'mailto:soak@halte.example',
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      TWILIO_API_URL: sms.url,
      PUBLIC_BASE_URL: PUBLIC_BASE,
      HALTE_HASH_SECRET: 'soak-hash-secret-soak-hash-secret-0123',
      HALTE_METRICS_TOKEN: METRICS_TOKEN,
    }
    const tSetup = performance.now()
    const world = await buildWorld(sql, { ...env, DATABASE_URL: REAL_PG }, o.size, push, vapid.publicKey)
    console.log(
      `setup in ${Math.round((performance.now() - tSetup) / 1000)} s: ${o.size.places} refuges, ${world.partners.length} partners and ${world.operatorSubscriptions} operators with push subscriptions, ${world.drivers.length} cabs${world.noDrivers ? ` (${world.noDrivers})` : ''}`,
    )
    console.log(raiseHarness())
    const instances: Instance[] = []
    for (let i = 0; i < o.instances; i++) instances.push(new Instance(String.fromCharCode(65 + i), await freePort(), env, o.nodeArgs ?? []))
    cleanups.push(() => Promise.all(instances.map((i) => i.stop('SIGTERM'))))
    await Promise.all(instances.map((i) => i.start()))
    const lb = new Balancer(instances)
    cleanups.push(() => lb.close())
    const cabs = new CabFleet(lb, world.drivers)
    cleanups.push(() => cabs.close())
    const consoles = new Consoles(lb, world.slug, world.operators)
    cleanups.push(() => consoles.close())
    const tStreams = performance.now()
    await Promise.all([cabs.connectAll(), consoles.connectAll()])
    // A stream answers its headers at once and reads its backlog after: the night starts
    // once every screen's first read is done, not in the middle of 5,000 of them.
    await streamsSettled(instances, METRICS_TOKEN)
    console.log(`${cabs.counters.open} driver and ${consoles.counters.open} operator streams open in ${Math.round(performance.now() - tStreams) / 1000} s`)

    const p = plan(o.seconds)
    console.log(`\nfault schedule (s after the load starts):\n  ${describePlan(p).join('\n  ')}`)
    const traffic = new Traffic(lb, world.slug, world.partners, world.drivers, TWILIO_TOKEN, PUBLIC_BASE)
    const t0 = performance.now()
    const at = () => (performance.now() - t0) / 1000
    const sampler = new Sampler(instances, sql, Number(new URL(appUrl).port || 5432), METRICS_TOKEN, t0)
    sampler.extraPids = () => [push.pid, ...(cabs.pid ? [cabs.pid] : [])]
    sampler.start(o.sampleEveryS)
    cleanups.push(() => sampler.stop())
    const end = t0 + o.seconds * 1000
    const over = () => performance.now() >= end
    // Requests under way, each until it settles: kept for the drain, but not their answers
    // (a 10-minute run answers ~150,000 requests; held, the generator's own heap grew and
    // its garbage collections delayed the requests it was sending).
    const pending = new Set<Promise<void>>()
    const keep = (x: Promise<unknown>) => {
      const settled: Promise<void> = x.then(
        () => {
          pending.delete(settled)
        },
        () => {
          pending.delete(settled)
        },
      )
      pending.add(settled)
    }
    const r = o.rates
    const loads = [
      schedule(r.nearest, (k, due) => keep(traffic.nearest(k, due)), over),
      schedule(r.bbox, (k, due) => keep(traffic.bbox(k, due)), over),
      schedule(r.webAlerts, (k, due) => keep(traffic.webAlert(k, due)), over),
      schedule(r.smsAlerts, (k, due) => keep(traffic.smsAlert(k, due)), over),
      schedule(r.partnerEdits, (k, due) => keep(traffic.partnerEdit(k, due)), over),
      schedule(r.badInputs, (k, due) => keep(traffic.bad(k, due)), over),
      ...(world.drivers.length ? [schedule(r.dropoffs, (k, due) => keep(traffic.dropoff(k, due)), over)] : []),
    ]

    // The faults, in order; each window is what the report compares with calm periods.
    const windows: Window[] = []
    const leftClaims: number[] = []
    let dbDown: { from: number; to: number } | undefined
    const faults = (async () => {
      const until = async (s: number) => {
        const wait = t0 + s * 1000 - performance.now()
        if (wait > 0) await sleep(wait)
      }
      await until(p.burst.at)
      const burstFrom = at()
      await Promise.all(Array.from({ length: p.burst.searches }, (_, k) => traffic.nearest(k, performance.now(), 'nearest (burst)')))
      windows.push({ name: 'burst of 500 searches', from: burstFrom, to: at(), settle: 2 })

      await until(p.slow.at)
      const slowCab = world.drivers[0]
      if (slowCab) {
        cabs.pause(slowCab.vehicle, true)
        const slowFrom = at()
        // Requests keep coming for the frozen screen while it reads nothing.
        const stopAt = performance.now() + p.slow.s * 1000
        void (async () => {
          for (let k = 0; performance.now() < stopAt; k++) {
            keep(traffic.dropoff(100_000 + k, performance.now(), slowCab))
            await sleep(1000)
          }
          cabs.pause(slowCab.vehicle, false)
          windows.push({ name: 'slow consumer', from: slowFrom, to: at(), settle: 2 })
        })()
      }

      await until(p.push500.at)
      const pushFrom = at()
      push.setFault({ status: 500 })
      await sleep(p.push500.s * 1000)
      push.setFault({ status: 429, retryAfterS: p.push429.retryAfterS })
      await sleep(p.push429.s * 1000)
      push.setFault(null)
      windows.push({ name: 'push service 500 then 429', from: pushFrom, to: at(), settle: 5 })

      await until(p.dbRestart.at)
      const down = await restartDatabase(
        proxy ? { cut: () => proxy.cut(), restore: () => proxy.restore(), downS: p.dbRestart.downS } : { command: ['pg_ctlcluster', '--skip-systemctl-redirect', '15', 'main', 'restart'] },
        appUrl,
      )
      dbDown = { from: (down.downFrom - t0) / 1000, to: (down.downTo - t0) / 1000 }
      windows.push({ name: 'database restart', ...dbDown, settle: 5 })

      const victim = instances[instances.length - 1]!
      await until(p.sigkill.at)
      // Mid-batch: alerts raised on the victim wake its dispatcher, which claims their
      // messages and starts sending; the kill lands while those sends are under way.
      const killFrom = at()
      await Promise.all(Array.from({ length: 5 }, (_, k) => traffic.webAlert(200_000 + k, performance.now())))
      await sleep(15)
      await victim.stop('SIGKILL')
      const [claims] = await sql<{ n: number }[]>`select count(*)::int as n from outbox where status = 'pending' and locked_until > now()`.catch(() => [{ n: -1 }])
      leftClaims.push(claims!.n)
      await sleep(p.sigkill.restartAfterS * 1000)
      await victim.start()
      // The killed dispatcher's claims come back when their lease (30 s) runs out.
      windows.push({ name: 'SIGKILL mid-batch', from: killFrom, to: at(), settle: 35 })

      await until(p.restart.at)
      const restartFrom = at()
      await victim.stop('SIGTERM')
      await sleep(p.restart.restartAfterS * 1000)
      await victim.start()
      windows.push({ name: 'instance stopped and restarted', from: restartFrom, to: at(), settle: 10 })
    })()

    await Promise.all(loads)
    await faults
    const loadS = at()
    // Drain: what is owed is delivered, or the report says what is missing.
    const drainUntil = performance.now() + 90_000
    await Promise.all([...pending])
    for (;;) {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from outbox where status = 'pending'`.catch(() => [{ n: 1 }])
      if (row!.n === 0 || performance.now() > drainUntil) break
      await sleep(500)
    }
    await sleep(3000)
    await sampler.sample()
    sampler.stop()
    await cabs.collect()
    console.log(`\nload ran ${Math.round(loadS)} s; drained ${Math.round(at() - loadS)} s after`)

    const warmS = Math.min(60, o.seconds / 10)
    const outcome = await account({ instances, sql, t0, windows, warmS, world, traffic, cabs, consoles, push, sms, lb, sampler, leftClaims, dbDown })
    const goals = judge(outcome, o.limits)
    return { outcome, goals, windows }
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {})
    await sql.end({ timeout: 2 }).catch(() => {})
    await admin`drop schema if exists ${admin(schema)} cascade`.catch(() => {})
    await admin.end({ timeout: 2 }).catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function run() {
  const probe = postgres(REAL_PG, { max: 1, onnotice: () => {} })
  const reachable = await probe`select 1`.then(
    () => true,
    (e: Error) => {
      console.log(`(real PostgreSQL at ${REAL_PG} not reachable: soak skipped — ${e.message})`)
      return false
    },
  )
  await probe.end({ timeout: 1 })
  if (!reachable) return
  const o = { ...FULL }
  if (o.dbRestart === 'cluster' && !existsSync('/usr/bin/pg_ctlcluster')) {
    console.log('(no pg_ctlcluster here: the database restart is simulated by cutting a proxy)')
    o.dbRestart = 'proxy'
  }
  const { goals } = await soak(o)
  printTable('goals', goals.map((g) => ({ result: g.pass ? 'PASS' : 'FAIL', goal: g.goal, figure: g.figure })))
}
