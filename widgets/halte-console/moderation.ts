import { html, nothing } from 'lit'
import { dictionary, wallDay } from '../lib/i18n.ts'
import { ConsoleSection } from './section.ts'

// Moderation queue: venues that applied to become refuges, approved or refused with a
// reason the venue will read.

export interface PlaceFeature {
  geometry: { coordinates: [number, number] }
  properties: {
    id: string
    name: string
    kind: string
    address: string
    phone: string | null
    status?: string
    email?: string | null
    contact_name?: string | null
    training_date?: string | null
    hours_warnings?: string[] | null
    created_at?: string
    renewal_due?: string | null
  }
}

const t = dictionary({
  title: { fr: 'Candidatures à modérer', en: 'Applications to moderate' },
  none: { fr: 'Aucune candidature en attente.', en: 'No application waiting.' },
  refresh: { fr: 'Actualiser', en: 'Refresh' },
  contact: { fr: 'Contact', en: 'Contact' },
  applied: { fr: 'Reçue le', en: 'Received on' },
  warnings: { fr: 'Horaires à vérifier', en: 'Hours to check' },
  approve: { fr: 'Approuver', en: 'Approve' },
  reject: { fr: 'Refuser', en: 'Reject' },
  reason: { fr: 'Motif du refus (lu par le lieu)', en: 'Reason for refusal (the venue reads it)' },
  confirmReject: { fr: 'Confirmer le refus', en: 'Confirm the refusal' },
  back: { fr: 'Annuler', en: 'Cancel' },
  approved: { fr: 'approuvé : il est maintenant visible du public.', en: 'approved: the public now sees it.' },
  rejected: { fr: 'refusé.', en: 'rejected.' },
})

export class ConsoleModeration extends ConsoleSection {
  static override properties = {
    ...ConsoleSection.properties,
    places: { state: true },
    rejecting: { state: true },
  }
  declare places: PlaceFeature[] | null
  declare rejecting: string

  constructor() {
    super()
    this.places = null
    this.rejecting = ''
  }

  protected override async load() {
    this.problem = ''
    try {
      this.places = (await this.op<{ features: PlaceFeature[] }>(`${this.net}/applications?status=pending`)).features
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private async decide(p: PlaceFeature, decision: 'approve' | 'reject') {
    const field = this.renderRoot.querySelector(`#reason-${p.properties.id}`) as HTMLTextAreaElement | null
    const reason = field?.value.trim()
    this.problem = ''
    try {
      await this.op(`${this.net}/places/${p.properties.id}/${decision}`, { method: 'POST', json: reason ? { reason } : {} })
      this.rejecting = ''
      this.said = `${p.properties.name} : ${t(this.lang2, decision === 'approve' ? 'approved' : 'rejected')}`
      await this.load()
      this.focusSoon('h2')
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private askReject(id: string) {
    this.rejecting = id
    this.focusSoon(`#reason-${id}`)
  }

  override render() {
    const lang = this.lang2
    return html`<h2 tabindex="-1">${t(lang, 'title')}</h2>
      <p><button type="button" class="secondary" @click=${() => this.load()}>${t(lang, 'refresh')}</button></p>
      <div aria-live="polite">${this.said ? html`<p class="ok">${this.said}</p>` : nothing}</div>
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      ${
        this.places === null
          ? nothing
          : this.places.length === 0
            ? html`<p>${t(lang, 'none')}</p>`
            : html`<ul class="cards">${this.places.map((p) => this.card(p))}</ul>`
      }`
  }

  private card(f: PlaceFeature) {
    const lang = this.lang2
    const p = f.properties
    const [lon, lat] = f.geometry.coordinates
    return html`<li>
      <h3>${p.name}</h3>
      <p>${p.kind} · ${p.address} · ${lat.toFixed(5)}, ${lon.toFixed(5)}</p>
      <p class="meta">${t(lang, 'contact')} : ${p.contact_name ?? '—'}${p.phone ? ` · ${p.phone}` : ''}${p.email ? ` · ${p.email}` : ''}</p>
      ${p.created_at ? html`<p class="meta">${t(lang, 'applied')} ${wallDay(lang, p.created_at)}</p>` : nothing}
      ${p.hours_warnings?.length ? html`<p>${t(lang, 'warnings')} : ${p.hours_warnings.join(' ; ')}</p>` : nothing}
      ${
        this.rejecting === p.id
          ? html`<label for=${`reason-${p.id}`}>${t(lang, 'reason')}</label>
              <textarea id=${`reason-${p.id}`} maxlength="500"></textarea>
              <p class="row">
                <button type="button" class="danger" @click=${() => this.decide(f, 'reject')}>${t(lang, 'confirmReject')}<span class="visually-hidden"> : ${p.name}</span></button>
                <button type="button" class="secondary" @click=${() => (this.rejecting = '')}>${t(lang, 'back')}</button>
              </p>`
          : html`<p class="row">
              <button type="button" @click=${() => this.decide(f, 'approve')}>${t(lang, 'approve')}<span class="visually-hidden"> : ${p.name}</span></button>
              <button type="button" class="secondary" @click=${() => this.askReject(p.id)}>${t(lang, 'reject')}<span class="visually-hidden"> : ${p.name}</span></button>
            </p>`
      }
    </li>`
  }
}

if (!customElements.get('halte-console-moderation')) customElements.define('halte-console-moderation', ConsoleModeration)
