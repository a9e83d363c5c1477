import { z } from '@hono/zod-openapi'
import type { Sql } from 'postgres'
import type { Db } from '../db/types.ts'
import { HalteError } from '../errors.ts'
import { checkArea } from '../geo/area.ts'
import { type MultiPolygon, multiPolygonSchema } from '../geo/schemas.ts'
import { replaceSectors, sectorsStillScoped } from './queries.ts'

// A city's sectors arrive as the GeoJSON its GIS exports: a FeatureCollection of Polygon
// or MultiPolygon features, each named by its `name` property. Other members (crs, bbox,
// ids, other properties) are let through and ignored.

// La Rochelle has 6 sectors, Paris 80 quartiers; past 200 the file is something else
// (streets, buildings) and routing by it would mean nothing.
export const MAX_SECTORS = 200

const polygonSchema = z.object({ type: z.literal('Polygon'), coordinates: multiPolygonSchema.shape.coordinates.element })

export const sectorCollectionSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        properties: z.record(z.string(), z.unknown()).nullable(),
        geometry: z.union([polygonSchema, multiPolygonSchema]),
      }),
    ),
  })
  .openapi('SectorCollection', {
    example: {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { name: 'Centre' },
          geometry: { type: 'Polygon', coordinates: [[[-1.16, 46.15], [-1.14, 46.15], [-1.14, 46.17], [-1.16, 46.17], [-1.16, 46.15]]] },
        },
      ],
    },
  })

type Collection = z.infer<typeof sectorCollectionSchema>

const refuse = (code: string, path: string, text: { fr: string; en: string }, extra: Record<string, unknown> = {}) =>
  new HalteError(422, code, text, { errors: [{ path, message: text.en }], extra })

// What the schema cannot say: a name on each, no name twice, not too many, valid
// polygons of a city's size. Everything is checked before anything is written.
export async function checkSectors(sql: Db, fc: Collection): Promise<{ name: string; area: MultiPolygon }[]> {
  if (fc.features.length > MAX_SECTORS) {
    throw refuse('too_many_sectors', 'features', {
      fr: `${fc.features.length} secteurs : ${MAX_SECTORS} au plus.`,
      en: `${fc.features.length} sectors: at most ${MAX_SECTORS}.`,
    })
  }
  const seen = new Map<string, number>()
  const out: { name: string; area: MultiPolygon }[] = []
  for (const [i, f] of fc.features.entries()) {
    const raw = f.properties?.name
    const name = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : ''
    if (!name || name.length > 100) {
      throw refuse('sector_name_missing', `features[${i}].properties.name`, {
        fr: `Le secteur n° ${i + 1} n’a pas de nom (propriété « name », 1 à 100 caractères).`,
        en: `Sector #${i + 1} has no name ("name" property, 1 to 100 characters).`,
      })
    }
    const key = name.toLocaleLowerCase('fr')
    if (seen.has(key)) {
      throw refuse('duplicate_sector_name', `features[${i}].properties.name`, {
        fr: `Deux secteurs s’appellent « ${name} » (n° ${seen.get(key)! + 1} et ${i + 1}).`,
        en: `Two sectors are named "${name}" (#${seen.get(key)! + 1} and #${i + 1}).`,
      })
    }
    seen.set(key, i)
    const area: MultiPolygon = f.geometry.type === 'Polygon' ? { type: 'MultiPolygon', coordinates: [f.geometry.coordinates] } : f.geometry
    await checkArea(sql, area, `features[${i}].geometry`)
    out.push({ name, area })
  }
  return out
}

// In one transaction, the network's row locked so two imports do not interleave.
export async function importSectors(sql: Sql, networkId: string, sectors: { name: string; area: MultiPolygon }[], now: Date) {
  await sql.begin(async (tx) => {
    await tx`select 1 from networks where id = ${networkId} for update`
    const held = await sectorsStillScoped(tx, networkId, sectors.map((s) => s.name), now)
    if (held.length) {
      throw new HalteError(
        409,
        'sector_in_use',
        {
          fr: `Secteurs encore attribués à des jetons actifs : ${held.join(', ')}. Gardez-les dans le fichier, ou révoquez ces jetons d’abord.`,
          en: `Sectors still assigned to live tokens: ${held.join(', ')}. Keep them in the file, or revoke those tokens first.`,
        },
        { extra: { sectors: held } },
      )
    }
    await replaceSectors(tx, networkId, sectors, now)
  })
}
