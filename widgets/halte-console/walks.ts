import { html, nothing } from 'lit'
import { headersFor } from '../lib/api.ts'
import { clock, dictionary, wallDay } from '../lib/i18n.ts'
import { ConsoleSection } from './section.ts'

// Exploratory walks: open one (its participant code is shown once, to copy onto the
// sheet handed to the group), read what the participants found, export it for the
// city's map, and propose a refuge where someone noted a shop open late.

interface Walk {
  id: string
  title: string
  date: string
  sector: string | null
  group: string | null
  code_expires_at: string
  findings?: number
}
interface Created extends Walk {
  participant_code: string
  participant_link: string | null
}
interface Finding {
  id: string
  lat: number
  lon: number
  category: string
  positive: boolean
  note: string | null
  created_at: string
  proposed_place_id: string | null
}

export const t = dictionary({
  title: { fr: 'Marches exploratoires', en: 'Exploratory walks' },
  create: { fr: 'Nouvelle marche', en: 'New walk' },
  walkTitle: { fr: 'Intitulé', en: 'Title' },
  date: { fr: 'Date', en: 'Date' },
  sector: { fr: 'Secteur (facultatif)', en: 'Sector (optional)' },
  group: { fr: 'Groupe (facultatif)', en: 'Group (optional)' },
  open: { fr: 'Créer la marche', en: 'Create the walk' },
  code: { fr: 'Code des participantes et participants', en: 'Participants’ code' },
  codeHint: {
    fr: 'Affiché une seule fois : notez-le. Valable le jour de la marche et le lendemain, pour ajouter des constats à cette marche seulement.',
    en: 'Shown once: write it down. Valid on the walk’s day and the next, to add findings to this walk only.',
  },
  link: { fr: 'Lien pour les téléphones', en: 'Link for phones' },
  list: { fr: 'Marches', en: 'Walks' },
  none: { fr: 'Aucune marche.', en: 'No walk yet.' },
  findings: { fr: 'constats', en: 'findings' },
  show: { fr: 'Voir les constats', en: 'Show findings' },
  noFinding: { fr: 'Aucun constat pour l’instant.', en: 'No finding yet.' },
  category: { fr: 'Constat', en: 'Finding' },
  note: { fr: 'Note', en: 'Note' },
  when: { fr: 'Heure', en: 'Time' },
  where: { fr: 'Position', en: 'Position' },
  action: { fr: 'Suite', en: 'Next step' },
  propose: { fr: 'Proposer un refuge ici', en: 'Propose a refuge here' },
  proposed: { fr: 'Refuge proposé (en attente de modération)', en: 'Refuge proposed (awaiting moderation)' },
  name: { fr: 'Nom du lieu', en: 'Place name' },
  kind: { fr: 'Type', en: 'Kind' },
  address: { fr: 'Adresse', en: 'Address' },
  hours: { fr: 'Horaires (format OpenStreetMap)', en: 'Hours (OpenStreetMap format)' },
  send: { fr: 'Créer la candidature', en: 'Create the application' },
  back: { fr: 'Annuler', en: 'Cancel' },
  refresh: { fr: 'Actualiser', en: 'Refresh' },
  positive: { fr: 'positif', en: 'positive' },
})

const KINDS = ['shop', 'bar', 'restaurant', 'cafe', 'pharmacy', 'library', 'hotel', 'transport_desk', 'public_service', 'association', 'welcome_point', 'other']

export class ConsoleWalks extends ConsoleSection {
  static override properties = {
    ...ConsoleSection.properties,
    walks: { state: true },
    created: { state: true },
    shown: { state: true },
    findings: { state: true },
    proposing: { state: true },
  }
  declare walks: Walk[] | null
  declare created: Created | null
  declare shown: Walk | null
  declare findings: Finding[]
  declare proposing: string

  constructor() {
    super()
    this.walks = null
    this.created = null
    this.shown = null
    this.findings = []
    this.proposing = ''
  }

  protected override async load() {
    this.problem = ''
    try {
      this.walks = (await this.op<{ walks: Walk[] }>(`${this.net}/walks`)).walks
      if (this.shown) await this.show(this.shown)
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private async create(e: SubmitEvent) {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const v = (n: string) => (form.elements.namedItem(n) as HTMLInputElement).value.trim()
    this.problem = ''
    try {
      this.created = await this.op<Created>(`${this.net}/walks`, {
        json: { title: v('title'), date: v('date'), ...(v('sector') ? { sector: v('sector') } : {}), ...(v('group') ? { group: v('group') } : {}) },
      })
      form.reset()
      await this.load()
      this.focusSoon('#walk-created')
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private async show(w: Walk) {
    this.problem = ''
    try {
      this.findings = (await this.op<{ findings: Finding[] }>(`/v1/walks/${w.id}/findings`)).findings
      this.shown = w
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  // The exports need the operator's token: fetched, then saved from memory.
  private async download(w: Walk, ext: 'geojson' | 'csv') {
    this.problem = ''
    try {
      const res = await fetch(new URL(`/v1/walks/${w.id}/findings.${ext}`, this.base), {
        headers: headersFor({ lang: this.lang2, token: this.token }),
        credentials: 'omit',
      })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const url = URL.createObjectURL(await res.blob())
      const a = document.createElement('a')
      a.href = url
      a.download = `marche-${w.date}.${ext}`
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private async propose(e: SubmitEvent, f: Finding) {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const v = (n: string) => (form.elements.namedItem(n) as HTMLInputElement).value.trim()
    this.problem = ''
    try {
      await this.op(`/v1/walks/${this.shown!.id}/findings/${f.id}/propose-refuge`, {
        json: { name: v('name'), kind: v('kind'), address: v('address'), opening_hours: v('hours') },
      })
      this.proposing = ''
      this.said = `${v('name')} : ${t(this.lang2, 'proposed')}`
      await this.show(this.shown!)
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  override render() {
    const lang = this.lang2
    return html`<h2 tabindex="-1">${t(lang, 'title')}</h2>
      <div aria-live="polite">${this.said ? html`<p class="ok">${this.said}</p>` : nothing}</div>
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      <form @submit=${(e: SubmitEvent) => this.create(e)}>
        <h3>${t(lang, 'create')}</h3>
        <label for="walk-title">${t(lang, 'walkTitle')}</label>
        <input id="walk-title" name="title" required maxlength="200" placeholder="Marche exploratoire de femmes, ligne 2" />
        <label for="walk-date">${t(lang, 'date')}</label>
        <input id="walk-date" name="date" type="date" required />
        <label for="walk-sector">${t(lang, 'sector')}</label>
        <input id="walk-sector" name="sector" maxlength="100" />
        <label for="walk-group">${t(lang, 'group')}</label>
        <input id="walk-group" name="group" maxlength="200" />
        <p><button type="submit">${t(lang, 'open')}</button></p>
      </form>
      ${this.created ? this.renderCreated(this.created) : nothing}
      <h3>${t(lang, 'list')}</h3>
      <p><button type="button" class="secondary" @click=${() => this.load()}>${t(lang, 'refresh')}</button></p>
      ${
        this.walks === null
          ? nothing
          : this.walks.length === 0
            ? html`<p>${t(lang, 'none')}</p>`
            : html`<ul class="cards">${this.walks.map((w) => this.renderWalk(w))}</ul>`
      }
      ${this.shown ? this.renderFindings() : nothing}`
  }

  private renderCreated(c: Created) {
    const lang = this.lang2
    return html`<div id="walk-created" tabindex="-1" class="cards">
      <p>${c.title} · ${wallDay(lang, c.date)}</p>
      <p>${t(lang, 'code')} : <strong class="code">${c.participant_code}</strong></p>
      <p class="hint">${t(lang, 'codeHint')}</p>
      ${c.participant_link ? html`<p>${t(lang, 'link')} : <a href=${c.participant_link}>${c.participant_link}</a></p>` : nothing}
    </div>`
  }

  private renderWalk(w: Walk) {
    const lang = this.lang2
    return html`<li>
      <h4>${w.title}</h4>
      <p class="meta">${wallDay(lang, w.date)}${w.sector ? ` · ${w.sector}` : ''}${w.group ? ` · ${w.group}` : ''} · ${w.findings ?? 0} ${t(lang, 'findings')}</p>
      <p class="row">
        <button type="button" class="secondary" @click=${() => this.show(w)}>${t(lang, 'show')}<span class="visually-hidden"> : ${w.title}</span></button>
        <button type="button" class="secondary" @click=${() => this.download(w, 'geojson')}>GeoJSON<span class="visually-hidden"> : ${w.title}</span></button>
        <button type="button" class="secondary" @click=${() => this.download(w, 'csv')}>CSV<span class="visually-hidden"> : ${w.title}</span></button>
      </p>
    </li>`
  }

  private renderFindings() {
    const lang = this.lang2
    const w = this.shown!
    return html`<h3 id="walk-findings">${w.title} : ${this.findings.length} ${t(lang, 'findings')}</h3>
      ${
        this.findings.length === 0
          ? html`<p>${t(lang, 'noFinding')}</p>`
          : html`<div class="scroll"><table>
              <thead><tr><th scope="col">${t(lang, 'when')}</th><th scope="col">${t(lang, 'category')}</th><th scope="col">${t(lang, 'note')}</th><th scope="col">${t(lang, 'where')}</th><th scope="col">${t(lang, 'action')}</th></tr></thead>
              <tbody>${this.findings.map((f) => this.renderFinding(f))}</tbody>
            </table></div>`
      }`
  }

  private renderFinding(f: Finding) {
    const lang = this.lang2
    return html`<tr>
      <td>${clock(lang, f.created_at)}</td>
      <td>${f.category}${f.positive ? html` <span class="ok">(${t(lang, 'positive')})</span>` : nothing}</td>
      <td>${f.note ?? ''}</td>
      <td>${f.lat.toFixed(5)}, ${f.lon.toFixed(5)}</td>
      <td>${
        f.proposed_place_id
          ? t(lang, 'proposed')
          : this.proposing === f.id
            ? html`<form @submit=${(e: SubmitEvent) => this.propose(e, f)}>
                <label for=${`p-name-${f.id}`}>${t(lang, 'name')}</label><input id=${`p-name-${f.id}`} name="name" required maxlength="200" />
                <label for=${`p-kind-${f.id}`}>${t(lang, 'kind')}</label>
                <select id=${`p-kind-${f.id}`} name="kind">${KINDS.map((k) => html`<option value=${k}>${k}</option>`)}</select>
                <label for=${`p-address-${f.id}`}>${t(lang, 'address')}</label><input id=${`p-address-${f.id}`} name="address" required minlength="3" />
                <label for=${`p-hours-${f.id}`}>${t(lang, 'hours')}</label><input id=${`p-hours-${f.id}`} name="hours" required placeholder="Mo-Sa 18:00-02:00" />
                <p class="row"><button type="submit">${t(lang, 'send')}</button>
                <button type="button" class="secondary" @click=${() => (this.proposing = '')}>${t(lang, 'back')}</button></p>
              </form>`
            : html`<button type="button" class="secondary" @click=${() => {
                this.proposing = f.id
                this.focusSoon(`#p-name-${f.id}`)
              }}>${t(lang, 'propose')}</button>`
      }</td>
    </tr>`
  }
}

if (!customElements.get('halte-console-walks')) customElements.define('halte-console-walks', ConsoleWalks)
