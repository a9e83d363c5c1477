import { html, nothing } from 'lit'
import { headersFor } from '../lib/api.ts'
import { dayAndClock, dictionary } from '../lib/i18n.ts'
import { openStream } from '../lib/stream.ts'
import { ConsoleSection } from './section.ts'

// Residents' reports (Open311): the queue at precise points, with the photo and the
// reporter's contact, and each status change with the note the public will read.
// With `field` (a mediator's or police officer's phone): the reports of its sectors, as
// the API answers them, without contact, refreshed as the field report stream says
// one changed.

type Status = 'open' | 'in_progress' | 'closed'

interface Report {
  id: string
  category: { code: string; name: string }
  visibility: 'public' | 'private'
  status: Status
  status_notes: string | null
  description: string
  location: { lat: number; lon: number }
  address: string | null
  contact: { email: string | null; first_name: string | null; last_name: string | null; phone: string | null } | null
  media: { id: string; url: string }[]
  created_at: string
}

const t = dictionary({
  title: { fr: 'Signalements', en: 'Reports' },
  fieldTitle: { fr: 'Signalements de mes secteurs', en: 'Reports in my sectors' },
  filterStatus: { fr: 'État', en: 'Status' },
  all: { fr: 'Tous', en: 'All' },
  open: { fr: 'Nouveau', en: 'New' },
  in_progress: { fr: 'En cours', en: 'In progress' },
  closed: { fr: 'Clos', en: 'Closed' },
  refresh: { fr: 'Actualiser', en: 'Refresh' },
  none: { fr: 'Aucun signalement.', en: 'No report.' },
  private: { fr: 'Privé : jamais publié', en: 'Private: never published' },
  public: { fr: 'Public : publié à ~100 m près', en: 'Public: published to ~100 m' },
  where: { fr: 'Lieu exact', en: 'Exact place' },
  map: { fr: 'voir sur la carte', en: 'see on the map' },
  contact: { fr: 'Contact', en: 'Contact' },
  noContact: { fr: 'aucun (ou effacé)', en: 'none (or erased)' },
  photo: { fr: 'Photo jointe', en: 'Attached photo' },
  received: { fr: 'Reçu', en: 'Received' },
  publicNote: { fr: 'Note publique (lue par les habitants)', en: 'Public note (residents read it)' },
  markInProgress: { fr: 'Prendre en charge', en: 'Take it on' },
  markClosed: { fr: 'Clore', en: 'Close' },
  reopen: { fr: 'Rouvrir', en: 'Reopen' },
  changed: { fr: 'Signalement mis à jour :', en: 'Report updated:' },
  lastNote: { fr: 'Dernière note publique', en: 'Last public note' },
})

export class ConsoleReports extends ConsoleSection {
  static override properties = {
    ...ConsoleSection.properties,
    reports: { state: true },
    status: { state: true },
    photos: { state: true },
    field: { type: Boolean },
  }
  declare field: boolean
  private stream: { close(): void } | null = null
  private reload: ReturnType<typeof setTimeout> | null = null
  declare reports: Report[] | null
  declare status: Status | ''
  declare photos: Record<string, string>

  constructor() {
    super()
    this.reports = null
    this.status = ''
    this.photos = {}
    this.field = false
  }

  override disconnectedCallback() {
    super.disconnectedCallback()
    this.stream?.close()
    this.stream = null
    if (this.reload) clearTimeout(this.reload)
    this.reload = null
  }

  // A new report or a change in my sectors: read the list again (once for a burst, such
  // as the shift's events a new stream replays).
  private listen() {
    this.stream = openStream({
      base: this.base,
      path: '/v1/field/reports/stream',
      lang: this.lang2,
      token: this.token,
      onMessage: (m) => {
        if (m.event !== 'report' || this.reload) return
        this.reload = setTimeout(() => {
          this.reload = null
          void this.load()
        }, 500)
      },
    })
  }

  protected override async load() {
    this.problem = ''
    try {
      this.reports = await this.op<Report[]>(`${this.net}/reports${this.status ? `?status=${this.status}` : ''}`)
      void this.loadPhotos()
      if (this.field && !this.stream) this.listen()
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  // Photos are behind the operator's token (a private report's photo is never public):
  // fetched with it and shown from memory, as data: URLs (the console's CSP allows no blob:).
  private async loadPhotos() {
    for (const r of this.reports ?? []) {
      const m = r.media[0]
      if (!m || this.photos[m.id]) continue
      try {
        const res = await fetch(new URL(m.url, this.base), { headers: headersFor({ lang: this.lang2, token: this.token }), credentials: 'omit' })
        if (res.ok) this.photos = { ...this.photos, [m.id]: await dataUrl(await res.blob()) }
      } catch {
        // the card says a photo is attached; the image itself can wait for a refresh
      }
    }
  }

  private async change(r: Report, status: Status) {
    const field = this.renderRoot.querySelector(`#note-${r.id}`) as HTMLTextAreaElement | null
    const note = field?.value.trim()
    this.problem = ''
    try {
      await this.op(`/v1/reports/${r.id}/status`, { method: 'POST', json: note ? { status, public_note: note } : { status } })
      this.said = `${t(this.lang2, 'changed')} ${r.category.name} → ${t(this.lang2, status)}`
      await this.load()
      this.focusSoon('h2')
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private filter(e: Event) {
    this.status = (e.target as HTMLSelectElement).value as Status | ''
    void this.load()
  }

  override render() {
    const lang = this.lang2
    return html`<h2 tabindex="-1">${t(lang, this.field ? 'fieldTitle' : 'title')}</h2>
      <p class="row">
        <label for="report-status">${t(lang, 'filterStatus')}</label>
        <select id="report-status" @change=${(e: Event) => this.filter(e)}>
          <option value="" ?selected=${this.status === ''}>${t(lang, 'all')}</option>
          ${(['open', 'in_progress', 'closed'] as const).map((s) => html`<option value=${s} ?selected=${this.status === s}>${t(lang, s)}</option>`)}
        </select>
        <button type="button" class="secondary" @click=${() => this.load()}>${t(lang, 'refresh')}</button>
      </p>
      <div aria-live="polite">${this.said ? html`<p class="ok">${this.said}</p>` : nothing}</div>
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      ${
        this.reports === null
          ? nothing
          : this.reports.length === 0
            ? html`<p>${t(lang, 'none')}</p>`
            : html`<ul class="cards">${this.reports.map((r) => this.card(r))}</ul>`
      }`
  }

  private card(r: Report) {
    const lang = this.lang2
    const { lat, lon } = r.location
    const who = r.contact ? [[r.contact.first_name, r.contact.last_name].filter(Boolean).join(' '), r.contact.phone, r.contact.email].filter(Boolean).join(' · ') : ''
    const photo = r.media[0] ? this.photos[r.media[0].id] : undefined
    const action = (status: Status, label: 'markInProgress' | 'markClosed' | 'reopen', cls = '') =>
      html`<button type="button" class=${cls} @click=${() => this.change(r, status)}>${t(lang, label)}<span class="visually-hidden"> : ${r.category.name}</span></button>`
    return html`<li data-report=${r.id}>
      <h3>${r.category.name} · <span class="status">${t(lang, r.status)}</span></h3>
      <p class="meta">${t(lang, r.visibility)} · ${t(lang, 'received')} ${dayAndClock(lang, r.created_at)}</p>
      ${r.description ? html`<p>${r.description}</p>` : nothing}
      <p>${t(lang, 'where')} : ${lat.toFixed(5)}, ${lon.toFixed(5)}${r.address ? ` · ${r.address}` : ''} ·
        <a href=${`https://www.openstreetmap.org/?mlat=${lat.toFixed(5)}&mlon=${lon.toFixed(5)}#map=18/${lat.toFixed(5)}/${lon.toFixed(5)}`} target="_blank" rel="noopener noreferrer">${t(lang, 'map')}</a></p>
      ${this.field ? nothing : html`<p class="meta">${t(lang, 'contact')} : ${who || t(lang, 'noContact')}</p>`}
      ${photo ? html`<p><img src=${photo} alt=${`${t(lang, 'photo')} : ${r.category.name}`} width="160" style="max-width: 100%; height: auto; border-radius: 6px"></p>` : r.media.length ? html`<p class="meta">${t(lang, 'photo')}</p>` : nothing}
      ${r.status_notes ? html`<p class="meta">${t(lang, 'lastNote')} : ${r.status_notes}</p>` : nothing}
      <label for=${`note-${r.id}`}>${t(lang, 'publicNote')}</label>
      <textarea id=${`note-${r.id}`} maxlength="2000"></textarea>
      <p class="row">
        ${r.status === 'open' ? action('in_progress', 'markInProgress') : nothing}
        ${r.status !== 'closed' ? action('closed', 'markClosed', 'secondary') : action('open', 'reopen', 'secondary')}
      </p>
    </li>`
  }
}

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result))
    reader.onerror = () => reject(reader.error)
    reader.readAsDataURL(blob)
  })
}

if (!customElements.get('halte-console-reports')) customElements.define('halte-console-reports', ConsoleReports)
