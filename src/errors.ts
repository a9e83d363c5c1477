import { EMERGENCY } from './emergency.ts'

// One error type for the whole service. Every refusal a person can meet is a
// HalteError with a stable `code`; the one onError in app.ts turns it into RFC 9457
// problem+json in the caller's language (French first, English on request).

export type Lang = 'fr' | 'en'

export interface FieldError {
  path: string
  message: string
}

// A message in both of the service's languages.
export type Text = { fr: string; en: string }

// Titles per code. A code is part of the public contract: never rename one.
const TITLES: Record<string, Text> = {
  validation_failed: { fr: 'Données invalides', en: 'Invalid input' },
  malformed_json: { fr: 'JSON illisible', en: 'Malformed JSON' },
  unsupported_media_type: { fr: 'Type de contenu non pris en charge', en: 'Unsupported content type' },
  payload_too_large: { fr: 'Requête trop volumineuse', en: 'Payload too large' },
  unauthorized: { fr: 'Authentification requise', en: 'Authentication required' },
  invalid_token: { fr: 'Jeton invalide', en: 'Invalid token' },
  forbidden: { fr: 'Accès refusé', en: 'Forbidden' },
  wrong_network: { fr: 'Réseau non autorisé', en: 'Not allowed on this network' },
  not_found: { fr: 'Introuvable', en: 'Not found' },
  network_not_found: { fr: 'Réseau introuvable', en: 'Network not found' },
  trip_not_found: { fr: 'Course introuvable', en: 'Trip not found' },
  network_exists: { fr: 'Ce réseau existe déjà', en: 'Network already exists' },
  sms_number_taken: { fr: 'Numéro SMS déjà utilisé', en: 'SMS number already in use' },
  invalid_opening_hours: { fr: "Horaires d'ouverture invalides", en: 'Invalid opening hours' },
  outside_network_area: { fr: 'Hors du territoire du réseau', en: 'Outside the network area' },
  invalid_transition: { fr: 'Changement d’état impossible', en: 'Invalid state change' },
  closure_ends_before_start: { fr: 'Fermeture incohérente', en: 'Inconsistent closure' },
  closure_in_past: { fr: 'Fermeture passée', en: 'Closure in the past' },
  closure_too_long: { fr: 'Fermeture trop longue', en: 'Closure too long' },
  method_not_allowed: { fr: 'Méthode non autorisée', en: 'Method not allowed' },
  idempotency_key_reused: { fr: 'Clé d’idempotence déjà utilisée', en: 'Idempotency key already used' },
  invalid_signature: { fr: 'Signature invalide', en: 'Invalid signature' },
  rate_limited: { fr: 'Trop de requêtes', en: 'Too many requests' },
  too_many_cells: { fr: 'Trop de cellules', en: 'Too many cells' },
  database_unavailable: { fr: 'Base de données indisponible', en: 'Database unavailable' },
  invalid_gtfs: { fr: 'Flux GTFS invalide', en: 'Invalid GTFS feed' },
  outside_hours: { fr: 'Hors des horaires de descente', en: 'Outside drop-off hours' },
  route_not_eligible: { fr: 'Ligne non éligible', en: 'Route not eligible' },
  off_route: { fr: 'Point hors du trajet', en: 'Point off the route' },
  behind_vehicle: { fr: 'Point déjà passé', en: 'Point behind the bus' },
  too_close: { fr: 'Demande trop tardive', en: 'Too close to the bus' },
  excluded_zone: { fr: 'Arrêt interdit à cet endroit', en: 'Stopping not allowed here' },
  unknown_trip: { fr: 'Course inconnue', en: 'Unknown trip' },
  timetable_expired: { fr: 'Horaires périmés', en: 'Timetable out of date' },
  internal_error: { fr: 'Erreur interne', en: 'Internal error' },
  invalid_character: { fr: 'Caractère interdit', en: 'Forbidden character' },
  instant_out_of_range: { fr: 'Date hors de la plage acceptée', en: 'Instant out of range' },
  invalid_push_endpoint: { fr: 'Adresse de notification refusée', en: 'Push endpoint refused' },
  too_many_subscriptions: { fr: "Trop d'abonnements aux notifications", en: 'Too many push subscriptions' },
  not_your_trip: { fr: "Course d'un autre véhicule", en: "Another vehicle's trip" },
  place_not_editable: { fr: 'Lieu non modifiable', en: 'Place cannot be edited' },
  too_many_streams: { fr: 'Trop de flux ouverts', en: 'Too many open streams' },
  token_expired: { fr: 'Jeton expiré', en: 'Token expired' },
  token_outlives_creator: { fr: 'Expiration au-delà du jeton émetteur', en: 'Expiry beyond the issuing token' },
  stale_request: { fr: 'Requête trop ancienne', en: 'Request too old' },
  invalid_area: { fr: 'Territoire invalide', en: 'Invalid area' },
  jurisdiction_not_found: { fr: 'Juridiction inconnue', en: 'Jurisdiction not found' },
  service_not_found: { fr: 'Catégorie inconnue', en: 'Service not found' },
  location_required: { fr: 'Position requise', en: 'Location required' },
  photo_too_large: { fr: 'Photo trop lourde', en: 'Photo too large' },
  unsupported_media: { fr: 'Photo non prise en charge', en: 'Unsupported photo' },
  invalid_api_key: { fr: 'Clé d’API invalide', en: 'Invalid API key' },
  date_range_too_long: { fr: 'Période trop longue', en: 'Date range too long' },
  category_exists: { fr: 'Catégorie existante', en: 'Category already exists' },
  unknown_sector: { fr: 'Secteur inconnu', en: 'Unknown sector' },
  legal_hold: { fr: 'Conservation sur réquisition judiciaire', en: 'Kept under a judicial requisition' },
  already_erased: { fr: 'Données déjà effacées', en: 'Data already erased' },
  invalid_hold_date: { fr: 'Date de conservation invalide', en: 'Invalid hold date' },
  dropoff_in_progress: { fr: 'Demande en cours', en: 'Request in progress' },
  wrong_walk: { fr: 'Code d’une autre marche', en: 'Code of another walk' },
  already_proposed: { fr: 'Refuge déjà proposé', en: 'Refuge already proposed' },
  already_reported: { fr: 'Déjà signalé', en: 'Already reported' },
  not_a_problem: { fr: 'Pas un signalement', en: 'Not a report' },
}

export class HalteError extends Error {
  readonly status: number
  readonly code: string
  readonly detailText: Text | undefined
  readonly errors: FieldError[] | undefined
  // The same errors in each language, where their messages were written in both.
  readonly localErrors: Record<Lang, FieldError[]> | undefined
  readonly headers: Record<string, string>
  readonly extra: Record<string, unknown>

  constructor(
    status: number,
    code: string,
    detail?: Text | string,
    opts: { errors?: FieldError[]; localErrors?: Record<Lang, FieldError[]>; headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    const text = typeof detail === 'string' ? { fr: detail, en: detail } : detail
    super(text?.en ?? code)
    this.name = 'HalteError'
    this.status = status
    this.code = code
    this.detailText = text
    this.errors = opts.errors
    this.localErrors = opts.localErrors
    this.headers = opts.headers ?? {}
    this.extra = opts.extra ?? {}
  }
}

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  errors?: FieldError[]
  [key: string]: unknown
}

export function titleOf(code: string, lang: Lang): string {
  return TITLES[code]?.[lang] ?? code
}

export function toProblem(err: HalteError, lang: Lang, instance?: string): Problem {
  const title = titleOf(err.code, lang)
  const problem: Problem = {
    type: `urn:halte:problem:${err.code}`,
    title,
    status: err.status,
    detail: err.detailText?.[lang] ?? title,
    code: err.code,
    // Whatever went wrong, a person in distress who reads this answer learns whom to call.
    emergency: EMERGENCY,
    ...err.extra,
  }
  const errors = err.localErrors?.[lang] ?? err.errors
  if (errors?.length) problem.errors = errors
  if (instance) problem.instance = instance
  return problem
}

// Accept-Language decides; French is the default because the cities are French.
export function pickLang(acceptLanguage: string | undefined | null): Lang {
  if (!acceptLanguage) return 'fr'
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';')
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
      return { tag, q: q ? Number(q.slice(2)) || 0 : 1 }
    })
    .sort((a, b) => b.q - a.q)
  for (const { tag } of ranked) {
    if (tag.startsWith('fr')) return 'fr'
    if (tag.startsWith('en')) return 'en'
  }
  return 'fr'
}

export const notFound = (what: Text = { fr: "Cette ressource n'existe pas.", en: 'No such resource.' }) =>
  new HalteError(404, 'not_found', what)
