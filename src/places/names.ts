// Matching a person's words against refuge and stop names, shared by the SMS locator
// (a name inside a message) and the search box (a name being typed): names and words
// folded the same way, and the same trigram similarity.

// Trigram similarity as pg_trgm computes it (lower-cased words padded with two spaces
// in front and one behind). Computed here rather than by pg_trgm: the candidates are
// already few (a word prefilter in SQL), and this way no extension has to be installed
// on the server and loaded into the embedded database for one SMS path.
export function trigrams(text: string): Set<string> {
  const out = new Set<string>()
  for (const w of wordsOf(text)) {
    const padded = `  ${w} `
    for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3))
  }
  return out
}

export function similarity(a: string, b: string): number {
  const x = trigrams(a)
  const y = trigrams(b)
  if (!x.size || !y.size) return 0
  let common = 0
  for (const t of x) if (y.has(t)) common++
  return common / (x.size + y.size - common)
}

export const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()

export const wordsOf = (text: string) => fold(text).split(/[^a-z0-9]+/).filter(Boolean)

// Words that say nothing about where, or everywhere ('arret' would match every
// stop named "Arrêt …"): not worth one of the few prefilter patterns.
export const STOPWORDS = new Set(['les', 'des', 'une', 'pour', 'dans', 'avec', 'suis', 'help', 'aide', 'aidez', 'moi', 'the', 'near', 'pres', 'devant', 'rue', 'place', 'arret', 'stop'])

// The distinct words worth a `like '%word%'` pattern (at most 8: each one is a scan).
export function prefilterWords(words: string[], minLength: number): string[] {
  return [...new Set(words.filter((w) => w.length >= minLength && !STOPWORDS.has(w)))].slice(0, 8)
}

// How well a name matches the words: its similarity to the window of as many words,
// at the best place among them.
export function nameScore(name: string, words: string[]): number {
  const n = wordsOf(name).length
  let best = 0
  for (let i = 0; i + n <= Math.max(words.length, n); i++) best = Math.max(best, similarity(name, words.slice(i, i + n).join(' ')))
  return best
}
