import { css, html, nothing } from 'lit'
import { ApiError } from './lib/api.ts'
import { HalteElement } from './lib/base.ts'
import { emergencyNumbers } from './lib/emergency.ts'
import { clock, dictionary, wallDay } from './lib/i18n.ts'
import { baseStyles } from './lib/styles.ts'

// <halte-walk>: a participant of an exploratory walk notes what she finds, one tap a
// finding, with the phone's position. The code on the sheet opens this walk only; it is
// kept for this tab (sessionStorage) so a reload mid-walk does not ask for it again.

const PROBLEMS = ['harassment', 'poor_lighting', 'dangerous_spot_night', 'drug_dealing', 'nitrous_oxide', 'damage', 'noise', 'abandoned_object', 'other'] as const
const POSITIVES = ['well_lit', 'shop_open_late', 'busy_place', 'safe_route'] as const
type Category = (typeof PROBLEMS)[number] | (typeof POSITIVES)[number]

interface Walk {
  id: string
  title: string
  date: string
  sector: string | null
}
interface Added {
  id: string
  category: Category
  note: string | null
  created_at: string
}

const t = dictionary({
  title: { fr: 'Marche exploratoire', en: 'Exploratory walk' },
  codeLabel: { fr: 'Code de participation', en: 'Participant code' },
  codeHint: { fr: 'Le code écrit sur la feuille de la marche, par exemple ABCD-EFGH-JKMN.', en: 'The code on the walk’s sheet, e.g. ABCD-EFGH-JKMN.' },
  join: { fr: 'Rejoindre la marche', en: 'Join the walk' },
  leave: { fr: 'Quitter', en: 'Leave' },
  locating: { fr: 'Position : recherche en cours…', en: 'Position: searching…' },
  located: { fr: 'Position trouvée, à {m} m près', en: 'Position found, within {m} m' },
  noPosition: {
    fr: 'Position indisponible : autorisez la localisation pour ajouter un constat.',
    en: 'Position unavailable: allow location to add a finding.',
  },
  note: { fr: 'Note (facultatif), à écrire avant de toucher un constat', en: 'Note (optional), to type before tapping a finding' },
  problems: { fr: 'Ce qui pose problème', en: 'What feels unsafe' },
  positives: { fr: 'Ce qui rassure', en: 'What feels safe' },
  saved: { fr: 'Ajouté :', en: 'Added:' },
  mine: { fr: 'Ce que j’ai ajouté', en: 'What I added' },
  nothingYet: { fr: 'Rien pour l’instant.', en: 'Nothing yet.' },
  down: { fr: 'Le service ne répond pas : réessayez dans un instant.', en: 'The service is not answering: try again in a moment.' },
  harassment: { fr: 'Harcèlement', en: 'Harassment' },
  poor_lighting: { fr: 'Mal éclairé', en: 'Poorly lit' },
  dangerous_spot_night: { fr: 'Lieu dangereux la nuit', en: 'Unsafe at night' },
  drug_dealing: { fr: 'Point de deal', en: 'Drug dealing' },
  nitrous_oxide: { fr: 'Protoxyde d’azote', en: 'Nitrous oxide' },
  damage: { fr: 'Dégradation', en: 'Damage' },
  noise: { fr: 'Bruit', en: 'Noise' },
  abandoned_object: { fr: 'Objet abandonné', en: 'Abandoned object' },
  other: { fr: 'Autre', en: 'Other' },
  well_lit: { fr: 'Bien éclairé', en: 'Well lit' },
  shop_open_late: { fr: 'Commerce ouvert tard', en: 'Shop open late' },
  busy_place: { fr: 'Lieu animé', en: 'Busy place' },
  safe_route: { fr: 'Trajet sûr', en: 'Safe route' },
})

export class HalteWalk extends HalteElement {
  static override properties = {
    ...HalteElement.properties,
    code: { type: String },
    walk: { state: true },
    position: { state: true },
    positionLost: { state: true },
    added: { state: true },
    notice: { state: true },
    problem: { state: true },
    busy: { state: true },
  }
  declare code: string
  declare walk: Walk | null
  declare position: { lat: number; lon: number; accuracy: number } | null
  declare positionLost: boolean
  declare added: Added[]
  declare notice: string
  declare problem: string
  declare busy: boolean
  private watch: number | null = null

  static override styles = [
    baseStyles,
    css`
      :host { max-width: 40rem; }
      .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: 0.5em; }
      .grid button { min-height: 64px; font-size: 1.05rem; font-weight: 600; white-space: normal; text-align: center; }
      .grid.good button { background: var(--halte-ok); border-color: var(--halte-ok); }
      .code { font-family: ui-monospace, monospace; letter-spacing: 0.08em; text-transform: uppercase; }
      .meta { color: var(--halte-muted); }
    `,
  ]

  constructor() {
    super()
    this.code = ''
    this.walk = null
    this.position = null
    this.positionLost = false
    this.added = []
    this.notice = ''
    this.problem = ''
    this.busy = false
  }

  private get key() {
    return `halte:walk:${this.network || 'default'}`
  }

  override connectedCallback() {
    super.connectedCallback()
    // A link from the console carries the code in its fragment, never sent to a server.
    const fromLink = /[#&]code=([A-Za-z0-9-]{6,40})/.exec(location.hash)?.[1]
    let kept = ''
    try {
      kept = sessionStorage.getItem(this.key) ?? ''
    } catch {
      kept = ''
    }
    const code = this.code || fromLink || kept
    if (code) void this.join(code)
  }

  override disconnectedCallback() {
    super.disconnectedCallback()
    if (this.watch !== null) navigator.geolocation.clearWatch(this.watch)
  }

  private async join(code: string) {
    this.problem = ''
    try {
      this.walk = await this.call<Walk>('/v1/walks/by-code', { accessToken: code })
      this.code = code
      try {
        sessionStorage.setItem(this.key, code)
      } catch {
        // kept for this page only
      }
      this.startLocating()
      void this.updateComplete.then(() => (this.renderRoot.querySelector('#walk-title') as HTMLElement | null)?.focus())
    } catch (err) {
      this.problem = err instanceof ApiError && err.status > 0 ? err.message : t(this.lang2, 'down')
    }
  }

  private leave() {
    if (this.watch !== null) navigator.geolocation.clearWatch(this.watch)
    this.watch = null
    this.walk = null
    this.code = ''
    this.added = []
    try {
      sessionStorage.removeItem(this.key)
    } catch {
      // nothing kept
    }
  }

  private startLocating() {
    if (!('geolocation' in navigator)) {
      this.positionLost = true
      return
    }
    this.watch = navigator.geolocation.watchPosition(
      (p) => {
        this.position = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy }
        this.positionLost = false
      },
      () => {
        this.positionLost = true
      },
      { enableHighAccuracy: true, maximumAge: 10_000, timeout: 20_000 },
    )
  }

  private async add(category: Category) {
    const lang = this.lang2
    if (!this.walk || this.busy) return
    if (!this.position) {
      this.problem = t(lang, 'noPosition')
      return
    }
    const field = this.renderRoot.querySelector('#walk-note') as HTMLTextAreaElement | null
    const note = field?.value.trim() ?? ''
    this.busy = true
    this.problem = ''
    try {
      const made = await this.call<Added>(`/v1/walks/${this.walk.id}/findings`, {
        accessToken: this.code,
        json: { lat: this.position.lat, lon: this.position.lon, category, ...(note ? { note } : {}) },
      })
      this.added = [made, ...this.added]
      this.notice = `${t(lang, 'saved')} ${t(lang, category)}`
      if (field) field.value = ''
    } catch (err) {
      this.problem = err instanceof ApiError && err.status > 0 ? err.message : t(lang, 'down')
    } finally {
      this.busy = false
    }
  }

  override render() {
    const lang = this.lang2
    return html`${emergencyNumbers(lang)}
      <section aria-labelledby="walk-title">${this.walk ? this.renderWalk(this.walk) : this.renderJoin()}</section>`
  }

  private renderJoin() {
    const lang = this.lang2
    const submit = (e: SubmitEvent) => {
      e.preventDefault()
      const v = ((e.currentTarget as HTMLFormElement).elements.namedItem('code') as HTMLInputElement).value.trim()
      if (v) void this.join(v)
    }
    return html`<h2 id="walk-title">${t(lang, 'title')}</h2>
      <form @submit=${submit}>
        <label for="walk-code">${t(lang, 'codeLabel')}</label>
        <input id="walk-code" name="code" class="code" autocomplete="off" autocapitalize="characters" spellcheck="false" required aria-describedby="walk-code-hint" />
        <p class="hint" id="walk-code-hint">${t(lang, 'codeHint')}</p>
        <p><button type="submit">${t(lang, 'join')}</button></p>
      </form>
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}`
  }

  private renderWalk(w: Walk) {
    const lang = this.lang2
    const pos = this.position
    return html`<h2 id="walk-title" tabindex="-1">${w.title}</h2>
      <p class="meta">${wallDay(lang, w.date)}${w.sector ? ` · ${w.sector}` : ''}</p>
      <p role="status" class=${pos ? 'ok' : this.positionLost ? 'error' : 'meta'}>
        ${pos ? t(lang, 'located').replace('{m}', String(Math.round(pos.accuracy))) : this.positionLost ? t(lang, 'noPosition') : t(lang, 'locating')}
      </p>
      <label for="walk-note">${t(lang, 'note')}</label>
      <textarea id="walk-note" maxlength="1000" rows="2"></textarea>
      <div aria-live="polite">
        ${this.notice ? html`<p class="ok">${this.notice}</p>` : nothing}
        ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      </div>
      <h3 id="walk-problems">${t(lang, 'problems')}</h3>
      <div class="grid" role="group" aria-labelledby="walk-problems">
        ${PROBLEMS.map((c) => html`<button type="button" ?disabled=${this.busy} @click=${() => this.add(c)}>${t(lang, c)}</button>`)}
      </div>
      <h3 id="walk-positives">${t(lang, 'positives')}</h3>
      <div class="grid good" role="group" aria-labelledby="walk-positives">
        ${POSITIVES.map((c) => html`<button type="button" ?disabled=${this.busy} @click=${() => this.add(c)}>${t(lang, c)}</button>`)}
      </div>
      <h3>${t(lang, 'mine')}</h3>
      ${
        this.added.length
          ? html`<ul class="cards" id="walk-mine">${this.added.map(
              (a) => html`<li><strong>${t(lang, a.category)}</strong> · ${clock(lang, a.created_at)}${a.note ? html`<br />${a.note}` : nothing}</li>`,
            )}</ul>`
          : html`<p class="meta">${t(lang, 'nothingYet')}</p>`
      }
      <p><button type="button" class="secondary" @click=${() => this.leave()}>${t(lang, 'leave')}</button></p>`
  }
}

if (!customElements.get('halte-walk')) customElements.define('halte-walk', HalteWalk)
