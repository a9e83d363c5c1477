import { html, nothing } from 'lit'
import { dictionary, wallDay } from '../lib/i18n.ts'
import type { PlaceFeature } from './moderation.ts'
import { ConsoleSection } from './section.ts'

// Refuges whose staff training is missing or too old: whom to call for a session.

const t = dictionary({
  title: { fr: 'Formations à renouveler', en: 'Training renewals' },
  valid: { fr: 'Une formation vaut', en: 'A training is valid for' },
  months: { fr: 'mois', en: 'months' },
  none: { fr: 'Aucun lieu n’a de formation à renouveler.', en: 'No place needs a training renewal.' },
  never: { fr: 'Jamais formé', en: 'Never trained' },
  last: { fr: 'Dernière formation', en: 'Last training' },
  due: { fr: 'à renouveler depuis le', en: 'due since' },
  call: { fr: 'Appeler', en: 'Call' },
})

export class ConsoleRenewals extends ConsoleSection {
  static override properties = { ...ConsoleSection.properties, places: { state: true }, months: { state: true } }
  declare places: PlaceFeature[] | null
  declare months: number

  constructor() {
    super()
    this.places = null
    this.months = 0
  }

  protected override async load() {
    this.problem = ''
    try {
      const r = await this.op<{ features: PlaceFeature[]; training_valid_months: number }>(`${this.net}/places/renewals`)
      this.places = r.features
      this.months = r.training_valid_months
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  override render() {
    const lang = this.lang2
    return html`<h2>${t(lang, 'title')}</h2>
      ${this.months ? html`<p class="meta">${t(lang, 'valid')} ${this.months} ${t(lang, 'months')}.</p>` : nothing}
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      ${
        this.places === null
          ? nothing
          : this.places.length === 0
            ? html`<p>${t(lang, 'none')}</p>`
            : html`<ul class="cards">${this.places.map(({ properties: p }) => html`<li>
                <h3>${p.name}</h3>
                <p>${p.address}</p>
                <p>${p.training_date ? `${t(lang, 'last')} : ${wallDay(lang, p.training_date)}` : t(lang, 'never')}${p.renewal_due ? ` · ${t(lang, 'due')} ${wallDay(lang, p.renewal_due)}` : ''}</p>
                ${p.phone ? html`<a class="button secondary" href=${`tel:${p.phone.replace(/[^\d+]/g, '')}`}>${t(lang, 'call')} ${p.name}</a>` : nothing}
              </li>`)}</ul>`
      }`
  }
}

if (!customElements.get('halte-console-renewals')) customElements.define('halte-console-renewals', ConsoleRenewals)
