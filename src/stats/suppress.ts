// k-anonymity for the council's figures: no count of people (or of what they did) under
// K is ever shown. A suppressed count is `count: null, suppressed: true` in JSON and
// an empty value with suppressed=true in CSV (a number where there is one, never "<5" in
// a number's place: a reader's spreadsheet would sum it as text).
//
// - Zero is shown: it describes nobody, and a chart of hours needs its empty hours.
// - A dimension (alerts by hour, by sector…) is a partition of its total. Its cells from
//   1 to K−1 are suppressed (primary). If the total is shown, total − shown cells gives
//   the sum S of the suppressed cells: one suppressed cell alone would be given back
//   whole. So more cells are suppressed, smallest non-zero first (complementary), until
//   at least two are and S ≥ K: the suppressed group then holds K people or more, and
//   any one of its cells may be anything from 1 to S − 1.
// - A total from 1 to K−1 is suppressed with every non-zero cell of its dimensions.
// - A count that is part of a total (escalated, false alarms, acknowledged) is hidden
//   when what is left of the total is small too: "9 alerts, 7 false" tells of 2 others.
// - A dimension whose total is itself a suppressed cell elsewhere (drop-offs declined,
//   by reason) is suppressed whole, or its sum would give that cell back.
// Not covered: differences between two requests over overlapping periods. The period is
// the operator's to choose; the figures are for an operator's own council, and every
// read is behind an operator token.
export const K = 5

export interface Cell {
  count: number | null
  suppressed: boolean
}
export interface KeyedCell extends Cell {
  key: string
}

export const small = (n: number) => n > 0 && n < K

export function single(n: number): Cell {
  return small(n) ? { count: null, suppressed: true } : { count: n, suppressed: false }
}

// `n` of the `total` (raw) people, `total` as shown.
export function part(total: Cell, raw: number, n: number): Cell {
  const hidden = total.suppressed ? n > 0 : small(n) || small(raw - n)
  return hidden ? { count: null, suppressed: true } : { count: n, suppressed: false }
}

// `cells` must sum to `total` (its raw count); `total` as shown decides what follows.
export function partition(total: Cell, cells: { key: string; n: number }[]): KeyedCell[] {
  const hidden = new Set<number>()
  cells.forEach((c, i) => {
    if (total.suppressed ? c.n > 0 : small(c.n)) hidden.add(i)
  })
  if (!total.suppressed && hidden.size > 0) {
    const sum = () => [...hidden].reduce((s, i) => s + cells[i]!.n, 0)
    const candidates = cells
      .map((c, i) => ({ n: c.n, i }))
      .filter((c) => c.n > 0 && !hidden.has(c.i))
      .sort((a, b) => a.n - b.n || a.i - b.i)
    while ((hidden.size < 2 || sum() < K) && candidates.length) hidden.add(candidates.shift()!.i)
  }
  return cells.map((c, i) => (hidden.has(i) ? { key: c.key, count: null, suppressed: true } : { key: c.key, count: c.n, suppressed: false }))
}
