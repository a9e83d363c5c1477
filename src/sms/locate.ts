import type { Db } from '../db/types.ts'

// Where is the person? From an SMS body: plain coordinates, a geo: URI (RFC 5870),
// an OpenStreetMap, Google or Apple Maps link, or else the name of one of the
// network's refuges. Short links (maps.app.goo.gl…) need a network call to expand
// and are not followed: the reply then asks for a location.

export interface Located {
  lat: number
  lon: number
  via: 'coordinates' | 'geo_uri' | 'map_link' | 'name'
  name?: string
}

const NUM = String.raw`[-+]?\d{1,3}(?:[.]\d+)?`
const valid = (lat: number, lon: number) => Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180

function pair(lat: string | undefined, lon: string | undefined, via: Located['via']): Located | null {
  const a = Number(lat)
  const b = Number(lon)
  return lat !== undefined && lon !== undefined && valid(a, b) ? { lat: a, lon: b, via } : null
}

export function parseLocation(body: string): Located | null {
  const text = body.trim()
  const geo = new RegExp(`geo:(${NUM}),(${NUM})`, 'i').exec(text)
  if (geo) return pair(geo[1], geo[2], 'geo_uri')
  for (const url of text.match(/https?:\/\/\S+/gi) ?? []) {
    const found = fromMapLink(url)
    if (found) return found
  }
  // Decimal degrees need a decimal point: "47.2388, 6.0243" but not "rue 12, 3".
  const plain = /(?:^|[^\d.])([-+]?\d{1,2}\.\d{3,})\s*[,; ]\s*([-+]?\d{1,3}\.\d{3,})(?![\d.])/.exec(text)
  if (plain) return pair(plain[1], plain[2], 'coordinates')
  return null
}

function fromMapLink(raw: string): Located | null {
  let url: URL
  try {
    url = new URL(raw.replace(/[).,;]+$/, ''))
  } catch {
    return null
  }
  const host = url.hostname.replace(/^www\./, '')
  const q = url.searchParams
  const both = (v: string | null) => {
    const m = v ? new RegExp(String.raw`^\s*(${NUM})\s*,\s*(${NUM})`).exec(v) : null
    return m ? pair(m[1], m[2], 'map_link') : null
  }
  if (host.endsWith('openstreetmap.org') || host === 'osm.org') {
    const marker = pair(q.get('mlat') ?? undefined, q.get('mlon') ?? undefined, 'map_link')
    if (marker) return marker
    const m = new RegExp(String.raw`map=\d+(?:\.\d+)?/(${NUM})/(${NUM})`).exec(url.hash)
    return m ? pair(m[1], m[2], 'map_link') : null
  }
  if (host === 'maps.apple.com' || host === 'maps.apple') {
    return both(q.get('ll')) ?? both(q.get('coordinate')) ?? both(q.get('q')) ?? both(q.get('sll'))
  }
  if (/(^|\.)google\.[a-z.]+$/.test(host) || host === 'maps.google.com') {
    const fromQuery = both(q.get('q')) ?? both(q.get('query')) ?? both(q.get('ll')) ?? both(q.get('destination'))
    if (fromQuery) return fromQuery
    // A pin (!3d lat !4d lon) is where the person is; "@lat,lon" is only the view.
    const pin = new RegExp(`!3d(${NUM})!4d(${NUM})`).exec(url.pathname)
    if (pin) return pair(pin[1], pin[2], 'map_link')
    const at = new RegExp(`@(${NUM}),(${NUM})`).exec(url.pathname)
    return at ? pair(at[1], at[2], 'map_link') : null
  }
  return null
}

// Trigram similarity as pg_trgm computes it (lower-cased words padded with two spaces
// in front and one behind), done here because the embedded database lacks the extension.
export function trigrams(text: string): Set<string> {
  const out = new Set<string>()
  const words = fold(text).split(/[^a-z0-9]+/).filter(Boolean)
  for (const w of words) {
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

const STOPWORDS = new Set(['les', 'des', 'une', 'pour', 'dans', 'avec', 'suis', 'help', 'aide', 'aidez', 'moi', 'the', 'near', 'pres', 'devant', 'rue', 'place'])

// A refuge whose name the message mentions. Candidates come from a word match in SQL
// (bounded), the decision from the similarity of the name to the message's words.
export async function locateByName(sql: Db, networkId: string, body: string): Promise<Located | null> {
  const words = [...new Set(fold(body).split(/[^a-z0-9]+/).filter((w) => w.length >= 4 && !STOPWORDS.has(w)))].slice(0, 8)
  if (!words.length) return null
  const patterns = words.map((w) => `%${w}%`)
  const rows = await sql<{ name: string; lat: number; lon: number }[]>`
    select name, st_y(location::geometry) as lat, st_x(location::geometry) as lon
    from places
    where network_id = ${networkId} and status = 'active'
      and translate(lower(name), 'àâäáéèêëíîïóôöúùûüçñœ', 'aaaaeeeeiiiooouuuucno') like any(${patterns}::text[])
    limit 200`
  let best: { row: (typeof rows)[number]; score: number } | null = null
  for (const row of rows) {
    // Compare the name with the message window of the same number of words.
    const nameWords = fold(row.name).split(/[^a-z0-9]+/).filter(Boolean).length
    const msg = fold(body).split(/[^a-z0-9]+/).filter(Boolean)
    let score = 0
    for (let i = 0; i + nameWords <= Math.max(msg.length, nameWords); i++) {
      score = Math.max(score, similarity(row.name, msg.slice(i, i + nameWords).join(' ')))
    }
    if (score >= 0.5 && (!best || score > best.score)) best = { row, score }
  }
  return best ? { lat: best.row.lat, lon: best.row.lon, via: 'name', name: best.row.name } : null
}
