import type { Db } from '../db/types.ts'
import { type NameCandidate, refugesNamedLike, stopsNamedLike } from '../sms/queries.ts'
import { nameScore, prefilterWords, wordsOf } from './names.ts'

export interface NameHit extends NameCandidate {
  kind: 'place' | 'stop'
}

// A name being typed: every word must appear in the name (the SMS locator's folded word
// prefilter, with all words rather than any, since nothing else is in the box). Names
// with a word starting with each word typed rank first (the last one is usually half
// typed), then names that begin as typed ("gare" finds "Gare Centrale" before "Thann
// Gare"), then the locator's similarity; on a tie a refuge comes before a stop, as the
// locator prefers.
export async function searchByName(sql: Db, networkId: string, q: string, limit: number): Promise<NameHit[]> {
  const words = wordsOf(q)
  // Words such as "rue" or "place" say little, but when they are all there is, they are the search.
  const filter = prefilterWords(words, 2)
  const patterns = (filter.length ? filter : [...new Set(words)].slice(0, 8)).map((w) => `%${w}%`)
  if (!patterns.length) return []
  const [places, stops] = await Promise.all([refugesNamedLike(sql, networkId, patterns, true), stopsNamedLike(sql, networkId, patterns, true)])
  const ranked = [...places.map((r) => ({ ...r, kind: 'place' as const })), ...stops.map((r) => ({ ...r, kind: 'stop' as const }))].map((hit) => {
    const nameWords = wordsOf(hit.name)
    const starts = words.filter((w) => nameWords.some((n) => n.startsWith(w))).length
    const leads = words.length > 0 && nameWords[0]?.startsWith(words[0]!) ? 1 : 0
    return { hit, starts, leads, score: nameScore(hit.name, words) }
  })
  ranked.sort(
    (a, b) =>
      b.starts - a.starts ||
      b.leads - a.leads ||
      b.score - a.score ||
      (a.hit.kind === b.hit.kind ? 0 : a.hit.kind === 'place' ? -1 : 1) ||
      a.hit.name.localeCompare(b.hit.name, 'fr'),
  )
  return ranked.slice(0, limit).map((r) => r.hit)
}
