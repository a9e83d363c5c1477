import type { Context } from 'hono'
import { bearerToken, principalOf } from '../auth/middleware.ts'
import type { Principal } from '../auth/principal.ts'
import { HalteError } from '../errors.ts'
import type { AppEnv } from '../http/env.ts'
import type { Network } from '../networks/schemas.ts'
import type { Services } from '../services.ts'
import { MAX_PHOTO_BYTES, sniffImage, stripMetadata, UnreadableImage } from './media.ts'

// The checks an Open311 request goes through before anything is stored or read.

// Sent at all, the jurisdiction must be the network the path names: a client configured
// for another city must not file its reports here.
export function checkJurisdiction(jurisdiction: string | undefined, network: Network) {
  if (jurisdiction !== undefined && jurisdiction !== '' && jurisdiction !== network.slug) {
    throw new HalteError(404, 'jurisdiction_not_found', {
      fr: `jurisdiction_id « ${jurisdiction} » ne correspond pas à ce réseau ; utilisez « ${network.slug} ».`,
      en: `jurisdiction_id "${jurisdiction}" does not match this network; use "${network.slug}".`,
    })
  }
}

// Intake is public; a key, when a client sends one, must be a live token of this network
// (GeoReport answers a bad key with 403). An operator's (or admin's) key, or bearer
// token, opens the operators' view: private reports and precise points.
export async function callerOf(s: Services, c: Context<AppEnv>, apiKey: string | undefined, network: Network): Promise<{ operator: boolean; who: Principal | null }> {
  const header = bearerToken(c.req.header('authorization'))
  let who: Principal | null = null
  if (header !== undefined) who = await principalOf(s, header)
  else if (apiKey) {
    who = await principalOf(s, apiKey).catch((err: unknown) => {
      if (err instanceof HalteError && err.status === 401) throw invalidKey()
      throw err
    })
  }
  if (who && who.role !== 'admin' && who.networkId !== network.id) throw invalidKey()
  return { operator: who?.role === 'admin' || who?.role === 'operator', who }
}

const invalidKey = () =>
  new HalteError(403, 'invalid_api_key', {
    fr: 'api_key inconnue, expirée ou d’un autre réseau ; sans clé, le signalement reste possible.',
    en: 'api_key unknown, expired or of another network; without a key, reporting still works.',
  })

const BODY_TYPES = /^(application\/(.+\+)?json|application\/x-www-form-urlencoded|multipart\/form-data)\b/i

export function checkBodyType(c: Context<AppEnv>) {
  const type = c.req.header('content-type') ?? ''
  if (!BODY_TYPES.test(type)) {
    throw new HalteError(415, 'unsupported_media_type', {
      fr: `Envoyez un formulaire (application/x-www-form-urlencoded ou multipart/form-data) ou du JSON, pas « ${type || 'rien'} ».`,
      en: `Send a form (application/x-www-form-urlencoded or multipart/form-data) or JSON, not "${type || 'nothing'}".`,
    })
  }
}

// Forms are not read by the JSON check at the door (src/http/input.ts): the same
// characters PostgreSQL cannot hold are refused here, with the field's name.
export function checkText(fields: Record<string, unknown>) {
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === 'string' && (v.includes(String.fromCharCode(0)) || !v.isWellFormed())) {
      throw new HalteError(400, 'invalid_character', {
        fr: `${k} contient un caractère interdit (caractère nul ou Unicode invalide) ; retirez-le.`,
        en: `${k} contains a forbidden character (NUL or invalid Unicode); remove it.`,
      })
    }
  }
}

// A coordinate from a form (text) or JSON (number); empty counts as absent.
export function coordinate(v: string | number | undefined, name: 'lat' | 'long'): number | undefined {
  if (v === undefined || v === '') return undefined
  const n = typeof v === 'number' ? v : /^\s*[-+]?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : Number.NaN
  const max = name === 'lat' ? 90 : 180
  if (!Number.isFinite(n) || Math.abs(n) > max) {
    throw new HalteError(400, 'validation_failed', {
      fr: `${name} doit être un nombre entre -${max} et ${max}, par ex. ${name === 'lat' ? '47.2378' : '6.0241'}.`,
      en: `${name} must be a number between -${max} and ${max}, e.g. ${name === 'lat' ? '47.2378' : '6.0241'}.`,
    })
  }
  return n
}

export function requirePoint(lat: number | undefined, lon: number | undefined, hasAddress: boolean): { lat: number; lon: number } {
  if (lat !== undefined && lon !== undefined) return { lat, lon }
  throw new HalteError(400, 'location_required', {
    fr: hasAddress
      ? 'halte a besoin d’un point (lat et long) : une adresse seule n’est pas géocodée.'
      : 'Indiquez où : lat et long sont obligatoires.',
    en: hasAddress ? 'halte needs a point (lat and long): an address alone is not geocoded.' : 'Say where: lat and long are required.',
  })
}

// The photo as it will be stored: its type read from its bytes, its metadata gone.
export async function readPhoto(media: unknown): Promise<{ type: string; bytes: Uint8Array } | null> {
  if (media === undefined || media === '') return null
  if (typeof media !== 'object' || media === null || typeof (media as Blob).arrayBuffer !== 'function') {
    throw unsupportedPhoto('media must be a file part of a multipart/form-data body.', 'media doit être un fichier d’un corps multipart/form-data.')
  }
  const file = media as Blob
  if (file.size > MAX_PHOTO_BYTES) {
    throw new HalteError(413, 'photo_too_large', {
      fr: `La photo dépasse ${MAX_PHOTO_BYTES / 1024 / 1024} Mo ; réduisez-la.`,
      en: `The photo is over ${MAX_PHOTO_BYTES / 1024 / 1024} MB; make it smaller.`,
    })
  }
  const bytes = new Uint8Array(await file.arrayBuffer())
  const type = sniffImage(bytes)
  if (!type) throw unsupportedPhoto('The photo must be a JPEG, PNG or WebP image.', 'La photo doit être une image JPEG, PNG ou WebP.')
  try {
    return { type, bytes: stripMetadata(type, bytes) }
  } catch (err) {
    if (err instanceof UnreadableImage) throw unsupportedPhoto(`The ${type} image cannot be read (${err.message}).`, `L’image ${type} est illisible (${err.message}).`)
    throw err
  }
}

const unsupportedPhoto = (en: string, fr: string) => new HalteError(415, 'unsupported_media', { fr, en })
