import { html, nothing } from 'lit'
import { dictionary, wallDay, wallTime } from '../lib/i18n.ts'
import { openStream } from '../lib/stream.ts'
import { ConsoleSection } from './section.ts'

// Live alerts: the list as it stands, then every change as it happens (a new alert shows
// without reload and the console beeps). One card per alert, with what to do about it.

export interface Alert {
  id: string
  status: 'open' | 'acknowledged' | 'resolved' | 'cancelled' | 'false_alarm'
  source: 'web' | 'sms'
  location: { lat: number; lon: number; accuracy_m: number | null } | null
  message: string | null
  created_at: string
}

const LIVE: Record<string, 'live' | 'retrying' | 'refused' | 'connecting'> = { open: 'live', retrying: 'retrying', refused: 'refused' }
const ACTIVE = ['open', 'acknowledged']
const CLOSED = ['resolved', 'cancelled', 'false_alarm']

const t = dictionary({
  title: { fr: 'Alertes en cours', en: 'Live alerts' },
  show: { fr: 'Afficher', en: 'Show' },
  active: { fr: 'En cours', en: 'Ongoing' },
  closed: { fr: 'Terminées', en: 'Closed' },
  none: { fr: 'Aucune alerte en cours.', en: 'No ongoing alert.' },
  noneClosed: { fr: 'Aucune alerte terminée.', en: 'No closed alert.' },
  alertAt: { fr: 'Alerte de', en: 'Alert at' },
  channel: { fr: 'Canal', en: 'Channel' },
  web: { fr: 'Web', en: 'Web' },
  sms: { fr: 'SMS', en: 'Text message' },
  status: { fr: 'État', en: 'Status' },
  open: { fr: 'En attente de prise en charge', en: 'Waiting to be taken in hand' },
  acknowledged: { fr: 'Prise en charge', en: 'Taken in hand' },
  resolved: { fr: 'Terminée', en: 'Resolved' },
  cancelled: { fr: 'Annulée par la personne', en: 'Cancelled by the person' },
  false_alarm: { fr: 'Fausse alerte', en: 'False alarm' },
  where: { fr: 'Position', en: 'Location' },
  noWhere: { fr: 'Position inconnue (SMS sans lieu)', en: 'Unknown location (text without a place)' },
  osm: { fr: 'Voir sur OpenStreetMap', en: 'See on OpenStreetMap' },
  message: { fr: 'Message', en: 'Message' },
  note: { fr: 'Note (facultative)', en: 'Note (optional)' },
  acknowledge: { fr: 'Prendre en charge', en: 'Acknowledge' },
  resolve: { fr: 'Terminer', en: 'Resolve' },
  falseAlarm: { fr: 'Fausse alerte', en: 'False alarm' },
  newAlert: { fr: 'Nouvelle alerte', en: 'New alert' },
  handTo: { fr: 'Transmettre à', en: 'Hand over to' },
  handoff: { fr: 'Noter la transmission', en: 'Record the hand-over' },
  police_nationale: { fr: 'Police nationale (17)', en: 'National police (17)' },
  police_municipale: { fr: 'Police municipale (17)', en: 'Municipal police (17)' },
  samu: { fr: 'SAMU (15)', en: 'Ambulance, SAMU (15)' },
  pompiers: { fr: 'Pompiers (18)', en: 'Fire brigade (18)' },
  other: { fr: 'Autre urgence (112)', en: 'Other emergency (112)' },
  call: { fr: 'Appelez le', en: 'Call' },
  readOut: { fr: 'À lire', en: 'To read out' },
  live: { fr: 'Direct : connecté', en: 'Live: connected' },
  retrying: { fr: 'Direct : connexion perdue, reconnexion…', en: 'Live: connection lost, reconnecting…' },
  refused: { fr: 'Direct : refusé (jeton invalide ?)', en: 'Live: refused (invalid token?)' },
  connecting: { fr: 'Direct : connexion…', en: 'Live: connecting…' },
})

export class ConsoleAlerts extends ConsoleSection {
  static override properties = {
    ...ConsoleSection.properties,
    focusId: { type: String, attribute: 'focus-id' },
    // A mediator's or police officer's phone: the alerts of its sectors, from its own stream.
    field: { type: Boolean },
    alerts: { state: true },
    filter: { state: true },
    live: { state: true },
    busy: { state: true },
    handed: { state: true },
  }
  declare focusId: string
  declare field: boolean
  declare alerts: Map<string, Alert>
  declare filter: 'active' | 'closed'
  declare live: string
  declare busy: string
  declare handed: Map<string, { number: string; service: string; read_out: string }>

  private stream: { close(): void } | null = null
  private focused = false

  constructor() {
    super()
    this.focusId = ''
    this.field = false
    this.alerts = new Map()
    this.filter = 'active'
    this.live = 'connecting'
    this.busy = ''
    this.handed = new Map()
  }

  override disconnectedCallback() {
    super.disconnectedCallback()
    this.stream?.close()
    this.stream = null
  }

  protected override async load() {
    this.problem = ''
    // The field stream replays the shift's alerts: it is the list.
    if (this.field) {
      if (!this.stream) this.listen()
      return
    }
    try {
      const status = (this.filter === 'active' ? ACTIVE : CLOSED).join(',')
      const { alerts } = await this.op<{ alerts: Alert[] }>(`${this.net}/alerts?status=${status}`)
      const next = new Map(this.alerts)
      for (const a of alerts) next.set(a.id, a)
      if (this.focusId && !next.has(this.focusId)) {
        try {
          const one = await this.op<Alert>(`/v1/alerts/${encodeURIComponent(this.focusId)}`)
          next.set(one.id, one)
        } catch (err) {
          this.problem = this.messageOf(err)
        }
      }
      this.alerts = next
    } catch (err) {
      this.problem = this.messageOf(err)
      return
    }
    // The stream opens once the list is known: what it replays is then not "new".
    if (!this.stream) this.listen()
    if (this.focusId && !this.focused) {
      this.focused = true
      void this.updateComplete.then(() => {
        const card = this.renderRoot.querySelector(`#alert-${CSS.escape(this.focusId)}`) as HTMLElement | null
        card?.scrollIntoView({ block: 'center' })
        card?.focus()
      })
    }
  }

  private listen() {
    this.stream = openStream({
      base: this.base,
      path: this.field ? '/v1/field/alerts/stream' : `${this.net}/alerts/stream`,
      lang: this.lang2,
      token: this.token,
      onState: (s) => (this.live = s),
      onMessage: (m) => {
        if (m.event !== 'alert') return
        const { event, alert } = m.data as { event: string; alert: Alert }
        const known = this.alerts.has(alert.id)
        const next = new Map(this.alerts)
        next.set(alert.id, alert)
        this.alerts = next
        if (!known && event === 'created' && alert.status === 'open') {
          this.said = `${t(this.lang2, 'newAlert')} : ${wallTime(alert.created_at)}`
          this.dispatchEvent(new CustomEvent('halte-new-alert', { bubbles: true, composed: true, detail: { id: alert.id } }))
        }
      },
    })
  }

  private async act(a: Alert, action: 'acknowledge' | 'resolve', falseAlarm = false) {
    const lang = this.lang2
    const field = this.renderRoot.querySelector(`#note-${a.id}`) as HTMLTextAreaElement | null
    const note = field?.value.trim()
    this.busy = a.id
    this.problem = ''
    try {
      const json: { note?: string; false_alarm?: boolean } = {}
      if (note) json.note = note
      if (falseAlarm) json.false_alarm = true
      const updated = await this.op<Alert>(`/v1/alerts/${a.id}/${action}`, { method: 'POST', json })
      const next = new Map(this.alerts)
      next.set(a.id, updated)
      this.alerts = next
      if (field) field.value = ''
      this.said = `${t(lang, 'alertAt')} ${wallTime(a.created_at)} : ${t(lang, updated.status)}`
    } catch (err) {
      this.problem = this.messageOf(err)
    } finally {
      this.busy = ''
    }
  }

  // Halte does not call: it records the hand-over and gives the number and what to read out.
  private async handoff(a: Alert) {
    const to = (this.renderRoot.querySelector(`#handto-${a.id}`) as HTMLSelectElement).value
    const note = (this.renderRoot.querySelector(`#note-${a.id}`) as HTMLTextAreaElement | null)?.value.trim()
    this.busy = a.id
    this.problem = ''
    try {
      const r = await this.op<{ call: { number: string; service: string }; read_out: string }>(`/v1/alerts/${a.id}/handoff`, {
        method: 'POST',
        json: note ? { to, note } : { to },
      })
      this.handed = new Map(this.handed).set(a.id, { ...r.call, read_out: r.read_out })
      this.focusSoon(`#handed-${a.id}`)
    } catch (err) {
      this.problem = this.messageOf(err)
    } finally {
      this.busy = ''
    }
  }

  private setFilter(e: Event) {
    this.filter = (e.currentTarget as HTMLSelectElement).value as 'active' | 'closed'
    if (!this.field) void this.load()
  }

  override render() {
    const lang = this.lang2
    const wanted = this.filter === 'active' ? ACTIVE : CLOSED
    const shown = [...this.alerts.values()]
      .filter((a) => wanted.includes(a.status) || a.id === this.focusId)
      .sort((x, y) => y.created_at.localeCompare(x.created_at))
    return html`<h2>${t(lang, 'title')}</h2>
      <div class="row">
        <p class="meta" role="status">${t(lang, LIVE[this.live] ?? 'connecting')}</p>
        <label for="alert-filter" style="margin:0">${t(lang, 'show')}</label>
        <select id="alert-filter" style="width:auto" @change=${(e: Event) => this.setFilter(e)}>
          <option value="active" ?selected=${this.filter === 'active'}>${t(lang, 'active')}</option>
          <option value="closed" ?selected=${this.filter === 'closed'}>${t(lang, 'closed')}</option>
        </select>
      </div>
      <div aria-live="polite" class="visually-hidden">${this.said}</div>
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      ${
        shown.length
          ? html`<ul class="cards">${shown.map((a) => this.card(a))}</ul>`
          : html`<p>${t(lang, this.filter === 'active' ? 'none' : 'noneClosed')}</p>`
      }`
  }

  private card(a: Alert) {
    const lang = this.lang2
    const ongoing = ACTIVE.includes(a.status)
    const when = `${wallTime(a.created_at)} · ${wallDay(lang, a.created_at)}`
    const loc = a.location
    const busy = this.busy === a.id
    return html`<li id=${`alert-${a.id}`} tabindex="-1" aria-labelledby=${`alert-h-${a.id}`}>
      <h3 id=${`alert-h-${a.id}`}>${t(lang, 'alertAt')} ${when}</h3>
      <p>${t(lang, 'channel')} : ${t(lang, a.source)} · ${t(lang, 'status')} : <strong class=${a.status === 'open' ? 'error' : ''}>${t(lang, a.status)}</strong></p>
      <p>
        ${
          loc
            ? html`${t(lang, 'where')} : ${loc.lat.toFixed(5)}, ${loc.lon.toFixed(5)}${loc.accuracy_m ? ` (± ${Math.round(loc.accuracy_m)} m)` : ''}
                <a href=${`https://www.openstreetmap.org/?mlat=${loc.lat}&mlon=${loc.lon}#map=18/${loc.lat}/${loc.lon}`} target="_blank" rel="noopener">${t(lang, 'osm')}<span class="visually-hidden"> (${t(lang, 'alertAt')} ${wallTime(a.created_at)})</span></a>`
            : t(lang, 'noWhere')
        }
      </p>
      ${a.message ? html`<p>${t(lang, 'message')} : « ${a.message} »</p>` : nothing}
      ${
        ongoing
          ? html`<label for=${`note-${a.id}`}>${t(lang, 'note')}</label>
              <textarea id=${`note-${a.id}`} maxlength="500"></textarea>
              <p class="row">
                ${a.status === 'open' ? html`<button type="button" ?disabled=${busy} @click=${() => this.act(a, 'acknowledge')}>${t(lang, 'acknowledge')}</button>` : nothing}
                <button type="button" class="secondary" ?disabled=${busy} @click=${() => this.act(a, 'resolve')}>${t(lang, 'resolve')}</button>
                <button type="button" class="secondary" ?disabled=${busy} @click=${() => this.act(a, 'resolve', true)}>${t(lang, 'falseAlarm')}</button>
              </p>
              <p class="row">
                <label for=${`handto-${a.id}`} style="margin:0">${t(lang, 'handTo')}</label>
                <select id=${`handto-${a.id}`} style="width:auto">
                  ${(['police_nationale', 'police_municipale', 'samu', 'pompiers', 'other'] as const).map((k) => html`<option value=${k}>${t(lang, k)}</option>`)}
                </select>
                <button type="button" class="secondary" ?disabled=${busy} @click=${() => this.handoff(a)}>${t(lang, 'handoff')}</button>
              </p>`
          : nothing
      }
      ${
        this.handed.has(a.id)
          ? html`<div id=${`handed-${a.id}`} tabindex="-1" role="status">
              <p><strong>${t(lang, 'call')} ${this.handed.get(a.id)!.number}</strong> (${this.handed.get(a.id)!.service})</p>
              <p>${t(lang, 'readOut')} : ${this.handed.get(a.id)!.read_out}</p>
            </div>`
          : nothing
      }
    </li>`
  }
}

if (!customElements.get('halte-console-alerts')) customElements.define('halte-console-alerts', ConsoleAlerts)
