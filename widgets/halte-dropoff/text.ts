import { dictionary, type Lang, type Text } from '../lib/i18n.ts'

// Every string of <halte-dropoff>, in both languages.
export const t = dictionary({
  title: { fr: 'Descendre entre deux arrêts', en: 'Get off between two stops' },
  intro: {
    fr: 'La nuit, le conducteur peut vous déposer au plus près de chez vous, entre deux arrêts, si c’est sans danger.',
    en: 'At night, the driver can let you off closer to where you are going, between two stops, when it is safe.',
  },
  step1: { fr: '1. Dans quel bus êtes-vous ?', en: '1. Which bus are you on?' },
  step2: { fr: '2. Où voulez-vous descendre ?', en: '2. Where do you want to get off?' },
  locate: { fr: 'Trouver les bus autour de moi', en: 'Find the buses around me' },
  locating: { fr: 'Recherche de votre position…', en: 'Finding your location…' },
  typedStop: { fr: 'Ou tapez l’arrêt où vous êtes monté', en: 'Or type the stop where you got on' },
  typedPoint: { fr: 'Un arrêt ou un lieu', en: 'A stop or a place' },
  typedPointHint: { fr: 'Par exemple un commerce ou l’arrêt après lequel vous voulez descendre.', en: 'For example a shop, or the stop after which you want to get off.' },
  search: { fr: 'Chercher', en: 'Search' },
  geoRefused: {
    fr: 'Votre position n’est pas disponible. Tapez le nom d’un arrêt ou d’un lieu.',
    en: 'Your location is not available. Type the name of a stop or a place.',
  },
  noMatch: { fr: 'Aucun arrêt ni lieu de ce nom.', en: 'No stop or place by that name.' },
  choose: { fr: 'Lequel ?', en: 'Which one?' },
  loadingTrips: { fr: 'Recherche des bus qui circulent…', en: 'Looking for buses running now…' },
  noTrips: {
    fr: 'Aucun bus ne circule près de ce point en ce moment. Vérifiez l’arrêt, ou demandez directement au conducteur.',
    en: 'No bus is running near this point right now. Check the stop, or ask the driver directly.',
  },
  line: { fr: 'Ligne', en: 'Line' },
  vehicle: { fr: 'Bus', en: 'Bus' },
  nextStop: { fr: 'Prochain arrêt :', en: 'Next stop:' },
  at: { fr: 'à', en: 'at' },
  yourBus: { fr: 'Votre bus :', en: 'Your bus:' },
  change: { fr: 'Changer de bus', en: 'Change bus' },
  here: { fr: 'Ici (ma position actuelle)', en: 'Here (my current location)' },
  onMap: { fr: 'Ou touchez la carte le long du trajet.', en: 'Or tap the map along the route.' },
  sending: { fr: 'Envoi de la demande…', en: 'Sending the request…' },
  refusedTitle: { fr: 'Demande impossible', en: 'Request not possible' },
  details: { fr: 'Détail :', en: 'Details:' },
  pending: { fr: 'En attente du conducteur…', en: 'Waiting for the driver…' },
  accepted: { fr: 'Accepté : le bus s’arrêtera après', en: 'Accepted: the bus will stop after' },
  declined: { fr: 'Refusé :', en: 'Declined:' },
  done: { fr: 'Fait : vous êtes descendu. Bonne soirée.', en: 'Done: you got off. Take care.' },
  expired: {
    fr: 'Le bus a dépassé ce point sans décision. Demandez au conducteur, ou descendez au prochain arrêt.',
    en: 'The bus passed this point without a decision. Ask the driver, or get off at the next stop.',
  },
  declinedNext: {
    fr: 'Vous pouvez choisir un autre point, ou descendre au prochain arrêt.',
    en: 'You can choose another point, or get off at the next stop.',
  },
  requested: { fr: 'Votre demande :', en: 'Your request:' },
  cancel: { fr: 'Annuler ma demande', en: 'Cancel my request' },
  again: { fr: 'Nouvelle demande', en: 'New request' },
  myData: { fr: 'Vos données', en: 'Your data' },
  download: { fr: 'Télécharger mes données', en: 'Download my data' },
  erase: { fr: 'Effacer mes données', en: 'Erase my data' },
  eraseQ: {
    fr: 'Effacer maintenant le point de descente et tout ce que halte garde de cette demande ? C’est définitif.',
    en: 'Erase now the drop-off point and everything halte keeps about this request? This cannot be undone.',
  },
  eraseYes: { fr: 'Oui, effacer', en: 'Yes, erase' },
  eraseNo: { fr: 'Non, garder', en: 'No, keep it' },
  erased: { fr: 'Vos données ont été effacées.', en: 'Your data has been erased.' },
  retry: { fr: 'Réessayer', en: 'Try again' },
  checking: { fr: 'Dernière vérification à', en: 'Last checked at' },
  lost: { fr: 'Le service ne répond pas ; nouvel essai dans quelques secondes.', en: 'The service is not answering; trying again in a few seconds.' },
  down: {
    fr: 'Le service halte ne répond pas. Si vous êtes en danger, appelez le 17 ou le 112.',
    en: 'The halte service is not answering. If you are in danger, call 17 or 112.',
  },
  map: { fr: 'Carte du trajet', en: 'Route map' },
})

// Why the driver said no, as the rider should read it.
const REASONS: Record<string, Text> = {
  unsafe_spot: { fr: 'l’endroit n’est pas sûr pour s’arrêter.', en: 'the spot is not safe to stop at.' },
  traffic: { fr: 'la circulation ne permet pas de s’arrêter.', en: 'the traffic does not allow a stop.' },
  too_late: { fr: 'la demande est arrivée trop tard pour s’arrêter.', en: 'the request came too late to stop.' },
  other: { fr: 'le conducteur ne peut pas s’arrêter.', en: 'the driver cannot stop.' },
}
export const reasonText = (lang: Lang, reason: string | null) => (REASONS[reason ?? 'other'] ?? REASONS.other!)[lang]

// Each rule of src/transit/rules.ts (and request.ts, feed-age.ts) in plain words, with
// what the person can do instead. halte's own detail (with its numbers) is shown below.
const REFUSALS: Record<string, Text> = {
  outside_hours: {
    fr: 'La descente entre deux arrêts n’est pas proposée à cette heure-ci. Descendez à l’arrêt le plus proche de votre destination.',
    en: 'Getting off between stops is not offered at this time. Get off at the stop nearest to where you are going.',
  },
  route_not_eligible: {
    fr: 'Cette ligne ne propose pas la descente entre deux arrêts. Descendez à l’arrêt le plus proche de votre destination.',
    en: 'This line does not offer getting off between stops. Get off at the stop nearest to where you are going.',
  },
  unknown_trip: {
    fr: 'Ce bus n’est pas reconnu en ce moment. Choisissez de nouveau votre bus, ou demandez directement au conducteur.',
    en: 'This bus is not recognised right now. Choose your bus again, or ask the driver directly.',
  },
  behind_vehicle: {
    fr: 'Le bus est déjà passé à cet endroit. Choisissez un point plus loin sur le trajet.',
    en: 'The bus has already gone past this place. Choose a point further along the route.',
  },
  off_route: {
    fr: 'Ce point est trop loin de la rue où passe le bus. Choisissez un point le long du trajet, le plus près possible de votre destination.',
    en: 'This point is too far from the street the bus takes. Choose a point along the route, as close as possible to where you are going.',
  },
  too_close: {
    fr: 'Ce point est trop près du bus pour qu’il s’arrête à temps. Choisissez un point plus loin, et demandez au moins un arrêt à l’avance.',
    en: 'This point is too close to the bus for it to stop in time. Choose a point further on, and ask at least one stop ahead.',
  },
  excluded_zone: {
    fr: 'Le bus ne peut pas s’arrêter à cet endroit (carrefour, virage, voie de tram…). Choisissez un point un peu plus loin.',
    en: 'The bus cannot stop at this place (junction, bend, tram track…). Choose a point a little further on.',
  },
  timetable_expired: {
    fr: 'Les horaires de ce réseau ne sont plus à jour : la demande ne peut pas être faite ici. Demandez directement au conducteur.',
    en: 'This network’s timetable is out of date, so the request cannot be made here. Ask the driver directly.',
  },
  rate_limited: {
    fr: 'Trop de demandes en peu de temps depuis cette connexion. Patientez quelques minutes, ou demandez directement au conducteur.',
    en: 'Too many requests in a short time from this connection. Wait a few minutes, or ask the driver directly.',
  },
}
export const refusalText = (lang: Lang, code: string): string | null => REFUSALS[code]?.[lang] ?? null
