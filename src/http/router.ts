import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { ZodError } from 'zod'
import { type FieldError, HalteError, type Text } from '../errors.ts'
import type { AppEnv } from './env.ts'

// Every route group is an OpenAPIHono whose validation failures become one
// problem+json shape, so the schema that documents a route is the one that guards it.
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error as unknown as ZodError)
    },
  })
}

// zod's own messages ("Invalid input: expected number, received NaN") speak of types, in
// English. Ours say what was expected, with an example, in both languages, and the answer
// carries the one the request asked for. Messages a schema sets itself stay as written
// ("english / français" is split into the two).
//
// A message this map writes is encoded as kind‖en‖fr: `is` reads after the field's name
// ("lat is required"), `about` after "field:". Only zod's defaults reach it: a message
// given by a schema takes precedence.
const SEP = '\u2016'
const encode = (kind: 'is' | 'about', en: string, fr: string) => [kind, en, fr].join(SEP)

const TYPES: Record<string, Text> = {
  number: { en: 'a number', fr: 'un nombre' },
  int: { en: 'a whole number', fr: 'un nombre entier' },
  string: { en: 'text', fr: 'du texte' },
  boolean: { en: 'true or false', fr: 'true ou false' },
  object: { en: 'an object { … }', fr: 'un objet { … }' },
  array: { en: 'a list [ … ]', fr: 'une liste [ … ]' },
}

function received(input: unknown): Text {
  if (input === null) return { en: 'null', fr: 'null' }
  if (typeof input === 'number' && Number.isNaN(input)) return { en: 'something that is not a number', fr: 'autre chose qu’un nombre' }
  if (Array.isArray(input)) return { en: 'a list', fr: 'une liste' }
  const t = typeof input
  return TYPES[t === 'bigint' ? 'number' : t] ?? { en: t, fr: t }
}

const FORMATS: Record<string, Text> = {
  datetime: {
    en: 'a date and time, e.g. 2026-12-24T23:30 (the network’s local time) or 2026-12-24T23:30:00+01:00',
    fr: 'une date et une heure, par ex. 2026-12-24T23:30 (heure locale du réseau) ou 2026-12-24T23:30:00+01:00',
  },
  date: { en: 'a date, e.g. 2026-12-24', fr: 'une date, par ex. 2026-12-24' },
  uuid: { en: 'an id, e.g. 0e3c7a52-8f1d-4d55-9a43-2b7f5f0c1e9a', fr: 'un identifiant, par ex. 0e3c7a52-8f1d-4d55-9a43-2b7f5f0c1e9a' },
  email: { en: 'an e-mail address, e.g. contact@example.org', fr: 'une adresse e-mail, par ex. contact@example.org' },
  url: { en: 'a URL, e.g. https://example.org/', fr: 'une URL, par ex. https://example.org/' },
}

type RawIssue = {
  code?: string
  input?: unknown
  expected?: string
  origin?: string
  minimum?: number | bigint
  maximum?: number | bigint
  inclusive?: boolean
  format?: string
  values?: unknown[]
  keys?: string[]
  divisor?: number
}

export function describeIssue(iss: RawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type': {
      const want = TYPES[iss.expected ?? ''] ?? { en: String(iss.expected), fr: String(iss.expected) }
      if (iss.input === undefined) return encode('is', `is required (${want.en})`, `est obligatoire (${want.fr})`)
      const got = received(iss.input)
      return encode('is', `must be ${want.en}, not ${got.en}`, `doit être ${want.fr}, pas ${got.fr}`)
    }
    case 'too_small':
    case 'too_big': {
      const small = iss.code === 'too_small'
      const bound = String(small ? iss.minimum : iss.maximum)
      if (iss.origin === 'string') {
        return small
          ? encode('is', `must have at least ${bound} character(s)`, `doit contenir au moins ${bound} caractère(s)`)
          : encode('is', `must have at most ${bound} character(s)`, `doit contenir au plus ${bound} caractère(s)`)
      }
      if (iss.origin === 'array' || iss.origin === 'set') {
        return small
          ? encode('is', `must have at least ${bound} item(s)`, `doit contenir au moins ${bound} élément(s)`)
          : encode('is', `must have at most ${bound} item(s)`, `doit contenir au plus ${bound} élément(s)`)
      }
      const strict = iss.inclusive === false
      return small
        ? encode('is', `must be ${strict ? 'greater than' : 'at least'} ${bound}`, `doit être ${strict ? 'supérieur à' : 'au moins'} ${bound}`)
        : encode('is', `must be ${strict ? 'less than' : 'at most'} ${bound}`, `doit être ${strict ? 'inférieur à' : 'au plus'} ${bound}`)
    }
    case 'invalid_format': {
      const f = FORMATS[iss.format ?? '']
      if (f) return encode('is', `must be ${f.en}`, `doit être ${f.fr}`)
      return encode('is', 'does not have the expected form', "n'a pas la forme attendue")
    }
    case 'invalid_value': {
      const list = (iss.values ?? []).map((v) => JSON.stringify(v)).join(', ')
      return encode('is', `must be one of ${list}`, `doit valoir l’un de ${list}`)
    }
    case 'unrecognized_keys': {
      const keys = (iss.keys ?? []).join(', ')
      return encode('about', `unknown field(s) ${keys}: check the spelling`, `champ(s) inconnu(s) ${keys} : vérifiez l’orthographe`)
    }
    case 'not_multiple_of':
      return encode('is', `must be a multiple of ${iss.divisor}`, `doit être un multiple de ${iss.divisor}`)
    case 'invalid_union':
      return encode('is', 'matches none of the accepted forms (see /docs)', 'ne correspond à aucune des formes acceptées (voir /docs)')
    default:
      return undefined
  }
}

// Lowest precedence: a schema's own message wins over this one.
z.config({ customError: (iss) => describeIssue(iss as RawIssue) })

// Examples for the fields people most often get wrong, added to a message that has none.
const EXAMPLES: Record<string, string> = {
  lat: '47.7508',
  lon: '7.3359',
  at: '2026-12-24T23:30',
  limit: '5',
  features: 'step_free,toilets',
  opening_hours: 'Mo-Fr 09:00-19:00; Sa 10:00-18:00',
}

function localise(path: string, message: string): Text {
  const last = path.split('.').at(-1) ?? ''
  const example = EXAMPLES[last]
  const withExample = (t: Text): Text =>
    example && !/e\.g\.|par ex\./.test(t.en) ? { en: `${t.en}, e.g. ${example}`, fr: `${t.fr}, par ex. ${example}` } : t
  if (message.includes(SEP)) {
    const [kind, en = '', fr = ''] = message.split(SEP)
    // With an example, the type in brackets says less than the example does.
    const bare = (m: string) => (example ? m.replace(/^(is required|est obligatoire) \(.*\)$/, '$1') : m)
    const t = withExample({ en: bare(en), fr: bare(fr) })
    return kind === 'is' ? { en: `${path} ${t.en}`, fr: `${path} ${t.fr}` } : { en: `${path}: ${t.en}`, fr: `${path} : ${t.fr}` }
  }
  // A schema's own message: "english / français", or one text for both.
  const cut = message.indexOf(' / ')
  const t = withExample(cut > 0 ? { en: message.slice(0, cut), fr: message.slice(cut + 3) } : { en: message, fr: message })
  return { en: `${path}: ${t.en}`, fr: `${path} : ${t.fr}` }
}

export function validationError(error: ZodError): HalteError {
  const texts = error.issues.map((i) => {
    const path = i.path.length ? i.path.map(String).join('.') : '(body)'
    return { path, text: localise(path, i.message) }
  })
  const errors = (lang: 'fr' | 'en'): FieldError[] => texts.map((t) => ({ path: t.path, message: t.text[lang] }))
  return new HalteError(
    400,
    'validation_failed',
    {
      fr: `Données invalides : ${texts.map((t) => t.text.fr).join(' ; ')}.`,
      en: `Invalid input: ${texts.map((t) => t.text.en).join('; ')}.`,
    },
    { errors: errors('en'), localErrors: { fr: errors('fr'), en: errors('en') } },
  )
}
