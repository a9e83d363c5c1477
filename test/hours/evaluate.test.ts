import { execFileSync } from 'node:child_process'
import type { opening_hours } from 'opening_hours'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { instantFromWallClock, openIntervals, stateAt, wallClock } from '../../src/hours/evaluate.ts'
import { type HoursContext, libraryLocation, parseHours } from '../../src/hours/parse.ts'

const PARIS: HoursContext = { countryCode: 'FR', regionCode: null, lat: 48.85, lon: 2.35 }
const ALSACE: HoursContext = { countryCode: 'FR', regionCode: 'FR-68', lat: 47.75, lon: 7.34 }
const REUNION: HoursContext = { countryCode: 'FR', regionCode: null, lat: -20.88, lon: 55.45 }
// Must match the configuration parseHours gives the library.
const LIBRARY_CONF = { mode: 0, tag_key: 'opening_hours', locale: 'en', map_value: false, warnings_severity: 4 }

const HORIZON_DAYS = 14
const DAY_MS = 86_400_000

const PLAIN = [
  'Mo-Fr 09:00-12:30,14:00-19:30; Sa 09:00-12:00',
  'Fr-Sa 18:00-02:00',
  'Tu-Su 16:00-02:00',
  '24/7',
  'Mo-Su 21:00-06:00',
  'Mo-Fr 08:00-20:00; PH off',
  'Mo-Sa 08:00-20:00; PH off',
  'Mo-Su 00:00-24:00; Dec 25 off',
  'Su off',
  'off',
]
// The library reports these as "unknown" at times, which halte counts as closed.
const UNKNOWN = ['Mo-Sa 10:00-19:00 "sur rendez-vous"', 'Mo-Fr 10:00-18:00; Sa 10:00-12:00 unknown']
const VALUES = [...PLAIN, ...UNKNOWN]
// Changes inside the repeated or skipped hour.
const DST_NIGHT_VALUES = ['Sa 20:00-02:30', 'Su 02:15-02:45', 'Su 01:00-02:30,02:45-05:00', 'Su 02:30-04:00']

const everyQuarter = (from: string, to: string) => {
  const out: string[] = []
  for (let t = Date.parse(from); t <= Date.parse(to); t += 15 * 60_000) out.push(new Date(t).toISOString())
  return out
}

interface Network {
  name: string
  timeZone: string
  ctx: HoursContext
  instants: string[]
  windows: Array<[string, string]>
}

const FRANCE_INSTANTS = [
  '2026-06-10T10:00:00.000Z', // Wednesday noon
  '2026-06-10T10:17:42.250Z',
  '2026-06-14T10:00:00.000Z', // Sunday noon
  '2026-06-12T23:30:00.000Z', // Saturday 01:30, after a Friday evening
  '2026-06-13T23:30:00.000Z', // Sunday 01:30, after a Saturday evening
  '2026-07-14T10:00:00.000Z', // public holiday, a Tuesday
  '2026-05-01T10:00:00.000Z', // public holiday, a Friday
  '2026-04-03T10:00:00.000Z', // Good Friday: a holiday in Alsace-Moselle only
  '2026-12-24T22:30:00.000Z',
  '2026-12-25T10:00:00.000Z',
  '2026-12-26T10:00:00.000Z', // St Stephen's day: a holiday in Alsace-Moselle only
  ...everyQuarter('2026-03-28T23:00:00Z', '2026-03-29T03:30:00Z'), // spring forward at 01:00Z
  ...everyQuarter('2026-10-24T22:00:00Z', '2026-10-25T03:30:00Z'), // fall back at 01:00Z
]
const FRANCE_WINDOWS: Array<[string, string]> = [
  ['2026-03-23T00:00:00Z', '2026-04-06T00:00:00Z'],
  ['2026-10-19T05:07:00Z', '2026-11-02T00:00:00Z'],
  ['2026-07-08T00:00:00Z', '2026-07-22T00:00:00Z'],
  ['2026-04-27T00:00:00Z', '2026-05-11T00:00:00Z'],
  ['2026-12-20T11:11:00Z', '2027-01-03T00:00:00Z'],
]

// Réunion windows stay clear of the spring-forward nights of Paris and New York, which
// the process zone may not be able to represent (see the module's note).
const NETWORKS: Network[] = [
  { name: 'Paris', timeZone: 'Europe/Paris', ctx: PARIS, instants: FRANCE_INSTANTS, windows: FRANCE_WINDOWS },
  { name: 'Mulhouse', timeZone: 'Europe/Paris', ctx: ALSACE, instants: FRANCE_INSTANTS, windows: FRANCE_WINDOWS },
  {
    name: 'Saint-Denis (Réunion)',
    timeZone: 'Indian/Reunion',
    ctx: REUNION,
    instants: [
      '2026-06-10T08:00:00.000Z', // Wednesday noon
      '2026-06-14T08:00:00.000Z', // Sunday noon
      '2026-06-13T21:30:00.000Z', // Sunday 01:30, after a Saturday evening
      '2026-07-14T08:00:00.000Z',
      '2026-05-01T08:00:00.000Z',
      '2026-12-24T20:30:00.000Z',
      ...everyQuarter('2026-10-24T20:00:00Z', '2026-10-25T01:00:00Z'),
    ],
    windows: [
      ['2026-06-08T00:00:00Z', '2026-06-22T00:00:00Z'],
      ['2026-07-08T00:00:00Z', '2026-07-22T00:00:00Z'],
      ['2026-04-27T00:00:00Z', '2026-05-11T00:00:00Z'],
      ['2026-10-19T05:07:00Z', '2026-11-02T00:00:00Z'],
      ['2026-12-20T11:11:00Z', '2027-01-03T00:00:00Z'],
    ],
  },
]

interface NativeInstant {
  state: boolean
  unknown: boolean
  nextChange: string | null
  intervals: Array<[string, string]>
}
interface NativeCase {
  instants: NativeInstant[]
  windows: Array<Array<[string, string]>>
}

// Evaluates the library where it is at home: a process whose own zone is the network's.
const NATIVE_SCRIPT = `
import { readFileSync } from 'node:fs'
import OpeningHours from 'opening_hours'
const { cases, conf, horizonMs } = JSON.parse(readFileSync(0, 'utf8'))
const openOnly = (oh, from, to) => {
  const out = []
  for (const [s, e, unknown] of oh.getOpenIntervals(from, to)) {
    if (unknown) continue
    const last = out[out.length - 1]
    if (last && s.getTime() <= last[1].getTime()) last[1] = e > last[1] ? e : last[1]
    else out.push([s, e])
  }
  return out.map(([s, e]) => [s.toISOString(), e.toISOString()])
}
const result = cases.map(({ value, location, instants, windows }) => {
  const oh = new OpeningHours(value, location, conf)
  return {
    instants: instants.map((iso) => {
      const at = new Date(iso)
      const limit = new Date(at.getTime() + horizonMs)
      const next = oh.getNextChange(at, limit)
      return { state: oh.getState(at), unknown: oh.getUnknown(at), nextChange: next ? next.toISOString() : null, intervals: openOnly(oh, at, limit) }
    }),
    windows: windows.map(([from, to]) => openOnly(oh, new Date(from), new Date(to))),
  }
})
process.stdout.write(JSON.stringify(result))
`

function native(network: Network): NativeCase[] {
  const cases = VALUES.map((value) => ({ value, location: libraryLocation(network.ctx), instants: network.instants, windows: network.windows }))
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', NATIVE_SCRIPT], {
    env: { ...process.env, TZ: network.timeZone },
    input: JSON.stringify({ cases, conf: LIBRARY_CONF, horizonMs: HORIZON_DAYS * DAY_MS }),
    maxBuffer: 64 * 1024 * 1024,
  })
  return JSON.parse(out.toString()) as NativeCase[]
}

const iso = (d: Date | null) => d?.toISOString() ?? null
const isoIntervals = (xs: Array<[Date, Date]>) => xs.map(([s, e]): [string, string] => [s.toISOString(), e.toISOString()])

// What stateAt must say, read off open intervals covering [at, at + horizon).
function stateFromIntervals(at: string, intervals: Array<[string, string]>) {
  const t = Date.parse(at)
  const limit = t + HORIZON_DAYS * DAY_MS
  const first = intervals.find(([, end]) => Date.parse(end) > t)
  const open = first !== undefined && Date.parse(first[0]) <= t
  return {
    at,
    open,
    openUntil: open && Date.parse(first[1]) < limit ? first[1] : null,
    nextOpen: !open && first && Date.parse(first[0]) < limit ? first[0] : null,
  }
}

function ourState(oh: opening_hours, timeZone: string, at: string) {
  const s = stateAt(oh, timeZone, new Date(at))
  return { at, open: s.open, openUntil: iso(s.openUntil), nextOpen: iso(s.nextOpen) }
}

const expected = new Map<string, NativeCase[]>()
beforeAll(() => {
  for (const network of NETWORKS) expected.set(network.name, native(network))
})

// Node applies a TZ change at run time: set the process zone for the enclosing block.
function useProcessZone(zone: string, januaryOffset: number, julyOffset: number) {
  let saved: string | undefined
  beforeAll(() => {
    saved = process.env.TZ
    process.env.TZ = zone
    expect([new Date(2026, 0, 1).getTimezoneOffset(), new Date(2026, 6, 1).getTimezoneOffset()]).toEqual([januaryOffset, julyOffset])
  })
  afterAll(() => {
    if (saved === undefined) Reflect.deleteProperty(process.env, 'TZ')
    else process.env.TZ = saved
  })
}

// Besides whatever TZ the command line gave, re-run in-process under zones with and without DST.
const PROCESS_ZONES = [
  { zone: 'UTC', january: 0, july: 0 },
  { zone: 'America/New_York', january: 300, july: 240 },
  { zone: 'Europe/Paris', january: -60, july: -120 },
]

describe.each(PROCESS_ZONES)('with the process zone set to $zone', ({ zone, january, july }) => {
  useProcessZone(zone, january, july)

  describe.each(NETWORKS)('$name ($timeZone)', (network) => {
    it.each(VALUES.map((value, i) => ({ value, i })))('stateAt agrees with the library evaluated natively: $value', ({ value, i }) => {
      const lib = expected.get(network.name)![i]!
      const { oh } = parseHours(value, network.ctx)
      const ours = network.instants.map((at) => ourState(oh, network.timeZone, at))
      expect(ours).toEqual(network.instants.map((at, k) => stateFromIntervals(at, lib.instants[k]!.intervals)))
      // A second library API as a cross-check: getState, and getNextChange where nothing is unknown.
      expect(ours.map((s) => s.open)).toEqual(lib.instants.map((n) => n.state && !n.unknown))
      if (PLAIN.includes(value)) expect(ours.map((s) => s.openUntil ?? s.nextOpen)).toEqual(lib.instants.map((n) => n.nextChange))
    })

    it.each(VALUES.map((value, i) => ({ value, i })))('openIntervals agrees with the library evaluated natively: $value', ({ value, i }) => {
      const { oh } = parseHours(value, network.ctx)
      const ours = network.windows.map(([from, to]) => isoIntervals(openIntervals(oh, network.timeZone, new Date(from), new Date(to))))
      expect(ours).toEqual(expected.get(network.name)![i]!.windows)
    })
  })
})

describe('public holidays follow the location', () => {
  const at = (value: string, ctx: HoursContext, iso: string) => stateAt(parseHours(value, ctx).oh, 'Europe/Paris', new Date(iso)).open

  it('Good Friday and 26 December close "PH off" places in Alsace-Moselle only', () => {
    for (const day of ['2026-04-03T10:00:00Z', '2026-12-26T10:00:00Z']) {
      expect(at('Mo-Sa 08:00-20:00; PH off', ALSACE, day), day).toBe(false)
      expect(at('Mo-Sa 08:00-20:00; PH off', PARIS, day), day).toBe(true)
      expect(at('Mo-Sa 08:00-20:00', ALSACE, day), day).toBe(true)
    }
  })

  it('national holidays close them everywhere', () => {
    for (const day of ['2026-05-01T10:00:00Z', '2026-07-14T10:00:00Z']) {
      expect(at('Mo-Sa 08:00-20:00; PH off', ALSACE, day), day).toBe(false)
      expect(at('Mo-Sa 08:00-20:00; PH off', PARIS, day), day).toBe(false)
    }
  })
})

// Wall times inside a spring-forward gap follow the module's convention, and windows
// opened at different instants agree, only where the process zone skips no wall time
// itself: UTC, as in production (see the module's note).
describe('nights when the clocks change (Europe/Paris), process in UTC', () => {
  useProcessZone('UTC', 0, 0)
  const intervals = (value: string, from: string, to: string) =>
    isoIntervals(openIntervals(parseHours(value, PARIS).oh, 'Europe/Paris', new Date(from), new Date(to)))
  const spring = (value: string) => intervals(value, '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z')
  const autumn = (value: string) => intervals(value, '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z')

  it('a closing time that does not exist is the instant the clocks jump', () => {
    expect(spring('Sa 20:00-02:30')).toEqual([['2026-03-28T19:00:00.000Z', '2026-03-29T01:00:00.000Z']])
    expect(spring('Fr-Sa 18:00-02:00')).toEqual([['2026-03-28T17:00:00.000Z', '2026-03-29T01:00:00.000Z']])
    expect(spring('Su 02:15-02:45')).toEqual([])
    // Closed 02:30-02:45, an hour that does not exist: one opening.
    expect(spring('Su 01:00-02:30,02:45-05:00')).toEqual([['2026-03-29T00:00:00.000Z', '2026-03-29T03:00:00.000Z']])
    expect(spring('Mo-Su 21:00-06:00')).toEqual([['2026-03-28T20:00:00.000Z', '2026-03-29T04:00:00.000Z']])
  })

  it('a wall time that happens twice means the first time', () => {
    expect(autumn('Sa 20:00-02:30')).toEqual([['2026-10-24T18:00:00.000Z', '2026-10-25T00:30:00.000Z']])
    expect(autumn('Su 02:15-02:45')).toEqual([['2026-10-25T00:15:00.000Z', '2026-10-25T00:45:00.000Z']])
    expect(autumn('Su 01:00-02:30,02:45-05:00')).toEqual([
      ['2026-10-24T23:00:00.000Z', '2026-10-25T00:30:00.000Z'],
      ['2026-10-25T00:45:00.000Z', '2026-10-25T04:00:00.000Z'],
    ])
    expect(autumn('Mo-Su 21:00-06:00')).toEqual([['2026-10-24T19:00:00.000Z', '2026-10-25T05:00:00.000Z']])
    // 01:15Z is the second 02:15.
    const state = (value: string) => stateAt(parseHours(value, PARIS).oh, 'Europe/Paris', new Date('2026-10-25T01:15:00Z'))
    expect(state('Sa 20:00-02:30')).toEqual({ open: false, openUntil: null, nextOpen: new Date('2026-10-31T19:00:00Z') })
    expect(state('Su 01:00-02:30,02:45-05:00')).toEqual({ open: true, openUntil: new Date('2026-10-25T04:00:00Z'), nextOpen: null })
  })

  it('stateAt agrees with openIntervals through both DST nights of Paris', () => {
    for (const [from, to] of [
      ['2026-03-28T22:00:00Z', '2026-03-29T04:00:00Z'],
      ['2026-10-24T22:00:00Z', '2026-10-25T05:00:00Z'],
    ]) {
      const instants = everyQuarter(from!, to!).flatMap((t) => [t, new Date(Date.parse(t) + 5 * 60_000).toISOString()])
      const until = new Date(Date.parse(to!) + (HORIZON_DAYS + 1) * DAY_MS)
      for (const value of [...VALUES, ...DST_NIGHT_VALUES]) {
        // One window opened before all the instants: clipping later must not change anything.
        const { oh } = parseHours(value, PARIS)
        const intervals = isoIntervals(openIntervals(oh, 'Europe/Paris', new Date(from!), until))
        const ours = instants.map((at) => ourState(oh, 'Europe/Paris', at))
        expect(ours, value).toEqual(instants.map((at) => stateFromIntervals(at, intervals)))
      }
    }
  })

  it('clips to windows that start or end during the repeated hour', () => {
    // 01:20Z and 01:30Z are the second 02:20 and 02:30.
    expect(intervals('Su 02:30-04:00', '2026-10-25T01:20:00Z', '2026-10-25T12:00:00Z')).toEqual([['2026-10-25T01:20:00.000Z', '2026-10-25T03:00:00.000Z']])
    expect(intervals('Su 01:00-02:45', '2026-10-24T12:00:00Z', '2026-10-25T01:30:00Z')).toEqual([['2026-10-24T23:00:00.000Z', '2026-10-25T00:45:00.000Z']])
    expect(intervals('Su 01:00-03:30', '2026-10-24T12:00:00Z', '2026-10-25T01:30:00Z')).toEqual([['2026-10-24T23:00:00.000Z', '2026-10-25T01:30:00.000Z']])
  })
})

describe('stateAt horizon', () => {
  const state = (value: string, at: string, horizonDays?: number) => {
    const s = stateAt(parseHours(value, PARIS).oh, 'Europe/Paris', new Date(at), horizonDays)
    return { open: s.open, openUntil: iso(s.openUntil), nextOpen: iso(s.nextOpen) }
  }

  it('reports no change beyond the horizon', () => {
    expect(state('24/7', '2026-06-10T10:00:00Z')).toEqual({ open: true, openUntil: null, nextOpen: null })
    expect(state('off', '2026-06-10T10:00:00Z')).toEqual({ open: false, openUntil: null, nextOpen: null })
    expect(state('Mo-Su 00:00-24:00; Dec 25 off', '2026-06-10T10:00:00Z')).toEqual({ open: true, openUntil: null, nextOpen: null })
    expect(state('Mo-Su 00:00-24:00; Dec 25 off', '2026-06-10T10:00:00Z', 200)).toEqual({
      open: true,
      openUntil: '2026-12-24T23:00:00.000Z',
      nextOpen: null,
    })
    expect(state('Mo-Fr 08:00-20:00; PH off', '2026-06-13T10:00:00Z', 1)).toEqual({ open: false, openUntil: null, nextOpen: null })
    expect(state('Mo-Fr 08:00-20:00; PH off', '2026-06-13T10:00:00Z')).toEqual({ open: false, openUntil: null, nextOpen: '2026-06-15T06:00:00.000Z' })
  })
})

describe('wall clock conversions', () => {
  const w = (year: number, month: number, day: number, hour: number, minute = 0, second = 0) => ({ year, month, day, hour, minute, second })
  const instant = (wall: ReturnType<typeof w>, timeZone: string) => instantFromWallClock(wall, timeZone).toISOString()

  it('reads the wall clock of an instant', () => {
    expect(wallClock(new Date('2026-06-09T22:00:00Z'), 'Europe/Paris')).toEqual(w(2026, 6, 10, 0))
    expect(wallClock(new Date('2026-03-29T01:00:00Z'), 'Europe/Paris')).toEqual(w(2026, 3, 29, 3))
    expect(wallClock(new Date('2026-10-25T01:30:59.900Z'), 'Europe/Paris')).toEqual(w(2026, 10, 25, 2, 30, 59))
    expect(wallClock(new Date('2026-12-31T20:00:00Z'), 'Indian/Reunion')).toEqual(w(2027, 1, 1, 0))
  })

  it('moves a wall time in a spring-forward gap to the instant the clocks jump', () => {
    expect(instant(w(2026, 3, 29, 1, 59, 59), 'Europe/Paris')).toBe('2026-03-29T00:59:59.000Z')
    expect(instant(w(2026, 3, 29, 2), 'Europe/Paris')).toBe('2026-03-29T01:00:00.000Z')
    expect(instant(w(2026, 3, 29, 2, 30), 'Europe/Paris')).toBe('2026-03-29T01:00:00.000Z')
    expect(instant(w(2026, 3, 29, 3), 'Europe/Paris')).toBe('2026-03-29T01:00:00.000Z')
    expect(instant(w(2026, 3, 8, 2, 30), 'America/New_York')).toBe('2026-03-08T07:00:00.000Z')
    // Lord Howe moves by half an hour, 02:00 to 02:30.
    expect(instant(w(2026, 10, 4, 2, 15), 'Australia/Lord_Howe')).toBe('2026-10-03T15:30:00.000Z')
  })

  it('takes the first of a wall time that happens twice', () => {
    expect(instant(w(2026, 10, 25, 1, 59), 'Europe/Paris')).toBe('2026-10-24T23:59:00.000Z')
    expect(instant(w(2026, 10, 25, 2), 'Europe/Paris')).toBe('2026-10-25T00:00:00.000Z')
    expect(instant(w(2026, 10, 25, 2, 30), 'Europe/Paris')).toBe('2026-10-25T00:30:00.000Z')
    expect(instant(w(2026, 10, 25, 3), 'Europe/Paris')).toBe('2026-10-25T02:00:00.000Z')
    expect(instant(w(2026, 11, 1, 1, 30), 'America/New_York')).toBe('2026-11-01T05:30:00.000Z')
    expect(instant(w(2026, 4, 5, 1, 45), 'Australia/Lord_Howe')).toBe('2026-04-04T14:45:00.000Z')
  })

  it('round-trips every instant, but the second pass of a repeated wall time', () => {
    const zones = ['Europe/Paris', 'America/New_York', 'Indian/Reunion', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Santiago']
    const instants: number[] = []
    for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 7 * 3_600_000 + 13 * 60_000) instants.push(t)
    for (const night of ['2026-03-08T00:00:00Z', '2026-03-28T12:00:00Z', '2026-10-24T12:00:00Z', '2026-11-01T00:00:00Z', '2026-04-04T00:00:00Z', '2026-10-03T00:00:00Z']) {
      for (let t = Date.parse(night); t < Date.parse(night) + DAY_MS; t += 5 * 60_000) instants.push(t)
    }
    let repeated = 0
    for (const timeZone of zones) {
      for (const t of instants) {
        const wall = wallClock(new Date(t), timeZone)
        const back = instantFromWallClock(wall, timeZone).getTime()
        expect(wallClock(new Date(back), timeZone), `${timeZone} ${new Date(t).toISOString()}`).toEqual(wall)
        if (back !== t) {
          // Only the second pass of a repeated hour maps back to its first pass.
          expect(t - back, `${timeZone} ${new Date(t).toISOString()}`).toBeGreaterThan(0)
          expect(t - back).toBeLessThanOrEqual(3_600_000)
          repeated++
        }
      }
    }
    expect(repeated).toBeGreaterThan(0)
  })
})
