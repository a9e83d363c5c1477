import type { Db } from '../db/types.ts'
import { nameScore, prefilterWords, wordsOf } from '../places/names.ts'
import { type NameCandidate, refugesNamedLike, stopsNamedLike } from './queries.ts'

// The name matching is shared with the search box; kept importable from here.
export { fold, similarity, trigrams } from '../places/names.ts'

// Where is the person? From an SMS body: plain coordinates, a geo: URI (RFC 5870),
// an OpenStreetMap, Google or Apple Maps link, or else the name of one of the
// network's refuges or stops. Short links (maps.app.goo.gl…) need a network call to expand
// and are not followed: the reply then asks for a location.

export interface Located {
  lat: number
  lon: number
  via: 'coordinates' | 'geo_uri' | 'map_link' | 'name' | 'stop'
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

// A refuge scoring this close to the best stop still wins: staff who know the scheme
// are there, and a stop named after a landmark usually is the landmark.
const CLOSE = 0.1
const MIN_SCORE = 0.5

function best(rows: NameCandidate[], msg: string[]) {
  let top: { row: NameCandidate; score: number } | null = null
  for (const row of rows) {
    const s = nameScore(row.name, msg)
    if (s >= MIN_SCORE && (!top || s > top.score)) top = { row, score: s }
  }
  return top
}

// A refuge or a stop of the current GTFS feed whose name the message mentions.
// Candidates come from a word match in SQL (bounded), the decision from the
// similarity of each name to the message's words.
export async function locateByName(sql: Db, networkId: string, body: string): Promise<Located | null> {
  const msg = wordsOf(body)
  const words = prefilterWords(msg, 4)
  if (!words.length) return null
  const patterns = words.map((w) => `%${w}%`)
  const [refuges, stops] = await Promise.all([refugesNamedLike(sql, networkId, patterns), stopsNamedLike(sql, networkId, patterns)])
  const refuge = best(refuges, msg)
  const stop = best(stops, msg)
  if (refuge && (!stop || refuge.score >= stop.score - CLOSE)) return { lat: refuge.row.lat, lon: refuge.row.lon, via: 'name', name: refuge.row.name }
  return stop ? { lat: stop.row.lat, lon: stop.row.lon, via: 'stop', name: stop.row.name } : null
}
