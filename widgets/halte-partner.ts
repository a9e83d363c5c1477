import { css, html, nothing, type PropertyValues } from 'lit'
import { ApiError } from './lib/api.ts'
import { SignedInElement } from './lib/base.ts'
import { baseStyles } from './lib/styles.ts'
import { PartnerAlerts } from './halte-partner/alerts.ts'
import { renderApply } from './halte-partner/apply.ts'
import { PartnerBroadcasts } from './halte-partner/broadcasts.ts'
import { type DeviceState, enableDevice } from './halte-partner/device.ts'
import { HoursPreview } from './halte-partner/hours.ts'
import { type Closure, type PlaceProps, renderManage } from './halte-partner/manage.ts'
import { t } from './halte-partner/text.ts'
import { zonedIso } from './halte-partner/time.ts'

// <halte-partner>: a bar owner's screen. Without a token: apply to become a refuge (or
// sign in with the token received then). With one: the alerts sent to the place, this
// device's notifications, and the place's hours, phone, services, closures and training.

interface SearchResult {
  kind: 'place' | 'stop'
  id: string
  name: string
  lat: number
  lon: number
}
type Notice = { ok: boolean; text: string } | null
interface ApplyState {
  sending: boolean
  message: string
  retry: boolean
  errors: Record<string, string>
}

export class HaltePartner extends SignedInElement {
  static override properties = {
    ...SignedInElement.properties,
    signingIn: { state: true },
    signInError: { state: true },
    applyState: { state: true },
    position: { state: true },
    positionNotice: { state: true },
    locating: { state: true },
    placeMatches: { state: true },
    freshToken: { state: true },
    copyNotice: { state: true },
    place: { state: true },
    placeError: { state: true },
    closures: { state: true },
    editNotice: { state: true },
    closureNotice: { state: true },
    trainingNotice: { state: true },
    busy: { state: true },
    confirmWithdraw: { state: true },
    device: { state: true },
  }
  declare signingIn: boolean
  declare signInError: string
  declare applyState: ApplyState
  declare position: { lat: number; lon: number; label: string } | null
  declare positionNotice: string
  declare locating: boolean
  declare placeMatches: SearchResult[]
  declare freshToken: string
  declare copyNotice: string
  declare place: PlaceProps | null
  declare placeError: string
  declare closures: Closure[]
  declare editNotice: Notice
  declare closureNotice: Notice
  declare trainingNotice: Notice
  declare busy: '' | 'edit' | 'closure' | 'training' | 'withdraw'
  declare confirmWithdraw: boolean
  declare device: DeviceState

  readonly hours = new HoursPreview(this)
  readonly editHours = new HoursPreview(this)
  readonly alerts = new PartnerAlerts(this)
  readonly broadcasts = new PartnerBroadcasts(this)
  timeZone: string | undefined
  private loadedFor = ''

  static override styles = [
    baseStyles,
    css`
      section { margin: 1em 0 1.4em; }
      fieldset { border: 1px solid #8a8a8a; border-radius: 8px; margin: 0.8em 0; padding: 0.4em 0.8em 0.8em; }
      legend { font-weight: 600; padding: 0 0.3em; }
      label.check { display: flex; gap: 0.5em; align-items: center; font-weight: 400; min-height: 44px; margin: 0; }
      label.check input { width: auto; min-height: 0; width: 1.3em; height: 1.3em; flex: none; }
      .row.nowrap { flex-wrap: nowrap; }
      .row.spread { justify-content: space-between; }
      .coords > div { flex: 1 1 9em; }
      .preview { border-left: 4px solid #6b6b6b; padding-left: 0.6em; margin: 0.4em 0; }
      .warn { color: #7a4a00; }
      .changes { margin: 0.2em 0; padding-left: 1.2em; }
      ul.matches { list-style: none; padding: 0; display: grid; gap: 0.3em; }
      .meta { color: var(--halte-muted); }
      .token { border: 3px solid var(--halte-ok); border-radius: 10px; padding: 0.6em 0.9em; }
      .token-value { display: block; word-break: break-all; font-size: 1.05rem; background: #f2f2f2; padding: 0.4em; border-radius: 6px; user-select: all; }
      .banner { background: #fff4f4; border: 3px solid var(--halte-danger); border-radius: 10px; padding: 0.6em 0.9em; color: #1b1b1b; justify-content: space-between; flex-wrap: nowrap; }
      .banner strong { color: var(--halte-danger); }
      li.alert.open { border: 3px solid var(--halte-danger); }
      .pending { background: #fff8e1; border-radius: 6px; padding: 0.4em 0.6em; }
    `,
  ]

  constructor() {
    super()
    this.signingIn = false
    this.signInError = ''
    this.applyState = { sending: false, message: '', retry: false, errors: {} }
    this.position = null
    this.positionNotice = ''
    this.locating = false
    this.placeMatches = []
    this.freshToken = ''
    this.copyNotice = ''
    this.place = null
    this.placeError = ''
    this.closures = []
    this.editNotice = null
    this.closureNotice = null
    this.trainingNotice = null
    this.busy = ''
    this.confirmWithdraw = false
    this.device = { kind: 'idle' }
    // The first touch in the widget allows the alert sound later on.
    this.addEventListener('pointerdown', this.alerts.unlockSound)
    this.addEventListener('keydown', this.alerts.unlockSound)
  }

  // Signed in (or out): load the place and follow its alerts, or stop.
  protected override updated(changed: PropertyValues) {
    super.updated(changed)
    const token = this.currentToken
    if (token === this.loadedFor) return
    this.loadedFor = token
    if (token) {
      void this.loadPlace()
      this.alerts.start(token)
      this.broadcasts.start(token)
    } else {
      this.alerts.stop()
      this.broadcasts.stop()
      this.place = null
    }
  }

  showSignIn(on: boolean) {
    this.signingIn = on
    this.signInError = ''
    void this.updateComplete.then(() => (this.renderRoot.querySelector(on ? '#halte-token' : '#ap-name') as HTMLElement | null)?.focus())
  }

  // Signed in by typing the token: the form goes away, so focus goes to the place's name.
  private focusTitle = false
  override signIn(token: string) {
    super.signIn(token)
    this.focusTitle = !this.freshToken
  }

  override signOut() {
    super.signOut()
    this.freshToken = ''
    this.signingIn = true
    this.device = { kind: 'idle' }
  }

  signOutControl() {
    return this.signOutButton()
  }

  // ——— Apply ———

  locate() {
    const lang = this.lang2
    this.positionNotice = ''
    if (!('geolocation' in navigator)) {
      this.positionNotice = t(lang, 'locationRefused')
      return
    }
    this.locating = true
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        this.locating = false
        this.setPosition(Math.round(pos.coords.latitude * 1e6) / 1e6, Math.round(pos.coords.longitude * 1e6) / 1e6, '')
      },
      () => {
        this.locating = false
        this.positionNotice = t(lang, 'locationRefused')
        ;(this.renderRoot.querySelector('#ap-place-q') as HTMLElement | null)?.focus()
      },
      { enableHighAccuracy: true, timeout: 15_000 },
    )
  }

  async searchPlace(q: string) {
    q = q.trim()
    if (q.length < 2) return
    this.positionNotice = ''
    try {
      const { results } = await this.call<{ results: SearchResult[] }>(`/v1/networks/${enc(this.network)}/search?q=${encodeURIComponent(q)}&limit=5`)
      if (results.length === 0) this.positionNotice = t(this.lang2, 'noMatch')
      else if (results.length === 1) this.setPosition(results[0]!.lat, results[0]!.lon, results[0]!.name)
      else this.placeMatches = results
    } catch (err) {
      this.positionNotice = this.messageOf(err)
    }
  }

  setPosition(lat: number, lon: number, label: string) {
    this.placeMatches = []
    this.position = { lat, lon, label: label || `${lat}, ${lon}` }
  }

  typedCoords() {
    const lat = Number((this.renderRoot.querySelector('#ap-lat') as HTMLInputElement).value.replace(',', '.'))
    const lon = Number((this.renderRoot.querySelector('#ap-lon') as HTMLInputElement).value.replace(',', '.'))
    const both = (this.renderRoot.querySelector('#ap-lat') as HTMLInputElement).value && (this.renderRoot.querySelector('#ap-lon') as HTMLInputElement).value
    this.position = both && Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon, label: '' } : null
  }

  async submitApplication(e: SubmitEvent) {
    e.preventDefault()
    const lang = this.lang2
    const form = e.currentTarget as HTMLFormElement
    const f = new FormData(form)
    const text = (k: string) => String(f.get(k) ?? '').trim()
    const optional = (k: string) => text(k) || undefined
    if (!this.position) {
      this.applyState = { sending: false, message: t(lang, 'needPosition'), retry: false, errors: { location: t(lang, 'needPosition') } }
      this.focusSummary()
      return
    }
    const body = {
      name: text('name'),
      kind: text('kind'),
      address: text('address'),
      location: { lat: this.position.lat, lon: this.position.lon },
      opening_hours: text('opening_hours'),
      phone: optional('phone'),
      email: optional('email'),
      features: f.getAll('features').map(String),
      contact_name: text('contact_name'),
      // Sent as ticked or not: halte says in words why the charter matters.
      charter_accepted: f.get('charter_accepted') === 'on',
    }
    this.applyState = { ...this.applyState, sending: true }
    try {
      const r = await this.call<{ id: string; partner_token: string }>(`/v1/networks/${enc(this.network)}/applications`, { json: body })
      this.applyState = { sending: false, message: '', retry: false, errors: {} }
      this.freshToken = r.partner_token
      this.signingIn = false
      this.signIn(r.partner_token)
      void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-token-once') as HTMLElement | null)?.focus())
    } catch (err) {
      const errors: Record<string, string> = {}
      if (err instanceof ApiError) {
        for (const fe of (err.body.errors as { path: string; message: string }[] | undefined) ?? []) {
          errors[fe.path.split('.')[0]!] ??= besideField(fe.path, fe.message)
        }
        if (err.code === 'invalid_opening_hours') errors.opening_hours = err.message
        if (err.code === 'outside_network_area') errors.location = err.message
      }
      this.applyState = { sending: false, message: this.messageOf(err), retry: !(err instanceof ApiError) || err.status === 0 || err.status >= 500, errors }
      this.focusSummary()
    }
  }

  private focusSummary() {
    void this.updateComplete.then(() => (this.renderRoot.querySelector('#ap-summary') as HTMLElement | null)?.focus())
  }

  async copyToken() {
    try {
      await navigator.clipboard.writeText(this.freshToken)
      this.copyNotice = t(this.lang2, 'copied')
    } catch {
      this.copyNotice = t(this.lang2, 'copyFailed')
    }
  }

  forgetFreshToken() {
    this.freshToken = ''
    void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-place-title') as HTMLElement | null)?.focus())
  }

  // ——— Manage ———

  async loadPlace() {
    const token = this.currentToken
    this.placeError = ''
    try {
      const [feature, closures] = await Promise.all([
        this.call<{ properties: PlaceProps }>('/v1/partner/place', { token }),
        this.call<Closure[]>('/v1/partner/closures', { token }),
        this.loadTimeZone(),
      ])
      this.place = feature.properties
      this.closures = closures
      // The hours as halte reads them now, before any edit.
      this.editHours.input(feature.properties.opening_hours)
      if (this.focusTitle) {
        this.focusTitle = false
        void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-place-title') as HTMLElement | null)?.focus())
      }
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) {
        // A token halte does not know: back to the sign-in form, saying why.
        this.signOut()
        this.signInError = err.message
        return
      }
      this.placeError = this.messageOf(err)
    }
  }

  // Closures are typed and shown in the network's time, not the phone's.
  private async loadTimeZone() {
    if (this.timeZone || !this.network) return
    try {
      this.timeZone = (await this.call<{ timezone: string }>(`/v1/networks/${enc(this.network)}`)).timezone
    } catch {
      this.timeZone = undefined
    }
  }

  async saveEdit(e: SubmitEvent) {
    e.preventDefault()
    const f = new FormData(e.currentTarget as HTMLFormElement)
    const phone = String(f.get('phone') ?? '').trim()
    const email = String(f.get('email') ?? '').trim()
    const body = {
      opening_hours: String(f.get('opening_hours') ?? '').trim(),
      phone: phone || null,
      email: email || null,
      features: f.getAll('features').map(String),
    }
    await this.patch('edit', body, (n) => (this.editNotice = n))
  }

  async saveTraining(e: SubmitEvent) {
    e.preventDefault()
    const f = new FormData(e.currentTarget as HTMLFormElement)
    const date = String(f.get('training_date') ?? '')
    const staff = String(f.get('trained_staff') ?? '')
    await this.patch('training', { training_date: date || null, trained_staff: staff === '' ? null : Number(staff) }, (n) => (this.trainingNotice = n))
  }

  private async patch(what: 'edit' | 'training', body: Record<string, unknown>, notice: (n: Notice) => void) {
    const lang = this.lang2
    this.busy = what
    notice(null)
    try {
      const r = await this.call<{ properties: PlaceProps & { warnings?: string[] } }>('/v1/partner/place', { method: 'PATCH', json: body, token: this.currentToken })
      this.place = r.properties
      // A pending change is what halte answers 202 with; the props say so either way.
      const waiting = r.properties.pending_change && 'phone' in r.properties.pending_change
      notice({ ok: true, text: waiting ? t(lang, 'savedPending') : t(lang, 'saved') })
    } catch (err) {
      notice({ ok: false, text: this.messageOf(err) })
    }
    this.busy = ''
  }

  async addClosure(e: SubmitEvent) {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const f = new FormData(form)
    const reason = String(f.get('reason') ?? '').trim()
    const body = {
      from: zonedIso(String(f.get('from')), this.timeZone),
      to: zonedIso(String(f.get('to')), this.timeZone),
      ...(reason ? { reason } : {}),
    }
    this.busy = 'closure'
    this.closureNotice = null
    try {
      await this.call('/v1/partner/closures', { json: body, token: this.currentToken })
      this.closures = await this.call<Closure[]>('/v1/partner/closures', { token: this.currentToken })
      this.closureNotice = { ok: true, text: t(this.lang2, 'closureAdded') }
      form.reset()
    } catch (err) {
      this.closureNotice = { ok: false, text: this.messageOf(err) }
    }
    this.busy = ''
  }

  async cancelClosure(c: Closure) {
    try {
      await this.call(`/v1/partner/closures/${enc(c.id)}`, { method: 'DELETE', token: this.currentToken })
      this.closures = this.closures.filter((x) => x.id !== c.id)
      this.closureNotice = { ok: true, text: t(this.lang2, 'closureCancelled') }
    } catch (err) {
      this.closureNotice = { ok: false, text: this.messageOf(err) }
    }
  }

  async withdraw() {
    this.busy = 'withdraw'
    try {
      const r = await this.call<{ properties: PlaceProps }>('/v1/partner/place/withdraw', { method: 'POST', token: this.currentToken })
      this.place = { ...this.place!, ...r.properties }
      this.confirmWithdraw = false
    } catch (err) {
      this.placeError = this.messageOf(err)
    }
    this.busy = ''
  }

  async enableDevice() {
    this.device = { kind: 'working' }
    this.device = await enableDevice(this, this.currentToken)
  }

  private messageOf(err: unknown): string {
    if (err instanceof ApiError) return err.status === 0 ? t(this.lang2, 'down') : err.message
    return String(err)
  }

  override render() {
    const lang = this.lang2
    if (this.currentToken) return renderManage(this)
    if (this.signingIn) {
      return html`${this.signInError ? html`<p class="error" role="alert">${this.signInError}</p>` : nothing}
        ${this.signInForm(t(lang, 'signInTitle'), t(lang, 'signInHint'))}
        <p><button type="button" class="secondary" @click=${() => this.showSignIn(false)}>${t(lang, 'backToApply')}</button></p>`
    }
    return renderApply(this)
  }
}

const enc = encodeURIComponent

// Beside its field, halte's "phone : numéro surtaxé refusé" needs no field name.
function besideField(path: string, message: string): string {
  const rest = message.startsWith(path) ? message.slice(path.length).replace(/^\s*:?\s*/, '') : message
  return rest ? rest[0]!.toUpperCase() + rest.slice(1) : message
}

if (!customElements.get('halte-partner')) customElements.define('halte-partner', HaltePartner)
