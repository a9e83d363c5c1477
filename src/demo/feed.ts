import { strToU8, zipSync } from 'fflate'
import { DEMO_CENTRE } from './places.ts'

// A small fictional night line: six stops along a 2.5 km avenue of the demo town, a bus
// every 20 minutes each way from 19:00 to 01:00, every day. Enough for drop-off requests
// and the driver's screen at any evening hour.

const STOPS = ['Gare Démo', 'Place des Tilleuls', 'Théâtre', 'Hôpital Démo', 'Parc du Lac', 'Terminus Les Pins']
const stopAt = (i: number): [number, number] => [DEMO_CENTRE.lat + 0.0004 * i, DEMO_CENTRE.lon - 0.012 + 0.0048 * i]

function time(minutes: number) {
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`
}

export function demoFeedZip(): Uint8Array {
  const stops = STOPS.map((name, i) => {
    const [lat, lon] = stopAt(i)
    return `D${i + 1},"${name}",${lat.toFixed(6)},${lon.toFixed(6)}`
  })
  const shape = Array.from({ length: (STOPS.length - 1) * 4 + 1 }, (_, k) => {
    const [lat, lon] = stopAt(k / 4)
    return `SHD,${lat.toFixed(6)},${lon.toFixed(6)},${k + 1}`
  })
  const shapeBack = shape.map((_, k) => {
    const [lat, lon] = stopAt((shape.length - 1 - k) / 4)
    return `SHR,${lat.toFixed(6)},${lon.toFixed(6)},${k + 1}`
  })
  const trips: string[] = []
  const times: string[] = []
  for (let start = 19 * 60, n = 1; start <= 25 * 60; start += 20, n++) {
    for (const [dir, shapeId, order] of [
      ['A', 'SHD', STOPS.map((_, i) => i)],
      ['R', 'SHR', STOPS.map((_, i) => STOPS.length - 1 - i)],
    ] as const) {
      const trip = `D-${dir}-${n}`
      trips.push(`${trip},LD,ALL,${shapeId},"${dir === 'A' ? STOPS.at(-1) : STOPS[0]}",${dir === 'A' ? 0 : 1}`)
      for (const [seq, stop] of order.entries()) times.push(`${trip},D${stop + 1},${seq + 1},${time(start + 3 * seq)},${time(start + 3 * seq)}`)
    }
  }
  return zipSync({
    'agency.txt': strToU8('agency_id,agency_name,agency_url,agency_timezone\nDEMO,"Transports de démonstration (fictifs)",https://example.org,Europe/Paris\n'),
    'routes.txt': strToU8('route_id,agency_id,route_short_name,route_long_name,route_type\nLD,DEMO,D,"Ligne de nuit démo",3\n'),
    'stops.txt': strToU8(`stop_id,stop_name,stop_lat,stop_lon\n${stops.join('\n')}\n`),
    'trips.txt': strToU8(`trip_id,route_id,service_id,shape_id,trip_headsign,direction_id\n${trips.join('\n')}\n`),
    'stop_times.txt': strToU8(`trip_id,stop_id,stop_sequence,arrival_time,departure_time\n${times.join('\n')}\n`),
    'shapes.txt': strToU8(`shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n${[...shape, ...shapeBack].join('\n')}\n`),
    'calendar.txt': strToU8('service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nALL,1,1,1,1,1,1,1,20250101,20351231\n'),
  })
}
