import { css, html, nothing } from 'lit'
import { ApiError } from './lib/api.ts'
import { HalteElement } from './lib/base.ts'
import { emergencyNumbers } from './lib/emergency.ts'
import { dictionary, distance, wallDay, wallTime } from './lib/i18n.ts'
import { baseStyles } from './lib/styles.ts'

// <halte-nearby>: the nearest open refuges, from the phone's position or a typed stop
// or refuge name. The emergency numbers come first and need nothing from the network.

interface Place {
  id: string
  name: string
  kind: string
  address: string
  phone: string | null
  distance_m?: number
  open_now?: boolean
  open_until?: string | null
  next_open?: string | null
}
interface Feature {
  geometry: { coordinates: [number, number] }
  properties: Place
}
// A help desk (victim support, rights…): where to go next, never shown as a refuge.
interface Help {
  properties: Place & { schedule_note: string | null }
}
interface SearchResult {
  kind: 'place' | 'stop'
  id: string
  name: string
  lat: number
  lon: number
}

const t = dictionary({
  title: { fr: 'Refuges ouverts près de vous', en: 'Open refuges near you' },
  intro: {
    fr: 'Des commerces partenaires vous accueillent et vous mettent à l’abri. Demandez « Angela ».',
    en: 'Partner businesses take you in and keep you safe. Ask for “Angela”.',
  },
  locate: { fr: 'Utiliser ma position', en: 'Use my location' },
  locating: { fr: 'Recherche de votre position…', en: 'Finding your location…' },
  typed: { fr: 'Ou tapez un arrêt ou un lieu', en: 'Or type a stop or a place' },
  typedHint: { fr: 'Par exemple le nom de l’arrêt de bus le plus proche.', en: 'For example the name of the nearest bus stop.' },
  search: { fr: 'Chercher', en: 'Search' },
  refused: {
    fr: 'Votre position n’est pas disponible. Tapez le nom d’un arrêt ou d’un lieu proche.',
    en: 'Your location is not available. Type the name of a nearby stop or place.',
  },
  noMatch: { fr: 'Aucun arrêt ni lieu de ce nom.', en: 'No stop or place by that name.' },
  choose: { fr: 'Lequel ?', en: 'Which one?' },
  loading: { fr: 'Recherche des refuges ouverts…', en: 'Looking for open refuges…' },
  near: { fr: 'Près de', en: 'Near' },
  openUntil: { fr: 'Ouvert jusqu’à', en: 'Open until' },
  open: { fr: 'Ouvert', en: 'Open' },
  call: { fr: 'Appeler', en: 'Call' },
  directions: { fr: 'Itinéraire', en: 'Directions' },
  none: { fr: 'Aucun refuge ouvert à moins de', en: 'No refuge open within' },
  nextOpen: { fr: 'Prochain à ouvrir :', en: 'Next to open:' },
  opens: { fr: 'ouvre', en: 'opens' },
  at: { fr: 'à', en: 'at' },
  help: { fr: 'Aide aux victimes', en: 'Victim support' },
  down: {
    fr: 'Le service halte ne répond pas. Si vous êtes en danger, appelez le 17 ou le 112.',
    en: 'The halte service is not answering. If you are in danger, call 17 or 112.',
  },
})

type View =
  | { kind: 'idle' }
  | { kind: 'locating' }
  | { kind: 'loading'; from: string }
  | { kind: 'choose'; matches: SearchResult[] }
  | { kind: 'results'; from: string; open: Feature[]; next: Feature | null; help: Help | null }
  | { kind: 'error'; message: string }

export class HalteNearby extends HalteElement {
  static override properties = {
    ...HalteElement.properties,
    radius: { type: Number },
    limit: { type: Number },
    view: { state: true },
    notice: { state: true },
  }
  declare radius: number
  declare limit: number
  declare view: View
  declare notice: string

  static override styles = [
    baseStyles,
    css`
      form.typed .row { flex-wrap: nowrap; }
      .place h3 { margin: 0; }
      .meta { color: var(--halte-muted); }
      .actions { margin-top: 0.4em; }
      .help { margin-top: 1em; padding-top: 0.5em; border-top: 1px solid var(--halte-muted); font-size: 0.95em; }
      .help h3 { margin: 0 0 0.2em; font-size: 1em; }
    `,
  ]

  constructor() {
    super()
    this.radius = 2000
    this.limit = 5
    this.view = { kind: 'idle' }
    this.notice = ''
  }

  private locate() {
    const lang = this.lang2
    if (!('geolocation' in navigator)) {
      this.notice = t(lang, 'refused')
      this.focusTyped()
      return
    }
    this.notice = ''
    this.view = { kind: 'locating' }
    navigator.geolocation.getCurrentPosition(
      (pos) => void this.nearest(pos.coords.latitude, pos.coords.longitude, ''),
      () => {
        this.view = { kind: 'idle' }
        this.notice = t(lang, 'refused')
        this.focusTyped()
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
    )
  }

  private focusTyped() {
    void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-typed') as HTMLInputElement | null)?.focus())
  }

  private async searchTyped(e: SubmitEvent) {
    e.preventDefault()
    const q = ((e.currentTarget as HTMLFormElement).elements.namedItem('q') as HTMLInputElement).value.trim()
    if (q.length < 2) return
    this.notice = ''
    this.view = { kind: 'loading', from: q }
    try {
      const { results } = await this.call<{ results: SearchResult[] }>(`/v1/networks/${enc(this.network)}/search?q=${encodeURIComponent(q)}&limit=5`)
      if (results.length === 0) {
        this.view = { kind: 'idle' }
        this.notice = t(this.lang2, 'noMatch')
        this.focusTyped()
      } else if (results.length === 1) await this.nearest(results[0]!.lat, results[0]!.lon, results[0]!.name)
      else this.view = { kind: 'choose', matches: results }
    } catch (err) {
      this.fail(err)
    }
  }

  private async nearest(lat: number, lon: number, from: string) {
    this.view = { kind: 'loading', from }
    const path = `/v1/networks/${enc(this.network)}/places/nearest?lat=${lat}&lon=${lon}`
    try {
      const open = await this.call<{ features: Feature[] }>(`${path}&limit=${this.limit}&open=true`)
      const within = open.features.filter((f) => (f.properties.distance_m ?? 0) <= this.radius)
      let next: Feature | null = null
      if (within.length === 0) {
        // Nothing open near: the closest place that opens soonest is what helps next.
        const all = await this.call<{ features: Feature[] }>(`${path}&limit=10&open=false`)
        next =
          all.features
            .filter((f) => f.properties.next_open && (f.properties.distance_m ?? 0) <= this.radius)
            .sort((a, b) => a.properties.next_open!.localeCompare(b.properties.next_open!))[0] ?? null
      }
      // The help desk comes as an extra: without it the refuges still show.
      const help = await this.call<{ features: Help[] }>(`/v1/networks/${enc(this.network)}/help-services?lat=${lat}&lon=${lon}&limit=1`).then(
        (r) => r.features[0] ?? null,
        () => null,
      )
      this.view = { kind: 'results', from, open: within, next, help }
      void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-results') as HTMLElement | null)?.focus())
    } catch (err) {
      this.fail(err)
    }
  }

  private fail(err: unknown) {
    const lang = this.lang2
    this.view = { kind: 'error', message: err instanceof ApiError && err.status !== 0 && err.status < 500 ? err.message : t(lang, 'down') }
  }

  override render() {
    const lang = this.lang2
    return html`${emergencyNumbers(lang)}
      <section aria-labelledby="halte-nearby-title">
        <h2 id="halte-nearby-title">${t(lang, 'title')}</h2>
        <p class="hint">${t(lang, 'intro')}</p>
        <p><button type="button" @click=${() => this.locate()}>${t(lang, 'locate')}</button></p>
        <form class="typed" role="search" @submit=${(e: SubmitEvent) => this.searchTyped(e)}>
          <label for="halte-typed">${t(lang, 'typed')}</label>
          <div class="row">
            <input id="halte-typed" name="q" type="search" minlength="2" maxlength="100" autocomplete="off" aria-describedby="halte-typed-hint" />
            <button type="submit">${t(lang, 'search')}</button>
          </div>
          <p class="hint" id="halte-typed-hint">${t(lang, 'typedHint')}</p>
        </form>
        <div aria-live="polite">${this.notice ? html`<p class="error" role="alert">${this.notice}</p>` : nothing} ${this.renderView()}</div>
      </section>`
  }

  private renderView() {
    const lang = this.lang2
    const v = this.view
    switch (v.kind) {
      case 'idle':
        return nothing
      case 'locating':
        return html`<p>${t(lang, 'locating')}</p>`
      case 'loading':
        return html`<p>${t(lang, 'loading')}</p>`
      case 'error':
        return html`<p class="error" role="alert">${v.message}</p>`
      case 'choose':
        return html`<h3>${t(lang, 'choose')}</h3>
          <ul class="cards">
            ${v.matches.map((m) => html`<li><button type="button" class="secondary" @click=${() => this.nearest(m.lat, m.lon, m.name)}>${m.name}</button></li>`)}
          </ul>`
      case 'results':
        return html`<div id="halte-results" tabindex="-1">
          ${v.from ? html`<p class="meta">${t(lang, 'near')} ${v.from}</p>` : nothing}
          ${
            v.open.length
              ? html`<ul class="cards">${v.open.map((f) => this.renderPlace(f))}</ul>`
              : html`<p><strong>${t(lang, 'none')} ${distance(lang, this.radius)}.</strong></p>
                  ${v.next ? html`<p>${t(lang, 'nextOpen')}</p><ul class="cards">${this.renderPlace(v.next)}</ul>` : nothing}`
          }
          ${v.help ? this.renderHelp(v.help) : nothing}
        </div>`
    }
  }

  private renderHelp(h: Help) {
    const lang = this.lang2
    const p = h.properties
    return html`<section class="help" aria-labelledby="halte-help-title">
      <h3 id="halte-help-title">${t(lang, 'help')}</h3>
      <p>${p.schedule_note ? html`${p.schedule_note} — ` : nothing}<strong>${p.name}</strong>, ${p.address}</p>
      <p class=${p.open_now ? 'ok' : 'meta'}>${this.status(p)}</p>
      ${p.phone ? html`<p><a class="button secondary" href=${`tel:${p.phone.replace(/[^\d+]/g, '')}`}>${t(lang, 'call')} ${p.phone}</a></p>` : nothing}
    </section>`
  }

  private status(p: Place) {
    const lang = this.lang2
    return p.open_now
      ? p.open_until
        ? `${t(lang, 'openUntil')} ${wallTime(p.open_until)}`
        : t(lang, 'open')
      : p.next_open
        ? `${t(lang, 'opens')} ${wallDay(lang, p.next_open)} ${t(lang, 'at')} ${wallTime(p.next_open)}`
        : ''
  }

  private renderPlace(f: Feature) {
    const lang = this.lang2
    const p = f.properties
    const [lon, lat] = f.geometry.coordinates
    const status = this.status(p)
    return html`<li class="place">
      <h3>${p.name}</h3>
      <p class="meta">${p.distance_m !== undefined ? distance(lang, p.distance_m) : ''} · ${p.address}</p>
      <p class=${p.open_now ? 'ok' : ''}>${status}</p>
      <p class="row actions">
        ${p.phone ? html`<a class="button" href=${`tel:${p.phone.replace(/[^\d+]/g, '')}`}>${t(lang, 'call')} ${p.phone}</a>` : nothing}
        <a class="button secondary" href=${`https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot&route=%3B${lat}%2C${lon}`} target="_blank" rel="noopener">${t(lang, 'directions')}<span class="visually-hidden"> : ${p.name}</span></a>
      </p>
    </li>`
  }
}

const enc = encodeURIComponent

if (!customElements.get('halte-nearby')) customElements.define('halte-nearby', HalteNearby)
