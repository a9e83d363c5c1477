import { css, html, nothing } from 'lit'
import { dictionary, wallDay, wallTime } from '../lib/i18n.ts'
import { ConsoleSection } from './section.ts'

// "Diffusion": after a serious incident, one short message to every partner of a sector
// or around a point (push, and SMS to mobiles), then who received it and who answered.

interface Broadcast {
  id: string
  message: string
  target: { sector?: string; lat?: number; lon?: number; radius_m?: number }
  channels: string[]
  by: { role: string; label: string | null }
  created_at: string
  places: number
  field: number
  acknowledged: number
}
interface Recipient {
  place_id: string | null
  token_id: string | null
  name: string
  push: 'sent' | 'pending' | 'failed' | 'none'
  sms: 'sent' | 'pending' | 'failed' | 'none'
  acknowledged_at: string | null
}
interface Sent {
  id: string
  recipients: number
  by_channel: { push: { recipients: number; unavailable: boolean }; sms: { recipients: number; unavailable: boolean } }
  unreachable: number
}

const MAX = 280

const t = dictionary({
  title: { fr: 'Diffusion aux partenaires', en: 'Message to partners' },
  intro: {
    fr: 'Un message court à tous les lieux partenaires actifs d’un secteur ou autour d’un point (notification, et SMS aux mobiles).',
    en: 'A short message to every active partner of a sector or around a point (notification, and SMS to mobiles).',
  },
  message: { fr: 'Message', en: 'Message' },
  left: { fr: 'caractères restants', en: 'characters left' },
  target: { fr: 'Destinataires', en: 'Recipients' },
  bySector: { fr: 'Un secteur', en: 'A sector' },
  byPoint: { fr: 'Autour d’un point', en: 'Around a point' },
  sector: { fr: 'Nom du secteur', en: 'Sector name' },
  lat: { fr: 'Latitude', en: 'Latitude' },
  lon: { fr: 'Longitude', en: 'Longitude' },
  radius: { fr: 'Rayon (m, 5 000 au plus)', en: 'Radius (m, at most 5,000)' },
  channels: { fr: 'Par', en: 'By' },
  push: { fr: 'Notification', en: 'Notification' },
  sms: { fr: 'SMS', en: 'SMS' },
  send: { fr: 'Envoyer le message', en: 'Send the message' },
  sending: { fr: 'Envoi…', en: 'Sending…' },
  sentTo: { fr: 'Message envoyé à', en: 'Message sent to' },
  recipients: { fr: 'destinataire(s)', en: 'recipient(s)' },
  unreachable: { fr: 'injoignable(s) (ni notification ni mobile)', en: 'unreachable (no notification, no mobile)' },
  unavailable: { fr: 'canal non configuré', en: 'channel not configured' },
  history: { fr: 'Messages envoyés', en: 'Messages sent' },
  none: { fr: 'Aucun message envoyé.', en: 'No message sent.' },
  refresh: { fr: 'Actualiser', en: 'Refresh' },
  at: { fr: 'à', en: 'at' },
  around: { fr: 'autour de', en: 'around' },
  in: { fr: 'secteur', en: 'sector' },
  acks: { fr: 'accusé(s) de réception', en: 'acknowledgement(s)' },
  details: { fr: 'Détail par partenaire', en: 'Details per partner' },
  hide: { fr: 'Masquer le détail', en: 'Hide details' },
  partner: { fr: 'Partenaire', en: 'Partner' },
  ack: { fr: 'Accusé de réception', en: 'Acknowledged' },
  s_sent: { fr: 'envoyé', en: 'sent' },
  s_pending: { fr: 'en attente', en: 'pending' },
  s_failed: { fr: 'échec', en: 'failed' },
  s_none: { fr: '—', en: '—' },
  notYet: { fr: 'pas encore', en: 'not yet' },
  field: { fr: '(équipe de terrain)', en: '(field team)' },
})

export class ConsoleBroadcasts extends ConsoleSection {
  static override properties = {
    ...ConsoleSection.properties,
    items: { state: true },
    mode: { state: true },
    length: { state: true },
    sending: { state: true },
    sent: { state: true },
    open: { state: true },
    detail: { state: true },
    sectors: { state: true },
  }
  declare items: Broadcast[] | null
  declare mode: 'sector' | 'point'
  declare length: number
  declare sending: boolean
  declare sent: Sent | null
  declare open: string
  declare detail: Recipient[] | null
  // The network's sector names, to choose from; none (or no sectors route): typed.
  declare sectors: string[]

  static override styles = [
    ...ConsoleSection.styles,
    css`
      fieldset { border: 1px solid #8a8a8a; border-radius: 8px; margin: 0.8em 0; padding: 0.4em 0.8em 0.8em; }
      legend { font-weight: 600; padding: 0 0.3em; }
      label.check { display: flex; gap: 0.5em; align-items: center; font-weight: 400; min-height: 44px; margin: 0; }
      label.check input { width: 1.3em; height: 1.3em; min-height: 0; flex: none; }
      .coords > div { flex: 1 1 9em; }
      td.s-failed { color: var(--halte-danger); font-weight: 600; }
      td.s-sent { color: var(--halte-ok); }
    `,
  ]

  constructor() {
    super()
    this.items = null
    this.mode = 'point'
    this.length = 0
    this.sending = false
    this.sent = null
    this.open = ''
    this.detail = null
    this.sectors = []
  }

  protected override async load() {
    void this.loadSectors()
    try {
      this.items = (await this.op<{ broadcasts: Broadcast[] }>(`${this.net}/broadcasts`)).broadcasts
      if (this.open) await this.show(this.open)
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private async loadSectors() {
    try {
      const r = await this.op<{ features: { properties: { name: string } }[] }>(`${this.net}/sectors`)
      this.sectors = r.features.map((f) => f.properties.name).sort((a, b) => a.localeCompare(b, this.lang2))
    } catch {
      this.sectors = []
    }
  }

  private async send(e: SubmitEvent) {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const f = new FormData(form)
    const num = (k: string) => Number(String(f.get(k) ?? '').replace(',', '.'))
    const target = this.mode === 'sector' ? { sector: String(f.get('sector') ?? '').trim() } : { lat: num('lat'), lon: num('lon'), radius_m: Math.round(num('radius')) }
    const channels = ['push', 'sms'].filter((c) => f.get(c) === 'on')
    this.sending = true
    this.problem = ''
    this.sent = null
    try {
      this.sent = await this.op<Sent>(`${this.net}/broadcasts`, { json: { message: String(f.get('message') ?? ''), target, channels } })
      // Only the words go: the target and channels stay for a follow-up message.
      ;(form.elements.namedItem('message') as HTMLTextAreaElement).value = ''
      this.length = 0
      await this.load()
      this.focusSoon('#bc-result')
    } catch (err) {
      this.problem = this.messageOf(err)
      this.focusSoon('#bc-problem')
    }
    this.sending = false
  }

  private async show(id: string) {
    this.open = id
    try {
      this.detail = (await this.op<{ recipients: Recipient[] }>(`/v1/broadcasts/${encodeURIComponent(id)}`)).recipients
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private hide() {
    this.open = ''
    this.detail = null
  }

  override render() {
    const lang = this.lang2
    return html`<h2>${t(lang, 'title')}</h2>
      <p class="hint">${t(lang, 'intro')}</p>
      <form @submit=${(e: SubmitEvent) => this.send(e)}>
        <label for="bc-message">${t(lang, 'message')}</label>
        <textarea id="bc-message" name="message" required maxlength=${MAX} aria-describedby="bc-left"
          @input=${(e: Event) => (this.length = (e.target as HTMLTextAreaElement).value.length)}></textarea>
        <p class="hint" id="bc-left">${MAX - this.length} ${t(lang, 'left')}</p>
        <fieldset>
          <legend>${t(lang, 'target')}</legend>
          <div class="row">
            <label class="check"><input type="radio" name="mode" value="point" .checked=${this.mode === 'point'} @change=${() => (this.mode = 'point')} /> ${t(lang, 'byPoint')}</label>
            <label class="check"><input type="radio" name="mode" value="sector" .checked=${this.mode === 'sector'} @change=${() => (this.mode = 'sector')} /> ${t(lang, 'bySector')}</label>
          </div>
          ${
            this.mode === 'sector'
              ? html`<label for="bc-sector">${t(lang, 'sector')}</label>${
                  this.sectors.length
                    ? html`<select id="bc-sector" name="sector" required>${this.sectors.map((n) => html`<option value=${n}>${n}</option>`)}</select>`
                    : html`<input id="bc-sector" name="sector" required maxlength="100" />`
                }`
              : html`<div class="row coords">
                  <div><label for="bc-lat">${t(lang, 'lat')}</label><input id="bc-lat" name="lat" inputmode="decimal" required /></div>
                  <div><label for="bc-lon">${t(lang, 'lon')}</label><input id="bc-lon" name="lon" inputmode="decimal" required /></div>
                  <div><label for="bc-radius">${t(lang, 'radius')}</label><input id="bc-radius" name="radius" type="number" min="50" max="5000" step="50" value="500" required /></div>
                </div>`
          }
        </fieldset>
        <fieldset>
          <legend>${t(lang, 'channels')}</legend>
          <div class="row">
            <label class="check"><input type="checkbox" name="push" checked /> ${t(lang, 'push')}</label>
            <label class="check"><input type="checkbox" name="sms" checked /> ${t(lang, 'sms')}</label>
          </div>
        </fieldset>
        <button type="submit" ?disabled=${this.sending}>${this.sending ? t(lang, 'sending') : t(lang, 'send')}</button>
      </form>
      ${this.problem ? html`<p class="error" role="alert" id="bc-problem" tabindex="-1">${this.problem}</p>` : nothing}
      ${this.sent ? this.renderSent(this.sent) : nothing}
      <div class="row"><h3>${t(lang, 'history')}</h3><button type="button" class="secondary" @click=${() => this.load()}>${t(lang, 'refresh')}</button></div>
      ${
        this.items === null
          ? nothing
          : this.items.length === 0
            ? html`<p>${t(lang, 'none')}</p>`
            : html`<ul class="cards">${this.items.map((b) => this.renderItem(b))}</ul>`
      }`
  }

  private renderSent(s: Sent) {
    const lang = this.lang2
    const channel = (k: 'push' | 'sms') => `${t(lang, k)} : ${s.by_channel[k].unavailable ? t(lang, 'unavailable') : s.by_channel[k].recipients}`
    return html`<p class="ok" role="status" id="bc-result" tabindex="-1">
      ${t(lang, 'sentTo')} ${s.recipients} ${t(lang, 'recipients')} — ${channel('push')} · ${channel('sms')}${s.unreachable ? ` · ${s.unreachable} ${t(lang, 'unreachable')}` : ''}
    </p>`
  }

  private renderItem(b: Broadcast) {
    const lang = this.lang2
    const where = b.target.sector ? `${t(lang, 'in')} ${b.target.sector}` : `${t(lang, 'around')} ${b.target.lat}, ${b.target.lon} (${b.target.radius_m} m)`
    const open = this.open === b.id
    return html`<li>
      <p><strong>${b.message}</strong></p>
      <p class="meta">${wallDay(lang, b.created_at)} ${t(lang, 'at')} ${wallTime(b.created_at)} · ${where} · ${b.by.label ?? b.by.role}</p>
      <p>${b.places + b.field} ${t(lang, 'recipients')} · ${b.acknowledged} ${t(lang, 'acks')}</p>
      <button type="button" class="secondary" aria-expanded=${open ? 'true' : 'false'} @click=${() => (open ? this.hide() : this.show(b.id))}>${open ? t(lang, 'hide') : t(lang, 'details')}</button>
      ${open && this.detail ? this.renderDetail(this.detail) : nothing}
    </li>`
  }

  private renderDetail(rows: Recipient[]) {
    const lang = this.lang2
    const state = (s: Recipient['push']) => html`<td class=${`s-${s}`}>${t(lang, `s_${s}`)}</td>`
    return html`<div class="scroll"><table>
      <thead><tr><th scope="col">${t(lang, 'partner')}</th><th scope="col">${t(lang, 'push')}</th><th scope="col">${t(lang, 'sms')}</th><th scope="col">${t(lang, 'ack')}</th></tr></thead>
      <tbody>${rows.map(
        (r) => html`<tr>
          <th scope="row">${r.name} ${r.token_id ? t(lang, 'field') : ''}</th>
          ${state(r.push)} ${state(r.sms)}
          <td>${r.acknowledged_at ? wallTime(r.acknowledged_at) : t(lang, 'notYet')}</td>
        </tr>`,
      )}</tbody>
    </table></div>`
  }
}

if (!customElements.get('halte-console-broadcasts')) customElements.define('halte-console-broadcasts', ConsoleBroadcasts)
