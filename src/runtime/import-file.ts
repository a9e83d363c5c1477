import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { parse } from 'csv-parse/sync'
import type { ImportRow } from '../places/import.ts'

// Reads a partner list as the city has it: a CSV (headers name, kind, address, lat,
// lon, opening_hours, phone, email, features, contact_name, training_date,
// trained_staff), a GeoJSON FeatureCollection of points, or an OpenStreetMap
// extract (GeoJSON or Overpass JSON) whose tags are mapped to the same fields.

export function readImportFile(path: string): ImportRow[] {
  const raw = readFileSync(path, 'utf8')
  if (extname(path).toLowerCase() === '.csv') {
    return parse(raw, { columns: true, bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as ImportRow[]
  }
  const doc = JSON.parse(raw) as {
    features?: { geometry?: { type?: string; coordinates?: number[] }; properties?: Record<string, unknown> }[]
    elements?: { lat?: number; lon?: number; tags?: Record<string, unknown> }[]
  }
  if (Array.isArray(doc.features)) {
    return doc.features.map((f) => {
      const [lon, lat] = f.geometry?.type === 'Point' ? (f.geometry.coordinates ?? []) : []
      return fromTags({ ...f.properties }, lat, lon)
    })
  }
  if (Array.isArray(doc.elements)) return doc.elements.map((e) => fromTags({ ...e.tags }, e.lat, e.lon))
  throw new Error(`${path}: neither CSV, GeoJSON FeatureCollection nor Overpass JSON`)
}

function fromTags(t: Record<string, unknown>, lat?: number, lon?: number): ImportRow {
  const s = (k: string) => (typeof t[k] === 'string' || typeof t[k] === 'number' ? String(t[k]) : undefined)
  const street = [s('addr:housenumber'), s('addr:street')].filter(Boolean).join(' ')
  const address = s('address') ?? ([street, [s('addr:postcode'), s('addr:city')].filter(Boolean).join(' ')].filter(Boolean).join(', ') || undefined)
  return {
    ...Object.fromEntries(Object.entries(t).filter(([, v]) => typeof v === 'string' || typeof v === 'number')),
    name: s('name'),
    kind: s('kind') ?? s('amenity') ?? s('shop') ?? s('healthcare'),
    address,
    lat: lat ?? s('lat'),
    lon: lon ?? s('lon'),
    phone: s('phone') ?? s('contact:phone'),
    email: s('email') ?? s('contact:email'),
  }
}
