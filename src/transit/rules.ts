import { HalteError, type Text } from '../errors.ts'
import { isoInZone } from '../hours/format.ts'
import { stateAt } from '../hours/evaluate.ts'
import { parseHours } from '../hours/parse.ts'
import type { Network } from '../networks/schemas.ts'
import { type LonLat, makeLine, snapAhead } from './geometry.ts'
import type { TripShape } from './queries.ts'


// Every refusal carries its explanation in the network's language (`message`) as well as
// the problem's detail in the reader's.
export function refusal(network: Network, code: string, text: Text): HalteError {
  return new HalteError(422, code, text, { extra: { message: text[network.locale === 'en' ? 'en' : 'fr'] } })
}

export function unknownTrip(network: Network, what: string): HalteError {
  return refusal(network, 'unknown_trip', {
    fr: `Course inconnue (${what}) : vérifiez la ligne et l'heure, ou demandez au conducteur.`,
    en: `Unknown trip (${what}): check the line and time, or ask the driver.`,
  })
}

// The trip exists but its calendar has no run around that instant: a rider who picked
// yesterday's timetable, or a trip that ended long ago, must not reach a driver's feed.
export function tripNotRunning(network: Network, tripId: string, at: Date): HalteError {
  const when = isoInZone(at, network.timezone).slice(0, 16).replace('T', ' ')
  return refusal(network, 'unknown_trip', {
    fr: `La course ${tripId} ne circule pas à ce moment-là (${when}) : vérifiez la ligne et l'heure, ou demandez au conducteur.`,
    en: `Trip ${tripId} does not run at that time (${when}): check the line and time, or ask the driver.`,
  })
}

// GTFS route_type 3 and the extended bus types 700–799.
const isBus = (routeType: number) => routeType === 3 || (routeType >= 700 && routeType < 800)

export function checkRoute(network: Network, trip: TripShape) {
  const ids = network.dropoff.route_ids
  const eligible = ids ? ids.includes(trip.route_id) : isBus(trip.route_type)
  if (!eligible) {
    throw refusal(network, 'route_not_eligible', {
      fr: `La ligne ${trip.route_id} ne propose pas la descente entre deux arrêts.`,
      en: `Route ${trip.route_id} does not offer drop-off between stops.`,
    })
  }
}

export function checkHours(network: Network, at: Date, where: LonLat) {
  const hours = network.dropoff.hours
  if (!hours) return
  const { oh } = parseHours(hours, { countryCode: network.country_code, regionCode: network.region_code, lat: where[1], lon: where[0] }, 'dropoff.hours')
  if (!stateAt(oh, network.timezone, at, 2).open) {
    throw refusal(network, 'outside_hours', {
      fr: `La descente entre deux arrêts n'est proposée qu'aux horaires ${hours}.`,
      en: `Drop-off between stops is only offered during ${hours}.`,
    })
  }
}

export interface Placement {
  snapped: LonLat
  offsetM: number
  alongM: number
  afterIndex: number // the stop before the point; the next one is afterIndex + 1
}

// Snaps the requested point onto the part of the line ahead of the bus, and applies the
// distance rules. `busAlongM` is where the bus is along the same line.
export function place(network: Network, trip: TripShape, point: LonLat, busAlongM: number): Placement {
  const line = makeLine(trip.coords)
  const maxOffset = network.dropoff.max_offset_m
  const ahead = snapAhead(line, point, busAlongM)
  const anywhere = snapAhead(line, point, 0)
  const behind = anywhere.along < busAlongM && anywhere.offset <= maxOffset && ahead.offset > anywhere.offset + 1
  if (behind) {
    throw refusal(network, 'behind_vehicle', {
      fr: 'Le bus a déjà passé ce point.',
      en: 'The bus has already passed this point.',
    })
  }
  if (ahead.offset > maxOffset) {
    throw refusal(network, 'off_route', {
      fr: `Ce point est à ${Math.round(ahead.offset)} m du trajet du bus ; il doit en être à ${maxOffset} m au plus.`,
      en: `This point is ${Math.round(ahead.offset)} m from the bus's route; it must be within ${maxOffset} m.`,
    })
  }
  const minAhead = network.dropoff.min_ahead_m
  if (ahead.along - busAlongM < minAhead) {
    throw refusal(network, 'too_close', {
      fr: `Trop près du bus : demandez au moins ${minAhead} m à l'avance (environ un arrêt avant).`,
      en: `Too close to the bus: ask at least ${minAhead} m ahead (about one stop before).`,
    })
  }
  const d = trip.dists_m
  let i = 0
  while (i + 2 < d.length && d[i + 1]! <= ahead.along) i++
  return { snapped: ahead.point, offsetM: ahead.offset, alongM: ahead.along, afterIndex: i }
}

export function betweenText(after: string, before: string, metres: number): Text {
  const m = Math.max(0, Math.round(metres))
  return { fr: `Entre ${after} et ${before}, ${m} m après ${after}`, en: `Between ${after} and ${before}, ${m} m after ${after}` }
}

// A driver's position moves the bus along its trip, and expires what it went past, only
// when it can be believed. GPS in a street canyon strays by tens of metres, never by
// hundreds: farther than this from the line, the point says nothing about the trip.
export const OFF_ROUTE_M = 300
// Between two believed positions the bus covers at most this much, plus the time elapsed
// at this speed (108 km/h, above any bus in town). Reports come every few seconds; a jump
// to the end of the line is a glitch or a typing error, not a bus.
export const PROGRESS_SLACK_M = 1000
export const MAX_SPEED_MPS = 30

export interface Progress {
  alongM: number | null // where the bus now stands along its line
  alongAt: Date | null // when that was established
  passed: { fromM: number; toM: number } | null // the stretch the bus is proven to have covered
}

// `last` is the previous believed position on the same trip (none on a claim).
export function judgeProgress(last: { alongM: number; at: Date } | null, snap: { along: number; offset: number }, now: Date): Progress {
  const keep: Progress = { alongM: last?.alongM ?? null, alongAt: last?.at ?? null, passed: null }
  if (snap.offset > OFF_ROUTE_M) return keep
  if (!last) return { alongM: snap.along, alongAt: now, passed: null }
  const elapsedS = Math.max(0, (now.getTime() - last.at.getTime()) / 1000)
  const jump = snap.along - last.alongM
  if (jump > PROGRESS_SLACK_M + MAX_SPEED_MPS * elapsedS) return keep
  return { alongM: snap.along, alongAt: now, passed: jump > 0 ? { fromM: last.alongM, toM: snap.along } : null }
}

// A trip stays with the vehicle that claimed it while it keeps reporting; silent this
// long, it may be taken over (a bus swapped mid-run, a phone that died).
export const TRIP_HOLD_MS = 10 * 60 * 1000

export function tripHeldElsewhere(tripId: string): HalteError {
  return new HalteError(403, 'not_your_trip', {
    fr: `La course ${tripId} est déjà assurée par un autre véhicule : vérifiez le numéro de course.`,
    en: `Trip ${tripId} is already run by another vehicle: check the trip number.`,
  })
}

export function notYourTrip(): HalteError {
  return new HalteError(403, 'not_your_trip', {
    fr: 'Cette demande concerne une autre course que celle de votre véhicule.',
    en: "This request is for another trip than your vehicle's.",
  })
}
