import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, createNetwork, type TestApp, testApp } from '../helpers/app.ts'
import { baseFeed, type Files, uploadFeed, zipOf } from './feed.ts'

// Values that look like GTFS but are not what the spec allows must be refused at the
// edge, by file, line and column, and the feed in force must stay whole.

let t: TestApp
let slug: string

beforeAll(async () => {
  t = await testApp()
  slug = (await createNetwork(t)).slug
  await uploadFeed(t, slug)
})
afterAll(() => t?.close())

const routeIds = async () =>
  ((await (await t.request(`/v1/networks/${slug}/routes`)).json()) as { id: string }[]).map((r) => r.id).sort()

const feedIds = async () => (await t.db.sql<{ id: string }[]>`select id::text from gtfs_feeds`).map((r) => r.id)

// One line of a file replaced; line numbers count the header as line 1.
function withLine(file: string, line: number, text: string): Files {
  const f = baseFeed()
  const lines = f[file]!.split('\n')
  lines[line - 1] = text
  f[file] = lines.join('\n')
  return f
}

async function refused(files: Files) {
  const before = await routeIds()
  const feeds = await feedIds()
  const res = await t.request(`/v1/networks/${slug}/gtfs`, {
    method: 'POST',
    token: ADMIN_TOKEN,
    body: new Blob([zipOf(files) as Uint8Array<ArrayBuffer>]),
    headers: { 'content-type': 'application/zip' },
  })
  const text = await res.text()
  expect(res.status, text).toBe(400)
  const problem = JSON.parse(text) as { code: string; detail: string; errors: { path: string; message: string }[] }
  expect(problem.code).toBe('invalid_gtfs')
  // Nothing half-imported: the same feed is in force and served.
  expect(await feedIds()).toEqual(feeds)
  expect(await routeIds()).toEqual(before)
  // The feed's internal id (and the ones an aborted import used) never show.
  const last = Number(feeds[0])
  for (let id = last; id <= last + 40; id++) expect(text).not.toMatch(new RegExp(`\\(${id}, |feed_id`))
  return { problem, text }
}

describe('GTFS values checked before the database', () => {
  const cases: Array<[string, Files, string, RegExp]> = [
    ['stop_sequence 1.5', withLine('stop_times.txt', 3, 'TR1,S2,1.5,22:11:00,22:11:00'), 'stop_times.txt:3', /stop_sequence = "1\.5"/],
    ['stop_sequence 1e3', withLine('stop_times.txt', 3, 'TR1,S2,1e3,22:11:00,22:11:00'), 'stop_times.txt:3', /stop_sequence = "1e3"/],
    ['route_type 3.5', withLine('routes.txt', 2, '3.5,L1,1,A'), 'routes.txt:2', /route_type = "3\.5"/],
    [
      'end_date 20271399',
      withLine('calendar.txt', 2, 'WK,1,1,1,1,1,1,1,20260101,20271399'),
      'calendar.txt:2',
      /end_date = "20271399"/,
    ],
    ['monday 2', withLine('calendar.txt', 2, 'WK,2,1,1,1,1,1,1,20260101,20271231'), 'calendar.txt:2', /monday = "2"/],
    ['arrival 25:61:00', withLine('stop_times.txt', 2, 'TR1,S1,1,25:61:00,22:10:00'), 'stop_times.txt:2', /arrival_time = "25:61:00"/],
    ['departure 22h10', withLine('stop_times.txt', 2, 'TR1,S1,1,22:10:00,22h10'), 'stop_times.txt:2', /departure_time = "22h10"/],
    ['stop_lat in hex', withLine('stops.txt', 2, 'S1,A,0x2F,7.3'), 'stops.txt:2', /stop_lat = "0x2F"/],
    ['stop_lon 181', withLine('stops.txt', 2, 'S1,A,47.75,181'), 'stops.txt:2', /stop_lon = "181"/],
    ['shape_pt_sequence 2.5', withLine('shapes.txt', 3, 'SH1,47.75,7.305,2.5'), 'shapes.txt:3', /shape_pt_sequence = "2\.5"/],
    ['stop_sequence past int4', withLine('stop_times.txt', 3, 'TR1,S2,99999999999,22:11:00,22:11:00'), 'stop_times.txt:3', /stop_sequence/],
    ['a NUL in a name', withLine('stops.txt', 2, 'S1,A\u0000B,47.75,7.3'), 'stops.txt:2', /stop_name/],
  ]

  for (const [name, files, path, message] of cases) {
    it(`refuses ${name} with the file, line and column`, async () => {
      const { problem } = await refused(files)
      expect(problem.errors[0]!.path).toBe(path)
      expect(problem.errors[0]!.message).toMatch(message)
      expect(problem.detail).toContain(path)
    })
  }

  it('refuses an impossible date in calendar_dates.txt and an exception_type 1.5', async () => {
    const f = baseFeed()
    f['calendar_dates.txt'] = 'service_id,date,exception_type\nWK,20260230,1\n'
    expect((await refused(f)).problem.errors[0]).toMatchObject({ path: 'calendar_dates.txt:2', message: expect.stringMatching(/date = "20260230"/) })
    f['calendar_dates.txt'] = 'service_id,date,exception_type\nWK,20260228,1.5\n'
    expect((await refused(f)).problem.errors[0]).toMatchObject({ path: 'calendar_dates.txt:2', message: expect.stringMatching(/exception_type/) })
  })

  it('names the line of a duplicate key, without the internal feed id', async () => {
    const f = baseFeed()
    f['stop_times.txt'] = `${f['stop_times.txt']}TR1b,S3,3,22:12:00,22:12:00\n`
    const lines = f['stop_times.txt'].trim().split('\n').length
    const { problem } = await refused(f)
    expect(problem.errors[0]).toEqual({ path: `stop_times.txt:${lines}`, message: 'duplicate trip_id, stop_sequence = "TR1b", "3" / doublon' })

    const r = baseFeed()
    r['routes.txt'] += '3,L2,9,A\n'
    expect((await refused(r)).problem.errors[0]).toEqual({ path: 'routes.txt:6', message: 'duplicate route_id = "L2" / doublon' })
  })

  it('still imports a good feed, hours past midnight and one-digit hours included', async () => {
    const f = baseFeed()
    f['stop_times.txt'] = f['stop_times.txt']!.replace('TR1,S1,1,22:10:00,22:10:00', 'TR1,S1,1,9:10:00,25:59:59')
    await uploadFeed(t, slug, f)
    expect(await routeIds()).toEqual(['L1', 'L2', 'L3', 'T1'])
  })
})
