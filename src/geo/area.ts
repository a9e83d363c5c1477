import type { Db } from '../db/types.ts'
import { HalteError } from '../errors.ts'
import type { MultiPolygon } from './schemas.ts'

// A network's territory is a city or a metropole. The largest French metropole,
// Aix-Marseille-Provence, covers about 3,150 km²; the largest transport authority,
// Île-de-France Mobilités, about 12,000 km² (the whole region). Past 15,000 km² the area
// is a mistake (a world-sized box, swapped coordinates) that would let any place in.
export const MAX_AREA_KM2 = 15_000

function invalidArea(path: string, text: { fr: string; en: string }): HalteError {
  return new HalteError(400, 'invalid_area', { fr: `${path} : ${text.fr}`, en: `${path}: ${text.en}` }, { errors: [{ path, message: text.en }] })
}

// Checks what the schema cannot: that the polygons are valid (no bow-tie, no ring
// crossing itself or another) and of a city's size. PostGIS judges validity; geography
// cannot take an edge spanning half the globe or more ("antipodal"), so those are
// refused before it sees them.
export async function checkArea(sql: Db, area: MultiPolygon, path: string, maxKm2 = MAX_AREA_KM2): Promise<void> {
  for (const polygon of area.coordinates) {
    for (const ring of polygon) {
      for (let i = 1; i < ring.length; i++) {
        if (Math.abs(ring[i]![0] - ring[i - 1]![0]) >= 180) {
          throw invalidArea(path, {
            fr: 'un côté couvre 180° de longitude ou plus : ce n’est pas le territoire d’une ville.',
            en: 'an edge spans 180° of longitude or more: not a city’s territory.',
          })
        }
      }
    }
  }
  let row: { valid: boolean; reason: string | null; km2: number | null } | undefined
  try {
    const rows = await sql<{ valid: boolean; reason: string | null; km2: number | null }[]>`
      select (d).valid, (d).reason, case when (d).valid then st_area(g::geography) / 1e6 end as km2
      from (select g, st_isvaliddetail(g) as d
            from (select st_setsrid(st_geomfromgeojson(${JSON.stringify(area)}), 4326) as g) x) y`
    row = rows[0]
  } catch (e) {
    // PostGIS refuses some shapes outright (an edge across a pole, a degenerate ring).
    const code = String((e as { code?: unknown }).code ?? '')
    if (code !== 'XX000' && !code.startsWith('22')) throw e
    throw invalidArea(path, { fr: 'PostGIS ne peut pas lire ce polygone.', en: 'PostGIS cannot read this polygon.' })
  }
  if (!row?.valid) {
    const reason = row?.reason ?? 'invalid'
    throw invalidArea(path, {
      fr: `polygone invalide (${reason}) : un contour ne doit ni se croiser ni en croiser un autre.`,
      en: `invalid polygon (${reason}): a ring must not cross itself or another ring.`,
    })
  }
  if ((row.km2 ?? 0) > maxKm2) {
    const km2 = Math.round(row.km2!).toLocaleString('en')
    throw invalidArea(path, {
      fr: `${km2} km², plus que les ${maxKm2.toLocaleString('fr')} km² d’une grande métropole : vérifiez l’ordre longitude, latitude.`,
      en: `${km2} km², more than the ${maxKm2.toLocaleString('en')} km² of a large metropolitan area: check the longitude, latitude order.`,
    })
  }
}
