import { describe, expect, it } from 'vitest'
import { part, partition, single } from '../../src/stats/suppress.ts'

// The suppression rules on their own, where each case is written out by hand.
const cells = (...ns: number[]) => ns.map((n, i) => ({ key: String.fromCharCode(97 + i), n }))
const shownOf = (list: { count: number | null }[]) => list.map((c) => c.count)

describe('k-anonymity (k = 5)', () => {
  it('shows zero and counts of 5 or more; hides 1 to 4', () => {
    expect([0, 1, 4, 5, 120].map(single)).toEqual([
      { count: 0, suppressed: false },
      { count: null, suppressed: true },
      { count: null, suppressed: true },
      { count: 5, suppressed: false },
      { count: 120, suppressed: false },
    ])
  })

  it('hides a second cell when a total would give one hidden cell back, until the hidden hold 5', () => {
    // 3 hidden alone: 20 − 17 = 3. With the 6 (the smallest shown non-zero) the pair holds 9.
    expect(shownOf(partition(single(26), cells(17, 3, 0, 6)))).toEqual([17, null, 0, null])
    // Two small cells hiding 1 + 1 = 2 together: a third is hidden, up to 5 or more.
    expect(shownOf(partition(single(17), cells(1, 1, 15)))).toEqual([null, null, null])
    expect(shownOf(partition(single(28), cells(2, 2, 9, 15)))).toEqual([null, null, null, 15])
    // Nothing small: nothing hidden.
    expect(shownOf(partition(single(15), cells(5, 0, 10)))).toEqual([5, 0, 10])
  })

  it('never lets total minus shown cells name a single hidden cell', () => {
    for (let trial = 0; trial < 2000; trial++) {
      const ns = Array.from({ length: 1 + (trial % 7) }, (_, i) => ((trial * 7919 + i * 104729) % 13) * (i % 3 === 0 ? 1 : 0) + ((trial + i) % 5))
      const total = ns.reduce((s, n) => s + n, 0)
      const t = single(total)
      const out = partition(t, cells(...ns))
      const hidden = out.filter((c) => c.suppressed)
      for (const [i, c] of out.entries()) if (!c.suppressed) expect(c.count === ns[i] && (c.count === 0 || c.count >= 5)).toBe(true)
      if (!t.suppressed && hidden.length) {
        expect(hidden.length).toBeGreaterThanOrEqual(2)
        expect(total - out.reduce((s, c) => s + (c.count ?? 0), 0)).toBeGreaterThanOrEqual(5)
      }
    }
  })

  it('hides a whole dimension under a hidden total, zeros apart', () => {
    expect(shownOf(partition(single(3), cells(2, 0, 1)))).toEqual([null, 0, null])
    expect(shownOf(partition({ count: null, suppressed: true }, cells(9, 0, 6)))).toEqual([null, 0, null])
  })

  it('hides a part of a total when what is left of it is small', () => {
    expect(part(single(9), 9, 7)).toEqual({ count: null, suppressed: true })
    expect(part(single(9), 9, 9)).toEqual({ count: 9, suppressed: false })
    expect(part(single(20), 20, 6)).toEqual({ count: 6, suppressed: false })
    expect(part(single(3), 3, 0)).toEqual({ count: 0, suppressed: false })
  })
})
