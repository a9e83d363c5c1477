import { html, nothing } from 'lit'
import { dictionary, wallDay, wallTime } from '../lib/i18n.ts'
import { ConsoleSection } from './section.ts'

// Help desks (victim support, rights, conciliation): never refuges, offered with alerts
// and SMS replies as where to go next. The city adds them here, active at once.

interface HelpFeature {
  properties: {
    id: string
    name: string
    address: string
    helps_with: string[]
    schedule_note: string | null
    opening_hours: string
    open_now: boolean
    open_until: string | null
    next_open: string | null
  }
}

const NEEDS = ['victims', 'domestic_violence', 'sexual_violence', 'discrimination', 'legal_advice', 'mediation', 'lgbti', 'rights', 'youth', 'elderly'] as const

const t = dictionary({
  title: { fr: 'Services d’aide (aide aux victimes, droits, conciliation)', en: 'Help services (victim support, rights, conciliation)' },
  intro: {
    fr: 'Jamais présentés comme refuges : proposés avec la réponse à une alerte, le SMS et le widget, ouverts d’abord.',
    en: 'Never shown as refuges: offered with an alert’s answer, the SMS and the widget, open ones first.',
  },
  none: { fr: 'Aucun service d’aide.', en: 'No help service yet.' },
  add: { fr: 'Ajouter un service d’aide', en: 'Add a help service' },
  name: { fr: 'Nom', en: 'Name' },
  address: { fr: 'Adresse', en: 'Address' },
  lat: { fr: 'Latitude', en: 'Latitude' },
  lon: { fr: 'Longitude', en: 'Longitude' },
  hours: { fr: 'Horaires (format OpenStreetMap), par ex. Tu 14:00-17:00', en: 'Hours (OpenStreetMap format), e.g. Tu 14:00-17:00' },
  note: { fr: 'Note affichée, par ex. « permanence mardi 14:00, Maison de la tranquillité »', en: 'Note shown, e.g. “drop-in Tuesday 14:00, town hall”' },
  phone: { fr: 'Téléphone (facultatif)', en: 'Phone (optional)' },
  needs: { fr: 'Aide pour', en: 'Helps with' },
  save: { fr: 'Ajouter', en: 'Add' },
  added: { fr: 'ajouté.', en: 'added.' },
  withdraw: { fr: 'Retirer', en: 'Withdraw' },
  withdrawn: { fr: 'retiré.', en: 'withdrawn.' },
  openUntil: { fr: 'Ouvert jusqu’à', en: 'Open until' },
  opens: { fr: 'Ouvre', en: 'Opens' },
  victims: { fr: 'Victimes', en: 'Victims' },
  domestic_violence: { fr: 'Violences conjugales', en: 'Domestic violence' },
  sexual_violence: { fr: 'Violences sexuelles', en: 'Sexual violence' },
  discrimination: { fr: 'Discriminations', en: 'Discrimination' },
  legal_advice: { fr: 'Conseil juridique', en: 'Legal advice' },
  mediation: { fr: 'Médiation, conciliation', en: 'Mediation, conciliation' },
  lgbti: { fr: 'LGBTI', en: 'LGBTI' },
  rights: { fr: 'Droits', en: 'Rights' },
  youth: { fr: 'Jeunes', en: 'Young people' },
  elderly: { fr: 'Personnes âgées', en: 'Older people' },
})

export class ConsoleHelp extends ConsoleSection {
  static override properties = { ...ConsoleSection.properties, services: { state: true } }
  declare services: HelpFeature[] | null

  constructor() {
    super()
    this.services = null
  }

  protected override async load() {
    this.problem = ''
    try {
      this.services = (await this.op<{ features: HelpFeature[] }>(`${this.net}/help-services?limit=50`)).features
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private async add(e: SubmitEvent) {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const v = (n: string) => (form.elements.namedItem(n) as HTMLInputElement).value.trim()
    const needs = NEEDS.filter((n) => (form.elements.namedItem(`need-${n}`) as HTMLInputElement).checked)
    this.problem = ''
    try {
      await this.op(`${this.net}/help-services`, {
        json: {
          name: v('name'),
          address: v('address'),
          location: { lat: Number(v('lat')), lon: Number(v('lon')) },
          opening_hours: v('hours'),
          helps_with: needs,
          ...(v('note') ? { schedule_note: v('note') } : {}),
          ...(v('phone') ? { phone: v('phone') } : {}),
        },
      })
      this.said = `${v('name')} : ${t(this.lang2, 'added')}`
      form.reset()
      await this.load()
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private async withdraw(f: HelpFeature) {
    this.problem = ''
    try {
      await this.op(`${this.net}/help-services/${f.properties.id}`, { method: 'DELETE' })
      this.said = `${f.properties.name} : ${t(this.lang2, 'withdrawn')}`
      await this.load()
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  override render() {
    const lang = this.lang2
    return html`<h2 tabindex="-1">${t(lang, 'title')}</h2>
      <p class="hint">${t(lang, 'intro')}</p>
      <div aria-live="polite">${this.said ? html`<p class="ok">${this.said}</p>` : nothing}</div>
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      ${
        this.services === null
          ? nothing
          : this.services.length === 0
            ? html`<p>${t(lang, 'none')}</p>`
            : html`<ul class="cards">${this.services.map((f) => this.card(f))}</ul>`
      }
      <form @submit=${(e: SubmitEvent) => this.add(e)}>
        <h3>${t(lang, 'add')}</h3>
        <label for="help-name">${t(lang, 'name')}</label><input id="help-name" name="name" required maxlength="200" />
        <label for="help-address">${t(lang, 'address')}</label><input id="help-address" name="address" required minlength="3" />
        <div class="row">
          <div><label for="help-lat">${t(lang, 'lat')}</label><input id="help-lat" name="lat" required inputmode="decimal" /></div>
          <div><label for="help-lon">${t(lang, 'lon')}</label><input id="help-lon" name="lon" required inputmode="decimal" /></div>
        </div>
        <label for="help-hours">${t(lang, 'hours')}</label><input id="help-hours" name="hours" required />
        <label for="help-note">${t(lang, 'note')}</label><input id="help-note" name="note" maxlength="300" />
        <label for="help-phone">${t(lang, 'phone')}</label><input id="help-phone" name="phone" type="tel" />
        <fieldset>
          <legend>${t(lang, 'needs')}</legend>
          ${NEEDS.map((n) => html`<label class="check"><input type="checkbox" name=${`need-${n}`} ?checked=${n === 'victims'} /> ${t(lang, n)}</label>`)}
        </fieldset>
        <p><button type="submit">${t(lang, 'save')}</button></p>
      </form>`
  }

  private card(f: HelpFeature) {
    const lang = this.lang2
    const p = f.properties
    const when = p.open_now
      ? `${t(lang, 'openUntil')} ${p.open_until ? wallTime(p.open_until) : ''}`
      : p.next_open
        ? `${t(lang, 'opens')} ${wallDay(lang, p.next_open)}, ${wallTime(p.next_open)}`
        : ''
    return html`<li>
      <h3>${p.name}</h3>
      <p>${p.address} · <code>${p.opening_hours}</code></p>
      ${p.schedule_note ? html`<p>${p.schedule_note}</p>` : nothing}
      <p class="meta">${p.helps_with.map((n) => t(lang, n as (typeof NEEDS)[number])).join(', ')} · ${when}</p>
      <p><button type="button" class="secondary" @click=${() => this.withdraw(f)}>${t(lang, 'withdraw')}<span class="visually-hidden"> : ${p.name}</span></button></p>
    </li>`
  }
}

if (!customElements.get('halte-console-help')) customElements.define('halte-console-help', ConsoleHelp)
