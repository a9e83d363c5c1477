import { wallClock } from '../hours/evaluate.ts'
import type { Lang } from '../errors.ts'
import type { NearestPlace } from '../places/nearest.ts'

// SMS replies: emergency numbers first, always; then what helps. Kept within two
// segments where possible: GSM-7 (153 characters per segment when concatenated) once
// characters outside the GSM alphabet are folded, e.g. "ê" → "e".


const GSM = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
)
const TWO_SEGMENTS = 306

export function toGsm(text: string): string {
  return [...text]
    .map((ch) => {
      if (GSM.has(ch)) return ch
      if (ch === '’' || ch === '‘') return "'"
      if (ch === '«' || ch === '»' || ch === '“' || ch === '”') return '"'
      if (ch === '–' || ch === '—') return '-'
      if (ch === '\u00a0' || ch === '\u202f') return ' '
      const base = ch.normalize('NFD').replace(/\p{M}/gu, '')
      return [...base].every((c) => GSM.has(c)) ? base : '?'
    })
    .join('')
}

export function segments(text: string): number {
  return text.length <= 160 ? 1 : Math.ceil(text.length / 153)
}

const EMERGENCY: Record<Lang, string> = {
  fr: 'Urgence : appelez le 17 ou le 112, SMS au 114.',
  en: 'Emergency: call 17 or 112, text 114.',
}

const hhmm = (d: Date, tz: string) => {
  const w = wallClock(d, tz)
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`
}

function placeLine(p: NearestPlace, i: number, lang: Lang, tz: string, withAddress: boolean) {
  const dist = p.distance_m < 1000 ? `${Math.round(p.distance_m / 10) * 10} m` : `${(p.distance_m / 1000).toFixed(1)} km`
  const until = p.open_until ? (lang === 'fr' ? `, jusqu'à ${hhmm(p.open_until, tz)}` : `, until ${hhmm(p.open_until, tz)}`) : ''
  return `${i + 1}) ${p.name}${withAddress ? `, ${p.address}` : ''}, ${dist}${until}`
}

// Said back when a name in the message placed the person: a wrong guess can then be
// corrected. Long names are cut so the refuges still fit.
export interface Understood {
  via: string
  name?: string
}

function understoodLine(lang: Lang, near: Understood | undefined): string {
  if (!near?.name || (near.via !== 'stop' && near.via !== 'name')) return ''
  const name = near.name.length > 40 ? `${near.name.slice(0, 37)}...` : near.name
  if (lang === 'en') return ` Near ${near.via === 'stop' ? `stop ${name}` : `"${name}"`}? If not, say where you are.`
  return ` Vous êtes près ${near.via === 'stop' ? `de l'arrêt ${name}` : `de "${name}"`} ? Sinon, dites où vous êtes.`
}

// The help desk to go to next, one line: open now until when, or when it opens.
export interface HelpLine {
  name: string
  phone: string | null
  open_now: boolean
  open_until: Date | null
  next_open: Date | null
}

const weekday = (d: Date, tz: string, lang: Lang) => new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { weekday: 'long', timeZone: tz }).format(d)

export function helpLine(h: HelpLine | null | undefined, lang: Lang, tz: string): string {
  if (!h || (!h.open_now && !h.next_open)) return ''
  const when = h.open_now
    ? h.open_until
      ? lang === 'fr'
        ? `ouvert jusqu'à ${hhmm(h.open_until, tz)}`
        : `open until ${hhmm(h.open_until, tz)}`
      : lang === 'fr'
        ? 'ouvert'
        : 'open'
    : lang === 'fr'
      ? `ouvre ${weekday(h.next_open!, tz, lang)} ${hhmm(h.next_open!, tz)}`
      : `opens ${weekday(h.next_open!, tz, lang)} ${hhmm(h.next_open!, tz)}`
  const name = h.name.length > 40 ? `${h.name.slice(0, 37)}...` : h.name
  return ` ${lang === 'fr' ? 'Aide aux victimes :' : 'Victim support:'} ${name}, ${when}${h.phone ? `, ${h.phone}` : ''}.`
}

export function refugesReply(lang: Lang, places: NearestPlace[], tz: string, near?: Understood, help?: HelpLine | null): string {
  const head = `${EMERGENCY[lang]}${understoodLine(lang, near)}`
  const tail = lang === 'fr' ? ' Alerte transmise.' : ' Alert sent.'
  // Refuges first, then their addresses; the help desk only where it still fits.
  const helpText = helpLine(help, lang, tz)
  if (!places.length) {
    const none = `${head} ${lang === 'fr' ? 'Aucun refuge ouvert à proximité.' : 'No open refuge nearby.'}${tail}`
    const withHelp = toGsm(`${none}${helpText}`)
    return withHelp.length <= TWO_SEGMENTS ? withHelp : toGsm(none)
  }
  const intro = lang === 'fr' ? ' Refuges ouverts : ' : ' Open refuges: '
  // Three refuges matter more than their addresses: drop addresses first, then refuges.
  for (let n = places.length; n >= 1; n--) {
    for (const withAddress of [true, false]) {
      for (const extra of helpText ? [helpText, ''] : ['']) {
        const text = toGsm(`${head}${intro}${places.slice(0, n).map((p, i) => placeLine(p, i, lang, tz, withAddress)).join(' ')}.${tail}${extra}`)
        if (text.length <= TWO_SEGMENTS) return text
      }
    }
  }
  return toGsm(`${head}${intro}${placeLine(places[0]!, 0, lang, tz, false)}`).slice(0, TWO_SEGMENTS)
}

export function askLocationReply(lang: Lang): string {
  return toGsm(
    lang === 'fr'
      ? `${EMERGENCY.fr} Où êtes-vous ? Répondez avec une adresse, le nom d'un lieu ou un lien de carte (position partagée).`
      : `${EMERGENCY.en} Where are you? Reply with an address, a place name or a map link (shared location).`,
  )
}

export function optOutReply(lang: Lang): string {
  return toGsm(lang === 'fr' ? `Vous ne recevrez plus de SMS de halte. ${EMERGENCY.fr}` : `You will get no more SMS from halte. ${EMERGENCY.en}`)
}

export function optInReply(lang: Lang): string {
  return toGsm(lang === 'fr' ? `SMS de halte réactivés. ${EMERGENCY.fr}` : `SMS from halte are back on. ${EMERGENCY.en}`)
}

export function slowDownReply(lang: Lang): string {
  return toGsm(
    lang === 'fr'
      ? `${EMERGENCY.fr} Votre alerte est déjà transmise ; trop de messages en peu de temps.`
      : `${EMERGENCY.en} Your alert has already been passed on; too many messages in a short time.`,
  )
}

export function unknownNumberReply(): string {
  return toGsm(`${EMERGENCY.fr} / ${EMERGENCY.en}`)
}
