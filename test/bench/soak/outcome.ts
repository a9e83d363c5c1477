import type { Sql } from 'postgres'
import type { PushPeer } from '../../helpers/push-peer.ts'
import { printTable } from '../lib.ts'
import type { CabFleet } from './drivers.ts'
import type { Window } from './faults.ts'
import type { Balancer } from './load.ts'
import type { Consoles } from './operators.ts'
import { calm, type Goal, growth, inWindow, latencyRows, outboxRows, printGoals, probeFindings, stats } from './report.ts'
import type { Instance } from './instances.ts'
import type { Sampler } from './sample.ts'
import type { Traffic } from './traffic.ts'
import type { TwilioPeer } from './twilio-peer.ts'
import type { World } from './world.ts'

// Every alert's pushes and SMS, every drop-off's event: what was owed, what arrived,
// when; then the goals judged on it.

export interface Limits {
  nearestP99Ms: number
  pushesCalmP99Ms: number
  pushesAfterOutageP99Ms: number
  dropoffEventP99Ms: number
  growth: number
  readyGraceS: number
}

interface Inputs {
  instances: Instance[]
  sql: Sql
  t0: number
  windows: Window[]
  warmS: number
  world: World
  traffic: Traffic
  cabs: CabFleet
  consoles: Consoles
  push: PushPeer
  sms: TwilioPeer
  lb: Balancer
  sampler: Sampler
  leftClaims: number[]
  dbDown: { from: number; to: number } | undefined
}

export type Outcome = Awaited<ReturnType<typeof account>>

const r2 = (v: number) => Math.round(v * 100) / 100

export async function account(x: Inputs) {
  const { sql, t0, windows, warmS } = x
  const sec = (ms: number) => (ms - t0) / 1000
  const latency = latencyRows(x.lb.samples, t0, windows, warmS)
  printTable('latency by kind of request and period (from each request’s due time)', latency)

  // Alerts: the web ones answered 201 and the SMS ones answered TwiML must all be stored.
  const stored = await sql<{ id: string; source: string; phone: string | null; escalated: boolean }[]>`
    select a.id::text, a.source, a.phone,
      exists (select 1 from alert_events e where e.alert_id = a.id and e.kind = 'escalated') as escalated
    from alerts a where a.network_id = ${x.world.networkId}`
  const storedIds = new Set(stored.map((a) => a.id))
  const byPhone = new Map(stored.filter((a) => a.phone).map((a) => [a.phone!, a.id]))
  const webLost = x.traffic.raised.web.filter((w) => !storedIds.has(w.id)).length
  const smsLost = x.traffic.raised.sms.filter((s) => !byPhone.has(s.phone)).length
  const due = new Map<string, number>([...x.traffic.raised.web.map((w) => [w.id, w.due] as const), ...x.traffic.raised.sms.flatMap((s) => (byPhone.has(s.phone) ? [[byPhone.get(s.phone)!, s.due] as const] : []))])

  // What each alert owed by push: its recipients' partners and the operators subscribed.
  const owed = await sql<{ alert_id: string; endpoint: string }[]>`
    select r.alert_id::text, s.endpoint from alert_recipients r
      join alerts a on a.id = r.alert_id and a.network_id = ${x.world.networkId}
      join push_subscriptions s on s.place_id = r.place_id
    union all
    select a.id::text, s.endpoint from alerts a
      join push_subscriptions s on s.network_id = a.network_id and s.owner = 'operator'
    where a.network_id = ${x.world.networkId}`
  const arrivals = new Map<string, number[]>()
  for (const a of x.push.answers) {
    if (a.status < 200 || a.status >= 300) continue
    const key = `${a.topic}|${a.path}`
    arrivals.set(key, [...(arrivals.get(key) ?? []), a.at])
  }
  const lastPush = new Map<string, number>()
  let pushesLost = 0
  let pushDuplicates = 0
  const perAlert = new Map<string, number>()
  for (const o of owed) {
    const key = `${o.alert_id.replace(/-/g, '')}|${new URL(o.endpoint).pathname}`
    const got = arrivals.get(key)
    perAlert.set(o.alert_id, (perAlert.get(o.alert_id) ?? 0) + 1)
    if (!got?.length) {
      pushesLost++
      continue
    }
    pushDuplicates += got.length - 1
    lastPush.set(o.alert_id, Math.max(lastPush.get(o.alert_id) ?? 0, Math.min(...got)))
  }
  const pushWindow = windows.find((w) => w.name.startsWith('push service'))
  const calmPushes: number[] = []
  const afterOutage: number[] = []
  for (const [id, last] of lastPush) {
    const d = due.get(id)
    if (d === undefined) continue
    const t = sec(d)
    if (calm(t, windows, warmS)) calmPushes.push(last - d)
    if (pushWindow && t >= pushWindow.from && t <= pushWindow.to) afterOutage.push(Math.max(0, last - (t0 + pushWindow.to * 1000)))
  }
  const escalated = stored.filter((a) => a.escalated).length

  // SMS: each acknowledged SMS alert owes its requester one status message.
  const smsOwed = x.traffic.raised.sms.filter((s) => byPhone.has(s.phone) && x.consoles.acknowledged.has(byPhone.get(s.phone)!))
  const smsTo = new Map<string, number>()
  for (const m of x.sms.messages) smsTo.set(m.to, (smsTo.get(m.to) ?? 0) + 1)
  const smsMissing = smsOwed.filter((s) => !smsTo.has(s.phone)).length
  const smsDuplicates = smsOwed.reduce((n, s) => n + Math.max(0, (smsTo.get(s.phone) ?? 0) - 1), 0)

  // Drop-offs: each 201 owes an event on its own cab's stream.
  const vehicleOf = new Map(x.traffic.raised.dropoffs.map((d) => [d.id, d.vehicle]))
  let dropoffMissing = 0
  const calmEvents: number[] = []
  for (const d of x.traffic.raised.dropoffs) {
    const seen = x.cabs.seen.get(`${d.vehicle}/${d.id}`)
    if (!seen) dropoffMissing++
    else if (calm(sec(d.due), windows, warmS)) calmEvents.push(seen.firstAt - d.due)
  }
  // A request that ended (expired: its trip was over) before its cab read it leaves the
  // driver nothing to act on (a cab starting afresh is shown open requests only); counted
  // apart from the others, which are what a driver lacks.
  const missingIds = x.traffic.raised.dropoffs.filter((d) => !x.cabs.seen.has(`${d.vehicle}/${d.id}`)).map((d) => d.id)
  const [{ expired } = { expired: 0 }] = missingIds.length
    ? await sql<{ expired: number }[]>`select count(*)::int as expired from dropoffs where id = any(${missingIds}::uuid[]) and status = 'expired'`.catch(() => [])
    : []
  let wrongStream = x.cabs.wrong
  for (const key of x.cabs.seen.keys()) {
    const [vehicle, id] = key.split('/') as [string, string]
    if (vehicleOf.has(id) && vehicleOf.get(id) !== vehicle) wrongStream++
  }
  const delivery = {
    webAlerts: x.traffic.raised.web.length,
    smsAlerts: x.traffic.raised.sms.length,
    alertsNotStored: webLost + smsLost,
    pushesOwed: owed.length,
    pushesPerAlert: perAlert.size ? Math.round((owed.length / perAlert.size) * 10) / 10 : 0,
    pushesLost,
    pushDuplicates,
    escalated,
    leftClaims: x.leftClaims.join(', '),
    smsOwed: smsOwed.length,
    smsMissing,
    smsDuplicates,
    smsRefusedByPeer: x.sms.refused,
    dropoffs: x.traffic.raised.dropoffs.length,
    dropoffMissing,
    dropoffMissingExpired: expired,
    wrongStream,
    acknowledged: x.consoles.acknowledged.size,
    ackFailed: x.consoles.failed,
    driverReconnects: x.cabs.counters.reconnects,
    operatorReconnects: x.consoles.counters.reconnects,
  }
  printTable('delivery accounting', [delivery])
  console.log(
    `duplicates explained: a push is re-sent when its sender died or its answer was lost between the send and the outbox write (${x.leftClaims.join(', ')} claims held by the killed dispatcher at the kill); ${escalated} alerts escalated (operators pushed again)`,
  )
  const pushCalm = stats(calmPushes)
  const pushAfter = stats(afterOutage)
  const eventsCalm = stats(calmEvents)
  printTable('end-to-end', [
    { what: 'alert → every push, calm (ms)', ...pushCalm },
    { what: 'alert raised during the push outage → every push, after it ended (ms)', ...pushAfter },
    { what: 'drop-off POST → event on the cab’s stream, calm (ms)', ...eventsCalm },
  ])

  // Details behind any failure, so a red line can be read without a rerun.
  const missing = x.traffic.raised.dropoffs.filter((d) => !x.cabs.seen.has(`${d.vehicle}/${d.id}`))
  if (missing.length) {
    printTable(
      'drop-offs with no event on their cab’s stream (first 15)',
      missing.slice(0, 15).map((d) => ({ 't s': Math.round(sec(d.due) * 10) / 10, vehicle: d.vehicle, id: d.id, 'windows': windows.filter((w) => inWindow(sec(d.due), w)).map((w) => w.name).join(', ') })),
    )
  }
  for (const d of missing.slice(0, 3)) {
    const events = await sql<{ id: string; at: Date }[]>`select id::text, at from dropoff_events where dropoff_id = ${d.id} order by id`.catch(() => [])
    const [row] = await sql`
      select d.status, d.trip_id, d.created_at, d.decided_at, d.expired_at, d.trip_ends_at, v.trip_id as vehicle_trip
      from dropoffs d left join vehicle_positions v on v.network_id = d.network_id and v.vehicle = ${d.vehicle}
      where d.id = ${d.id}`.catch(() => [])
    console.log(JSON.stringify(row))
    console.log(
      `${d.vehicle}: request ${d.id} events ${events.map((e) => e.id).join(', ') || 'none'}; stream cursor now ${x.cabs.cursorOf(d.vehicle)}; connections: ${x.cabs
        .history(d.vehicle)
        .map((h) => `${Math.round(sec(h.at) * 10) / 10} s ${h.instance} from ${h.cursor ?? 'start'} → ${h.status}`)
        .join('; ')}`,
    )
  }
  const crashes = x.instances.flatMap((i) => i.lives.filter((l) => l.how?.startsWith('exited')).map((l) => ({ instance: i.name, ...l })))
  for (const c of crashes) console.log(`instance ${c.instance} (pid ${c.pid}) ${c.how} at ${Math.round(sec(c.to!))} s; its last words:\n${c.lastWords}`)
  const badProbes = x.sampler.probes.filter((p) => p.status !== 200)
  if (badProbes.length) printTable('probes not answered 200 (first 20)', badProbes.slice(0, 20).map((p) => ({ ...p, t: Math.round(p.t * 10) / 10 })))
  const calmErrors = x.lb.samples.filter((s) => s.status >= 500 && calm(sec(s.due), windows, warmS))
  if (calmErrors.length) printTable('5xx in calm periods (first 10)', calmErrors.slice(0, 10).map((s) => ({ 't s': Math.round(sec(s.due) * 10) / 10, kind: s.kind, status: s.status, instance: s.instance })))
  if (pushWindow) {
    const endAt = t0 + pushWindow.to * 1000
    const perSecond = Array.from({ length: 12 }, (_, k) => ({
      's after the outage': k - 2,
      'pushes accepted': x.push.answers.filter((a) => a.status < 300 && a.at >= endAt + (k - 2) * 1000 && a.at < endAt + (k - 1) * 1000).length,
      refused: x.push.answers.filter((a) => a.status >= 300 && a.at >= endAt + (k - 2) * 1000 && a.at < endAt + (k - 1) * 1000).length,
    }))
    printTable('the push service around the end of its outage', perSecond)
  }
  printTable(
    'CPU seconds per second, by sample (2 cores = 2.0)',
    x.sampler.cpu.map((c) => {
      const span = c.machineTotal / 2 || 1
      return {
        't s': Math.round(c.t),
        instances: r2(c.instances / span),
        database: r2(c.database / span),
        'generator and peers': r2(c.generator / span),
        machine: r2(c.machineBusy / span),
        'generator loop p99 / max ms': `${c.generatorLoopP99Ms} / ${c.generatorLoopMaxMs}`,
      }
    }),
  )
  const procs = x.sampler.processes
  printTable(
    'processes every sample (RSS MiB, fds, database connections, event-loop delay)',
    procs.map((p) => ({ 't s': Math.round(p.t), instance: p.instance, pid: p.pid, 'RSS MiB': p.rssMiB, fds: p.fds, 'db conns': p.dbConnections, 'loop p99 ms': p.loopP99Ms ?? '', 'loop max ms': p.loopMaxMs ?? '', streams: p.streams ?? '' })),
  )
  printTable('outbox over time', outboxRows(x.sampler.outbox))
  // A process's heap takes about two minutes to reach its size at this load (V8 grows its
  // limits as it goes): memory is judged after twice the latency warm-up.
  const growthWarmS = 2 * warmS
  const grow = { rss: growth(procs, growthWarmS, 'rssMiB'), fds: growth(procs, growthWarmS, 'fds'), db: growth(procs, growthWarmS, 'dbConnections') }
  const loopCalm = procs.filter((p) => calm(p.t, windows, warmS) && p.loopP99Ms !== null).map((p) => p.loopP99Ms!)
  const generatorLoopCalm = x.sampler.cpu.filter((c) => calm(c.t, windows, warmS)).map((c) => c.generatorLoopP99Ms)
  const cabsLoopCalm = x.cabs.loop.filter((l) => calm(sec(l.at), windows, warmS)).map((l) => l.p99Ms)
  const nearestCalm = latency.find((r) => r.kind === 'nearest' && r.period === 'calm')
  const calm5xx = x.lb.samples.filter((s) => s.status >= 500 && calm(sec(s.due), windows, warmS)).length
  // Where the database or the instance is gone, a 503 is the right answer to anything.
  const gone = windows.filter((w) => w.name === 'database restart' || w.name === 'SIGKILL mid-batch')
  const badNotProblem = x.lb.samples.filter(
    (s) => s.kind === 'bad input' && !gone.some((w) => inWindow(sec(s.due), w)) && (s.status < 400 || s.status >= 500 || !s.problem),
  ).length
  return { crashes: crashes.length, delivery, pushCalm, pushAfter, eventsCalm, probeList: x.sampler.probes, grow, loopCalm, generatorLoopCalm, cabsLoopCalm, nearestCalm, calm5xx, badNotProblem, dbDown: x.dbDown, windows, hasDrivers: x.world.drivers.length > 0 }
}

// A figure only reported: said plainly when no calm sample held one (a short run's faults
// and their settling can cover every 10-s sample).
const worstOf = (ms: number) => (Number.isNaN(ms) ? 'no calm sample' : `worst ${ms} ms`)

export function judge(o: Outcome, l: Limits): Goal[] {
  const d = o.delivery
  const worst = (list: { growth: number; instance: string; first: number; last: number; from: number; to: number }[]) =>
    list.length ? list.reduce((a, b) => (b.growth > a.growth ? b : a)) : undefined
  const growthGoal = (what: string, list: { growth: number; instance: string; first: number; last: number; from: number; to: number }[]) => {
    const w = worst(list)
    return {
      goal: `${what} flat at a steady load after warm-up (lows grow ≤ ${l.growth * 100} %)`,
      pass: !w || w.growth <= l.growth,
      figure: w ? `worst ${w.instance}: ${w.first} → ${w.last} (${Math.round(w.growth * 1000) / 10} %) from ${w.from} s to ${w.to} s` : 'no process lived long enough to judge',
    }
  }
  const probes = probeFindings(o.probeList, o.dbDown, l.readyGraceS)
  const readyRecovered = o.dbDown === undefined || probes.readyAgainAfterS <= l.readyGraceS
  const loopP99 = o.loopCalm.length ? Math.max(...o.loopCalm) : Number.NaN
  const generatorP99 = o.generatorLoopCalm.length ? Math.max(...o.generatorLoopCalm) : Number.NaN
  const cabsP99 = o.cabsLoopCalm.length ? Math.max(...o.cabsLoopCalm) : Number.NaN
  return [
    { goal: 'no instance exits by itself', pass: o.crashes === 0, figure: `${o.crashes} exits` },
    { goal: '0 alerts lost (every answered alert stored)', pass: d.alertsNotStored === 0, figure: `${d.alertsNotStored} of ${d.webAlerts + d.smsAlerts}` },
    { goal: '0 pushes lost (every recipient and operator of every alert)', pass: d.pushesLost === 0, figure: `${d.pushesLost} of ${d.pushesOwed} missing, ${d.pushDuplicates} duplicates` },
    { goal: '0 status SMS lost', pass: d.smsMissing === 0, figure: `${d.smsMissing} of ${d.smsOwed} missing, ${d.smsDuplicates} duplicates` },
    {
      goal: '0 drop-off events missing',
      pass: d.dropoffMissing - d.dropoffMissingExpired === 0,
      figure: o.hasDrivers ? `${d.dropoffMissing - d.dropoffMissingExpired} of ${d.dropoffs}, and ${d.dropoffMissingExpired} that expired before their cab read them` : 'no drivers',
    },
    { goal: '0 events on a wrong stream', pass: d.wrongStream === 0, figure: String(d.wrongStream) },
    { goal: `alert → all pushes p99 < ${l.pushesCalmP99Ms} ms in calm`, pass: o.pushCalm.p99 < l.pushesCalmP99Ms, figure: `p50 ${o.pushCalm.p50} / p99 ${o.pushCalm.p99} / max ${o.pushCalm.max} ms (${o.pushCalm.n} alerts)` },
    { goal: `push outage: all pushes within ${l.pushesAfterOutageP99Ms} ms (p99) of its end`, pass: !(o.pushAfter.p99 >= l.pushesAfterOutageP99Ms), figure: `p50 ${o.pushAfter.p50} / p99 ${o.pushAfter.p99} / max ${o.pushAfter.max} ms (${o.pushAfter.n} alerts)` },
    { goal: `nearest p99 < ${l.nearestP99Ms} ms in calm`, pass: Number(o.nearestCalm?.['p99 ms']) < l.nearestP99Ms, figure: `p50 ${o.nearestCalm?.['p50 ms']} / p99 ${o.nearestCalm?.['p99 ms']} ms (${o.nearestCalm?.n} searches)` },
    { goal: `drop-off POST → cab event p99 < ${l.dropoffEventP99Ms} ms in calm`, pass: !o.hasDrivers || o.eventsCalm.p99 < l.dropoffEventP99Ms, figure: `p50 ${o.eventsCalm.p50} / p99 ${o.eventsCalm.p99} ms (${o.eventsCalm.n})` },
    { goal: '/healthz answered 200 throughout', pass: probes.healthFailed === 0, figure: `${probes.healthFailed} of ${probes.healthProbes} probes failed` },
    {
      goal: '/readyz 503 only while the database is down, ready again without a restart',
      pass: probes.ready503Outside <= 0 && readyRecovered,
      figure: `${probes.ready503During} not-ready answers while down, ${probes.ready503Outside} outside; ready again ${probes.readyAgainAfterS} s after the database`,
    },
    { goal: 'no 5xx in calm periods', pass: o.calm5xx === 0, figure: String(o.calm5xx) },
    { goal: 'bad inputs: every one a 4xx problem+json', pass: o.badNotProblem === 0, figure: `${o.badNotProblem} were not` },
    growthGoal('RSS', o.grow.rss),
    growthGoal('open file descriptors', o.grow.fds),
    growthGoal('database connections', o.grow.db),
    { goal: 'event-loop delay p99 (calm samples), reported', pass: true, figure: worstOf(loopP99) },
    { goal: 'the load generator’s own event-loop delay p99 (calm samples), reported', pass: true, figure: worstOf(generatorP99) },
    { goal: 'the cabs’ process event-loop delay p99 (calm samples), reported', pass: true, figure: worstOf(cabsP99) },
  ]
}

export { printGoals, inWindow }
