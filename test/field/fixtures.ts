import type { TestApp } from '../helpers/app.ts'

// Two neighbouring square sectors in La Rochelle, and a point inside each.
const square = (lon0: number, lon1: number, lat0 = 46.15, lat1 = 46.17) => ({
  type: 'Polygon',
  coordinates: [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
})

export const SECTOR_A = square(-1.17, -1.15)
export const SECTOR_B = square(-1.15, -1.13)
export const IN_A = { lat: 46.16, lon: -1.16 }
export const IN_B = { lat: 46.16, lon: -1.14 }
export const OUTSIDE = { lat: 46.2, lon: -1.3 }

export const feature = (name: unknown, geometry: unknown = SECTOR_A) => ({ type: 'Feature', properties: { name }, geometry })

export const collection = (...features: unknown[]) => ({ type: 'FeatureCollection', features })

export async function importSectors(t: TestApp, slug: string, token: string, body: unknown = collection(feature('Centre', SECTOR_A), feature('Port', SECTOR_B))) {
  return t.request(`/v1/networks/${slug}/sectors`, { method: 'PUT', token, json: body })
}
