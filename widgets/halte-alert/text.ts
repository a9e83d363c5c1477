import { dictionary } from '../lib/i18n.ts'

// Every word of <halte-alert>, in both languages. Discreet mode has its own neutral
// words: on a shared screen, nothing says "alert".
export const t = dictionary({
  title: { fr: 'Alerte : demander de l’aide', en: 'Alert: ask for help' },
  titleDiscreet: { fr: 'Aide', en: 'Help' },
  intro: {
    fr: 'halte prévient l’opérateur de la ville et les refuges ouverts autour de vous.',
    en: 'halte tells the city’s operator and the open refuges around you.',
  },
  introDiscreet: { fr: 'Envoyer une demande à l’opérateur de la ville.', en: 'Send a request to the city’s operator.' },
  hold: { fr: 'Maintenez 2 secondes pour alerter', en: 'Hold 2 seconds to raise an alert' },
  holdDiscreet: { fr: 'Maintenez 2 secondes pour envoyer', en: 'Hold 2 seconds to send' },
  holdHint: {
    fr: 'Maintenez 2 secondes : gardez le doigt, le clic, ou la touche Espace ou Entrée appuyés.',
    en: 'Hold 2 seconds: keep your finger, the click, or the Space or Enter key pressed.',
  },
  holding: { fr: 'Continuez à maintenir…', en: 'Keep holding…' },
  released: { fr: 'Relâché trop tôt : rien n’a été envoyé.', en: 'Released too early: nothing was sent.' },
  cannotHold: { fr: 'Je ne peux pas maintenir', en: 'I cannot hold' },
  confirmQ: { fr: 'Envoyer l’alerte maintenant ?', en: 'Send the alert now?' },
  confirmQDiscreet: { fr: 'Envoyer la demande maintenant ?', en: 'Send the request now?' },
  confirm: { fr: 'Oui, envoyer', en: 'Yes, send' },
  back: { fr: 'Non, revenir', en: 'No, go back' },
  locating: { fr: 'Recherche de votre position…', en: 'Finding your location…' },
  refused: {
    fr: 'Votre position n’est pas disponible. Tapez le nom d’un arrêt ou d’un lieu proche.',
    en: 'Your location is not available. Type the name of a nearby stop or place.',
  },
  slow: {
    fr: 'Position toujours introuvable après 10 secondes. Tapez le nom d’un arrêt ou d’un lieu proche.',
    en: 'Still no location after 10 seconds. Type the name of a nearby stop or place.',
  },
  typed: { fr: 'Arrêt ou lieu où vous êtes', en: 'Stop or place where you are' },
  typedHint: { fr: 'Par exemple le nom de l’arrêt de bus le plus proche.', en: 'For example the name of the nearest bus stop.' },
  search: { fr: 'Chercher', en: 'Search' },
  noMatch: { fr: 'Aucun arrêt ni lieu de ce nom. Essayez un autre nom.', en: 'No stop or place by that name. Try another name.' },
  choose: { fr: 'Lequel ?', en: 'Which one?' },
  sending: { fr: 'Envoi en cours…', en: 'Sending…' },
  down: {
    fr: 'Le service halte ne répond pas. Nouvel essai automatique. Appelez le 17 ou le 112 sans attendre.',
    en: 'The halte service is not answering. Trying again automatically. Call 17 or 112 now.',
  },
  retryNow: { fr: 'Réessayer maintenant', en: 'Try again now' },
  open: { fr: 'Alerte reçue · en attente', en: 'Alert received · waiting' },
  openDiscreet: { fr: 'Demande reçue · en attente', en: 'Request received · waiting' },
  acknowledged: { fr: 'Prise en charge par l’opérateur', en: 'Taken in hand by the operator' },
  resolved: { fr: 'Terminée', en: 'Closed' },
  cancelled: { fr: 'Annulée', en: 'Cancelled' },
  statusLabel: { fr: 'État :', en: 'Status:' },
  live: { fr: 'Suivi en direct', en: 'Live follow-up' },
  reconnecting: { fr: 'Connexion perdue, reconnexion…', en: 'Connection lost, reconnecting…' },
  nobody: {
    fr: 'Personne n’a pu être prévenu par halte. Appelez le 17 ou le 112.',
    en: 'halte could not reach anyone. Call 17 or 112.',
  },
  refuges: { fr: 'Refuges ouverts les plus proches', en: 'Nearest open refuges' },
  noRefuge: { fr: 'Aucun refuge ouvert à proximité.', en: 'No open refuge nearby.' },
  openUntil: { fr: 'Ouvert jusqu’à', en: 'Open until' },
  openNow: { fr: 'Ouvert', en: 'Open' },
  call: { fr: 'Appeler', en: 'Call' },
  cancel: { fr: 'Annuler l’alerte', en: 'Cancel the alert' },
  cancelDiscreet: { fr: 'Annuler la demande', en: 'Cancel the request' },
  cancelQ: { fr: 'Annuler vraiment ? L’opérateur sera prévenu que vous n’avez plus besoin d’aide.', en: 'Really cancel? The operator will be told you no longer need help.' },
  cancelYes: { fr: 'Oui, annuler', en: 'Yes, cancel' },
  cancelNo: { fr: 'Non, garder', en: 'No, keep it' },
  again: { fr: 'Nouvelle demande', en: 'New request' },
  gone: { fr: 'Cette alerte n’est plus disponible.', en: 'This alert is no longer available.' },
})

export type Key = Parameters<typeof t>[1]
