import { html, nothing } from 'lit'
import { dictionary, wallTime } from '../lib/i18n.ts'
import { ConsoleSection } from './section.ts'

// What a mediator or a municipal police officer needs on a phone during a shift: say
// "on duty" (alerts of their sectors then reach them), and count a person met in two
// taps — "Personne rencontrée", then what kind of contact. No name, no text. A phone
// scoped to several sectors offers its position, which only decides the sector and is
// not kept; one sector, or a refused position, and none is asked or sent.

const KINDS = ['conversation', 'orientation', 'conflict_mediation', 'assistance', 'other'] as const
type Kind = (typeof KINDS)[number]

interface Duty {
  on: boolean
  until: string | null
  sectors: string[]
}

const t = dictionary({
  title: { fr: 'Sur le terrain', en: 'In the field' },
  sectors: { fr: 'Secteurs', en: 'Sectors' },
  whole: { fr: 'tout le réseau', en: 'the whole network' },
  onDuty: { fr: 'En service', en: 'On duty' },
  until: { fr: 'jusqu’à', en: 'until' },
  offDuty: { fr: 'Hors service : les alertes de vos secteurs ne vous sont pas envoyées.', en: 'Off duty: alerts of your sectors are not sent to you.' },
  goOn: { fr: 'Prendre mon service', en: 'Go on duty' },
  goOff: { fr: 'Terminer mon service', en: 'Go off duty' },
  met: { fr: 'Personne rencontrée', en: 'Person met' },
  which: { fr: 'Quel type de contact ?', en: 'What kind of contact?' },
  cancel: { fr: 'Annuler', en: 'Cancel' },
  conversation: { fr: 'Discussion', en: 'Conversation' },
  orientation: { fr: 'Orientation', en: 'Referral' },
  conflict_mediation: { fr: 'Médiation de conflit', en: 'Conflict mediation' },
  assistance: { fr: 'Aide, assistance', en: 'Assistance' },
  other: { fr: 'Autre', en: 'Other' },
  counted: { fr: 'Contact compté', en: 'Contact counted' },
  noSector: { fr: 'hors secteur', en: 'no sector' },
})

export class ConsoleField extends ConsoleSection {
  static override properties = {
    ...ConsoleSection.properties,
    duty: { state: true },
    choosing: { state: true },
    busy: { state: true },
  }
  declare duty: Duty | undefined
  declare choosing: boolean
  declare busy: boolean

  constructor() {
    super()
    this.duty = undefined
    this.choosing = false
    this.busy = false
  }

  protected override async load() {
    try {
      this.duty = await this.op<Duty>('/v1/field/duty')
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private async toggleDuty() {
    this.busy = true
    this.problem = ''
    try {
      this.duty = await this.op<Duty>('/v1/field/duty', { method: 'POST', json: { on: !this.duty?.on } })
    } catch (err) {
      this.problem = this.messageOf(err)
    } finally {
      this.busy = false
    }
  }

  // A position only where it decides something, and never waited on for long.
  private position(): Promise<{ lat: number; lon: number } | null> {
    if ((this.duty?.sectors.length ?? 0) === 1 || !navigator.geolocation) return Promise.resolve(null)
    return new Promise((resolve) => {
      navigator.geolocation.getCurrentPosition(
        (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }),
        () => resolve(null),
        { timeout: 5000, maximumAge: 60_000 },
      )
    })
  }

  private async count(kind: Kind) {
    const lang = this.lang2
    this.busy = true
    this.problem = ''
    try {
      const at = await this.position()
      const r = await this.op<{ at: string; sector: string | null }>('/v1/field/contacts', { method: 'POST', json: { kind, ...(at ?? {}) } })
      this.said = `${t(lang, 'counted')} : ${t(lang, kind)}, ${r.sector ?? t(lang, 'noSector')}, ${wallTime(r.at)}.`
      this.choosing = false
      this.focusSoon('#field-met')
    } catch (err) {
      this.problem = this.messageOf(err)
    } finally {
      this.busy = false
    }
  }

  override render() {
    const lang = this.lang2
    const d = this.duty
    return html`<h2>${t(lang, 'title')}</h2>
      ${
        d
          ? html`<p>${t(lang, 'sectors')} : ${d.sectors.length ? d.sectors.join(', ') : t(lang, 'whole')}</p>
              <p role="status">${d.on ? html`<strong class="ok">${t(lang, 'onDuty')}</strong> ${t(lang, 'until')} ${wallTime(d.until!)}` : t(lang, 'offDuty')}</p>
              <p><button type="button" class=${d.on ? 'secondary' : ''} ?disabled=${this.busy} @click=${() => this.toggleDuty()}>${t(lang, d.on ? 'goOff' : 'goOn')}</button></p>`
          : nothing
      }
      ${
        this.choosing
          ? html`<fieldset>
              <legend>${t(lang, 'which')}</legend>
              <p class="row">
                ${KINDS.map((k) => html`<button type="button" id=${`kind-${k}`} ?disabled=${this.busy} @click=${() => this.count(k)}>${t(lang, k)}</button>`)}
                <button type="button" class="secondary" @click=${() => {
                  this.choosing = false
                  this.focusSoon('#field-met')
                }}>${t(lang, 'cancel')}</button>
              </p>
            </fieldset>`
          : html`<p><button type="button" id="field-met" @click=${() => {
              this.choosing = true
              this.said = ''
              this.focusSoon('#kind-conversation')
            }}>${t(lang, 'met')}</button></p>`
      }
      <p role="status" class="ok">${this.said}</p>
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}`
  }
}

if (!customElements.get('halte-console-field')) customElements.define('halte-console-field', ConsoleField)
