import { strToU8, zipSync } from 'fflate'
import { ADMIN_TOKEN, type TestApp } from '../helpers/app.ts'

// A small made-up network around Mulhouse for tests that must run everywhere.
// Route L1 (bus) runs east along one straight street, lat 47.75, from lon 7.30 to 7.34:
// stops S1..S5 every 0.01° (≈ 750 m). Route T1 is a tram on the same street. Route L2 (bus)
// is a loop out along the street and back on it: the same street twice. Route L3 has a
// trip without shape_id.
export const LAT = 47.75
export const lonOf = (i: number) => 7.3 + 0.01 * (i - 1)
export const M_PER_DEG_LON = 111_320 * Math.cos((LAT * Math.PI) / 180)

export type Files = Record<string, string>

export function baseFeed(): Files {
  const stops = [1, 2, 3, 4, 5].map((i) => `S${i},"Arrêt ${i}, rue Test",  ${LAT},   ${lonOf(i).toFixed(6)}`)
  const shapeL1 = Array.from({ length: 9 }, (_, k) => `SH1,${LAT},${(7.3 + 0.005 * k).toFixed(6)},${k + 1}`)
  // Out to S3 and back: 0..4 east, then 5..8 west on the same street.
  const loop = [0, 1, 2, 3, 4, 3, 2, 1, 0].map((k, n) => `SHL,${LAT},${(7.3 + 0.005 * k).toFixed(6)},${n + 1}`)
  const times = (trip: string, seq: string[]) =>
    seq.map((s, n) => `${trip},${s},${n + 1},22:${String(10 + n).padStart(2, '0')}:00,22:${String(10 + n).padStart(2, '0')}:00`)
  return {
    // BOM and quoted fields, as real feeds have.
    'agency.txt': '\uFEFFagency_id,agency_name,agency_url,agency_timezone\n"A","Test, Transports","https://example.org","Europe/Paris"\n',
    // Columns in another order than the spec's.
    'routes.txt': 'route_type,route_id,route_short_name,agency_id\n3,L1,1,A\n0,T1,T,A\n3,L2,2,A\n3,L3,3,A\n',
    'stops.txt': `stop_id,stop_name,stop_lat,stop_lon\n${stops.join('\n')}\n`,
    'trips.txt':
      'trip_id,route_id,service_id,shape_id\nTR1,L1,WK,SH1\nTR1b,L1,WK,SH1\nTT1,T1,WK,SH1\nTL,L2,WK,SHL\nTN,L3,WK,\n',
    'stop_times.txt': `trip_id,stop_id,stop_sequence,arrival_time,departure_time\n${[
      ...times('TR1', ['S1', 'S2', 'S3', 'S4', 'S5']),
      ...times('TR1b', ['S1', 'S2', 'S3', 'S4', 'S5']),
      ...times('TT1', ['S1', 'S3', 'S5']),
      ...times('TL', ['S1', 'S2', 'S3', 'S2', 'S1']),
      ...times('TN', ['S1', 'S2', 'S3']),
    ].join('\n')}\n`,
    'shapes.txt': `shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n${[...shapeL1, ...loop].join('\n')}\n`,
    'calendar.txt': 'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,1,1,20260101,20271231\n',
  }
}

export function zipOf(files: Files): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])))
}

// baseFeed plus trips whose calendars differ, on route L1 and its shape: TRS runs on
// Saturdays (not on 28 Nov 2026, and also on Wednesday 25 Nov 2026); TRN runs on Friday
// nights only, from 25:10:00 to 25:14:00 of Friday's service day (01:10 on Saturday).
export function calendarFeed(): Files {
  const f = baseFeed()
  const times = (trip: string, h: number) =>
    ['S1', 'S2', 'S3', 'S4', 'S5'].map((s, n) => `${trip},${s},${n + 1},${h}:${10 + n}:00,${h}:${10 + n}:00`)
  f['trips.txt'] += 'TRS,L1,SA,SH1\nTRN,L1,FRN,SH1\n'
  f['stop_times.txt'] += `${[...times('TRS', 22), ...times('TRN', 25)].join('\n')}\n`
  f['calendar.txt'] += 'SA,0,0,0,0,0,1,0,20260101,20271231\nFRN,0,0,0,0,1,0,0,20260101,20271231\n'
  f['calendar_dates.txt'] = 'service_id,date,exception_type\nSA,20261128,2\nSA,20261125,1\n'
  return f
}

// Imports a feed through the API, as an operator does; a refusal fails the test with
// the problem it answered.
export async function uploadFeed(t: Pick<TestApp, 'request'>, slug: string, files: Files = baseFeed()) {
  const res = await t.request(`/v1/networks/${slug}/gtfs`, {
    method: 'POST',
    token: ADMIN_TOKEN,
    body: new Blob([zipOf(files) as Uint8Array<ArrayBuffer>]),
    headers: { 'content-type': 'application/zip' },
  })
  if (res.status !== 200) throw new Error(`GTFS import failed: ${res.status} ${await res.text()}`)
}
