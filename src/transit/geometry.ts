// Measures along a route's line in metres. Lines are a few kilometres long, so a local
// equirectangular projection around the line is within a fraction of a percent of the
// geodesic, and it lets a search start from a given distance along the line, which is
// what loops need (a stop or a rider's point is looked for ahead of where the bus is).

export type LonLat = [number, number]

export interface Line {
  xy: Array<[number, number]>
  cum: number[] // distance along the line at each vertex
  lat0: number
  length: number
}

const M_PER_DEG_LAT = 110_574
const M_PER_DEG_LON = 111_320

export function makeLine(coords: LonLat[]): Line {
  const lat0 = coords.reduce((s, c) => s + c[1], 0) / Math.max(1, coords.length)
  const k = Math.cos((lat0 * Math.PI) / 180)
  const xy = coords.map(([lon, lat]) => [lon * M_PER_DEG_LON * k, lat * M_PER_DEG_LAT] as [number, number])
  const cum = [0]
  for (let i = 1; i < xy.length; i++) cum.push(cum[i - 1]! + Math.hypot(xy[i]![0] - xy[i - 1]![0], xy[i]![1] - xy[i - 1]![1]))
  return { xy, cum, lat0, length: cum.at(-1) ?? 0 }
}

export interface Snap {
  along: number // metres from the start of the line
  offset: number // metres between the point and the line
  point: LonLat
}

// Nearest point of the line at or beyond `fromM`. When the line passes near the point
// several times ahead, the first pass within `toleranceM` of the best is taken: the bus
// gets there first.
export function snapAhead(line: Line, p: LonLat, fromM = 0, toleranceM = 10): Snap {
  const k = Math.cos((line.lat0 * Math.PI) / 180)
  const px = p[0] * M_PER_DEG_LON * k
  const py = p[1] * M_PER_DEG_LAT
  const candidates: Array<{ along: number; offset: number; x: number; y: number }> = []
  for (let i = 0; i + 1 < line.xy.length; i++) {
    if (line.cum[i + 1]! < fromM) continue
    const [ax, ay] = line.xy[i]!
    const [bx, by] = line.xy[i + 1]!
    const seg = line.cum[i + 1]! - line.cum[i]!
    let t = seg > 0 ? ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / (seg * seg) : 0
    const tMin = seg > 0 && fromM > line.cum[i]! ? (fromM - line.cum[i]!) / seg : 0
    t = Math.min(1, Math.max(tMin, t))
    const x = ax + t * (bx - ax)
    const y = ay + t * (by - ay)
    candidates.push({ along: line.cum[i]! + t * seg, offset: Math.hypot(px - x, py - y), x, y })
  }
  if (candidates.length === 0) {
    const [x, y] = line.xy.at(-1) ?? [px, py]
    candidates.push({ along: line.length, offset: Math.hypot(px - x, py - y), x, y })
  }
  const best = Math.min(...candidates.map((c) => c.offset))
  // The first pass within tolerance, then down to that pass's own nearest point (its
  // neighbouring segments are within tolerance too, but farther).
  let at = candidates.findIndex((c) => c.offset <= best + toleranceM)
  while (at + 1 < candidates.length && candidates[at + 1]!.offset <= candidates[at]!.offset) at++
  const first = candidates[at]!
  return { along: first.along, offset: first.offset, point: [first.x / (M_PER_DEG_LON * k), first.y / M_PER_DEG_LAT] }
}

// Each stop's distance along the line, in the order the trip serves them.
export function stopDistances(line: Line, stops: LonLat[]): number[] {
  const out: number[] = []
  let from = 0
  for (const s of stops) {
    const snap = snapAhead(line, s, from)
    out.push(snap.along)
    from = snap.along
  }
  return out
}

// The point at a distance along the line (clamped to its ends).
export function pointAt(line: Line, alongM: number): LonLat {
  const k = Math.cos((line.lat0 * Math.PI) / 180)
  let i = 0
  while (i + 2 < line.cum.length && line.cum[i + 1]! < alongM) i++
  const seg = line.cum[i + 1]! - line.cum[i]!
  const t = seg > 0 ? Math.min(1, Math.max(0, (alongM - line.cum[i]!) / seg)) : 0
  const [ax, ay] = line.xy[i]!
  const [bx, by] = line.xy[i + 1]!
  return [(ax + t * (bx - ax)) / (M_PER_DEG_LON * k), (ay + t * (by - ay)) / M_PER_DEG_LAT]
}
