import type { Db } from '../db/types.ts'
import { HalteError } from '../errors.ts'
import { refreshPlacePeriods, type HoursNetwork } from '../places/periods.ts'
import { AROUND_M, type CellRow, coverageFrame, gridCells, nearestOpen, type RefugeRow, refugesOpen, stalePeriods } from './queries.ts'

// Coverage of a network on a square grid, at one or more instants: which cells have an
// open refuge within D metres of their centre. The grid is PostGIS's (ST_SquareGrid, in
// PostGIS since 3.1: 3.3 on the servers, 3.6 in the embedded database), so the cells,
// the distances and the open periods are read where the refuges are, in plain SQL that
// the embedded database, a server and Workers (through Hyperdrive) run alike. H3 would
// bring a fixed ladder of cell sizes (each 2.6 times the next) and a library in every
// bundle for what three statements do.

export const MAX_CELLS = 20_000
// The box the grid is cut from is refused past this, before any cell is made: an area
// drawn loosely (a thin diagonal) has a box far larger than itself.
const MAX_BOX_CELLS = 4 * MAX_CELLS

export interface CoverageNetwork extends HoursNetwork {
  search_radius_m: number
}

export interface Grid {
  cells: CellRow[]
  // Where the box was centred: where public holidays are read.
  lat: number
  lon: number
}

// `boxCells`: the cells of the whole box, at least as many as the grid's. The number
// of cells falls with the square of their side: the size suggested is enough for the box.
function tooManyCells(count: number, boxCells: number, cellM: number): HalteError {
  const needed = Math.ceil((cellM * Math.sqrt(Math.max(count, boxCells) / MAX_CELLS)) / 10) * 10
  return new HalteError(
    422,
    'too_many_cells',
    {
      fr: `Plus de ${MAX_CELLS.toLocaleString('fr')} cellules de ${cellM} m (${count.toLocaleString('fr')} au moins) : demandez des cellules plus grandes, par ex. cell_m=${needed}.`,
      en: `More than ${MAX_CELLS.toLocaleString('en')} cells of ${cellM} m (at least ${count.toLocaleString('en')}): ask for larger cells, e.g. cell_m=${needed}.`,
    },
    { errors: [{ path: 'cell_m', message: `at least ${needed}` }], extra: { max_cells: MAX_CELLS, suggested_cell_m: needed } },
  )
}

// The cells where people are, each with the refuges within distanceM of its centre.
export async function coverageCells(sql: Db, n: CoverageNetwork, o: { distanceM: number; cellM: number; polygons: boolean }): Promise<Grid | null> {
  const f = await coverageFrame(sql, n.id)
  if (f.xmin === null || f.ymin === null || f.xmax === null || f.ymax === null || f.lat === null || f.lon === null) return null
  // Mercator stretches lengths by 1/cos(latitude). One scale for the whole grid, from
  // the latitude rounded to 0.1°, so that the cells stay put as refuges come and go
  // (across a city the scale changes by well under 1 %).
  const stretch = 1 / Math.cos((Math.round(f.lat * 10) / 10) * (Math.PI / 180))
  const around = f.has_area ? 0 : AROUND_M * stretch * 1.01
  const box: [number, number, number, number] = [f.xmin - around, f.ymin - around, f.xmax + around, f.ymax + around]
  const size = o.cellM * stretch
  const columns: [number, number] = [Math.floor(box[0] / size), Math.floor(box[2] / size)]
  const rows: [number, number] = [Math.floor(box[1] / size), Math.floor(box[3] / size)]
  const boxCells = (columns[1] - columns[0] + 1) * (rows[1] - rows[0] + 1)
  if (boxCells > MAX_BOX_CELLS) throw tooManyCells(boxCells, boxCells, o.cellM)
  const cells = await gridCells(sql, {
    networkId: n.id,
    hasArea: f.has_area,
    columns,
    rows,
    size,
    stretch,
    distanceM: o.distanceM,
    limit: MAX_CELLS + 1,
    polygons: o.polygons,
  })
  if (cells.length > MAX_CELLS) throw tooManyCells(cells.length - 1, boxCells, o.cellM)
  // Nearest refuge first in each cell.
  for (const c of cells) {
    if (!c.ids || !c.distances) continue
    const order = c.distances.map((_, k) => k).sort((a, b) => c.distances![a]! - c.distances![b]!)
    c.ids = order.map((k) => c.ids![k]!)
    c.distances = order.map((k) => c.distances![k]!)
  }
  return { cells, lat: f.lat, lon: f.lon }
}

// The refuges within reach of any cell, each with one '1'/'0' per instant: open or
// not in its materialised periods. A refuge whose periods do not hold the instants is
// renewed first, by the function the hourly job runs: what is open is then what the
// nearest search says.
async function openAt(sql: Db, n: CoverageNetwork, grid: Grid, instants: Date[], now: Date) {
  const times = instants.map((t) => t.getTime())
  const from = new Date(Math.min(...times))
  const to = new Date(Math.max(...times))
  const stale = await stalePeriods(sql, n.id, from, to)
  for (const { id } of stale) await refreshPlacePeriods(sql, id, n, now)
  const ids = [...new Set(grid.cells.flatMap((c) => c.ids ?? []))]
  if (ids.length === 0) return new Map<string, { name: string; open: string }>()
  const rows = await refugesOpen(sql, ids, from, to)
  return new Map(rows.map((r) => [r.id, { name: r.name, open: times.map((t) => (r.periods.some((p) => holds(p, t)) ? '1' : '0')).join('') }]))
}

// Whether a period (as refugesOpen gives it, null for an unbounded end) holds instant t.
const holds = ([lo, hi, loInc, hiInc]: RefugeRow['periods'][number], t: number) =>
  (lo === null || lo < t || (loInc && lo === t)) && (hi === null || t < hi || (hiInc && t === hi))

export interface CellState {
  cell: CellRow
  covered: boolean
  nearest_open_m: number | null
}

// One instant: each cell covered or not, and how far the nearest open refuge is.
export async function coverageAt(sql: Db, n: CoverageNetwork, o: { at: Date; distanceM: number; cellM: number; now: Date }) {
  const grid = await coverageCells(sql, n, { distanceM: o.distanceM, cellM: o.cellM, polygons: true })
  if (!grid) return { cells: [] as CellState[], covered_share: null }
  const refuges = await openAt(sql, n, grid, [o.at], o.now)
  const states: CellState[] = grid.cells.map((cell) => {
    // Distances come nearest first: the first open refuge is the nearest open one.
    const k = (cell.ids ?? []).findIndex((id) => refuges.get(id)?.open === '1')
    return { cell, covered: k >= 0, nearest_open_m: k >= 0 ? cell.distances![k]! : null }
  })
  const far = states.filter((s) => !s.covered)
  const nearest = await nearestOpen(sql, n.id, o.at, far.map((s) => s.cell), n.search_radius_m)
  for (const r of nearest) far[r.k - 1]!.nearest_open_m = r.m
  const covered = states.length - far.length
  return { cells: states, covered_share: states.length ? covered / states.length : null }
}

export interface HourShare {
  covered_share: number
  uncovered_cells: number
}

export interface CriticalRefuge {
  id: string
  name: string
  // Share of the cell-hours of the week that only this refuge covers: what the week's
  // coverage would lose without it.
  loss_share: number
  // The same over the worst hours alone.
  loss_share_worst_hours: number
}

const WORST = 5
const CRITICAL = 10

// Several instants (a week's hours): the share covered at each, the worst ones, and the
// refuges that are alone in covering the most cell-hours.
export interface Over {
  cells: number
  // One per instant; null without cells.
  hours: (HourShare | null)[]
  // Indexes of the worst instants, least covered first.
  worst: number[]
  critical: CriticalRefuge[]
}

// `grid`: the cells when the caller already cut them (undefined: cut them here).
export async function coverageOver(
  sql: Db,
  n: CoverageNetwork,
  o: { instants: Date[]; distanceM: number; cellM: number; now: Date },
  grid?: Grid | null,
): Promise<Over> {
  if (grid === undefined) grid = await coverageCells(sql, n, { distanceM: o.distanceM, cellM: o.cellM, polygons: false })
  const k = o.instants.length
  if (!grid || grid.cells.length === 0) return { cells: 0, hours: o.instants.map(() => null), worst: [], critical: [] }
  const refuges = await openAt(sql, n, grid, o.instants, o.now)
  const ids = [...refuges.keys()]
  const index = new Map(ids.map((id, i) => [id, i]))
  const open = ids.map((id) => refuges.get(id)!.open)
  const coveredCount = new Int32Array(k)
  // sole[r * k + h]: cells that refuge r alone covers at hour h.
  const sole = new Int32Array(ids.length * k)
  for (const cell of grid.cells) {
    const near = (cell.ids ?? []).map((id) => index.get(id)).filter((i): i is number => i !== undefined)
    if (near.length === 0) continue
    for (let h = 0; h < k; h++) {
      let count = 0
      let only = -1
      for (const r of near) {
        if (open[r]!.charCodeAt(h) === 49) {
          count++
          only = r
          if (count > 1) break
        }
      }
      if (count > 0) coveredCount[h]!++
      if (count === 1) sole[only * k + h]!++
    }
  }
  const cells = grid.cells.length
  const hours: HourShare[] = Array.from(coveredCount, (c) => ({ covered_share: c / cells, uncovered_cells: cells - c }))
  // Least covered first; among equals, the earliest.
  const worst = hours
    .map((h, i) => ({ i, share: h.covered_share }))
    .sort((a, b) => a.share - b.share || a.i - b.i)
    .slice(0, WORST)
    .map((w) => w.i)
  const critical: CriticalRefuge[] = ids
    .map((id, r) => {
      let week = 0
      for (let h = 0; h < k; h++) week += sole[r * k + h]!
      const worstSum = worst.reduce((s, h) => s + sole[r * k + h]!, 0)
      return { id, name: refuges.get(id)!.name, loss_share: week / (cells * k), loss_share_worst_hours: worst.length ? worstSum / (cells * worst.length) : 0 }
    })
    .filter((c) => c.loss_share > 0 || c.loss_share_worst_hours > 0)
    .sort((a, b) => b.loss_share - a.loss_share || b.loss_share_worst_hours - a.loss_share_worst_hours || a.name.localeCompare(b.name))
    .slice(0, CRITICAL)
  return { cells, hours, worst, critical }
}
