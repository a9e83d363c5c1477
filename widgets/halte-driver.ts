import { html, nothing } from 'lit'
import { ApiError } from './lib/api.ts'
import { SignedInElement } from './lib/base.ts'
import { distance } from './lib/i18n.ts'
import { openStream, type StreamState } from './lib/stream.ts'
import { baseStyles } from './lib/styles.ts'
import { Feed, type FeedItem } from './halte-driver/feed.ts'
import { driverStyles } from './halte-driver/styles.ts'
import { t } from './halte-driver/text.ts'

// <halte-driver>: the cab screen. A driver token names the vehicle; the trip is claimed
// by the vehicle's position reports (POST /v1/driver/position with trip_id), so the screen
// asks which trip (unless a `trip` attribute says), then reports the position every 10 s
// and follows the feed of requests on that trip, surviving lost connections.

interface Trip {
  trip_id: string
  route_short_name: string | null
  headsign: string | null
  next_stops: { name: string | null }[]
}
interface Point {
  lat: number
  lon: number
}
type Reason = 'unsafe_spot' | 'traffic' | 'too_late' | 'other'
const REASONS: Reason[] = ['unsafe_spot', 'traffic', 'too_late', 'other']
const POSITION_MS = 10_000
const enc = encodeURIComponent

export class HalteDriver extends SignedInElement {
  static override properties = {
    ...SignedInElement.properties,
    trip: { type: String },
    theme: { type: String, reflect: true },
    tripName: { state: true },
    picking: { state: true },
    items: { state: true },
    conn: { state: true },
    sentAt: { state: true },
    geo: { state: true },
    problem: { state: true },
    declining: { state: true },
    now: { state: true },
  }
  declare trip: string
  declare theme: 'day' | 'night'
  declare tripName: string
  declare picking: { busy?: boolean; trips?: Trip[]; notice?: string }
  declare items: FeedItem[]
  declare conn: StreamState | 'lost'
  declare sentAt: number | null
  declare geo: 'waiting' | 'ok' | 'refused' | 'unavailable'
  declare problem: string
  declare declining: string | null
  declare now: number

  static override styles = [baseStyles, driverStyles]

  private feed = new Feed()
  private stream: { close(): void } | null = null
  private watch: number | null = null
  private last: Point | null = null
  private clock: ReturnType<typeof setInterval> | undefined
  private reports: ReturnType<typeof setInterval> | undefined
  // Where the driver said the bus is (a typed stop) when the phone gives no position.
  private fallback: Point | null = null
  private everOpen = false

  constructor() {
    super()
    this.trip = ''
    this.theme = 'day'
    this.tripName = ''
    this.picking = {}
    this.items = []
    this.conn = 'connecting'
    this.sentAt = null
    this.geo = 'waiting'
    this.problem = ''
    this.declining = null
    this.now = Date.now()
  }

  private get tripKey() {
    return `halte:halte-driver:trip:${this.network || 'default'}`
  }

  override connectedCallback() {
    super.connectedCallback()
    try {
      if (localStorage.getItem('halte:halte-driver:theme') === 'night') this.theme = 'night'
      // The trip is this shift's: kept across a reload, not into tomorrow's session.
      const kept = sessionStorage.getItem(this.tripKey)
      if (kept && !this.trip) ({ trip: this.trip, name: this.tripName } = JSON.parse(kept) as { trip: string; name: string })
    } catch {
      // storage unavailable: defaults
    }
    this.clock = setInterval(() => (this.now = Date.now()), 1000)
    this.startGeo()
    if (this.currentToken && this.trip) void this.start()
  }

  override disconnectedCallback() {
    super.disconnectedCallback()
    this.stop()
    clearInterval(this.clock)
    if (this.watch !== null) navigator.geolocation.clearWatch(this.watch)
    this.watch = null
  }

  override signIn(token: string) {
    super.signIn(token)
    if (this.trip) void this.start()
  }

  override signOut() {
    this.stop()
    this.forgetTrip()
    super.signOut()
  }

  private startGeo() {
    if (!('geolocation' in navigator)) {
      this.geo = 'unavailable'
      return
    }
    this.watch = navigator.geolocation.watchPosition(
      (pos) => {
        this.last = { lat: pos.coords.latitude, lon: pos.coords.longitude }
        this.geo = 'ok'
        // The first fix after the trip was chosen: report at once, not in 10 s.
        if (this.trip && this.sentAt === null && this.stream) void this.report(true)
      },
      (err) => {
        this.geo = err.code === err.PERMISSION_DENIED ? 'refused' : 'unavailable'
      },
      { enableHighAccuracy: true, maximumAge: 5000 },
    )
  }

  // ---- the trip

  private async tripsNear(p: Point) {
    this.picking = { busy: true }
    try {
      const { trips } = await this.call<{ trips: Trip[] }>(`/v1/networks/${enc(this.network)}/trips/near?lat=${p.lat}&lon=${p.lon}`)
      this.picking = { trips, notice: trips.length ? '' : t(this.lang2, 'noTrips') }
      this.focus1('#halte-trips')
    } catch (err) {
      this.picking = { notice: this.says(err) }
    }
  }

  private locateTrips() {
    if (this.last) return void this.tripsNear(this.last)
    this.picking = { busy: true }
    navigator.geolocation?.getCurrentPosition(
      (pos) => void this.tripsNear({ lat: pos.coords.latitude, lon: pos.coords.longitude }),
      () => {
        this.picking = { notice: t(this.lang2, 'geoRefused') }
        this.focus1('#halte-drv-q')
      },
      { enableHighAccuracy: true, timeout: 15_000 },
    )
  }

  private async typedStop(e: SubmitEvent) {
    e.preventDefault()
    const q = ((e.currentTarget as HTMLFormElement).elements.namedItem('q') as HTMLInputElement).value.trim()
    if (q.length < 2) return
    this.picking = { busy: true }
    try {
      const { results } = await this.call<{ results: { kind: string; lat: number; lon: number }[] }>(`/v1/networks/${enc(this.network)}/search?q=${enc(q)}&limit=5`)
      const stop = results.find((r) => r.kind === 'stop')
      this.fallback = stop ? { lat: stop.lat, lon: stop.lon } : null
      if (stop) await this.tripsNear(stop)
      else this.picking = { notice: t(this.lang2, 'noMatch') }
    } catch (err) {
      this.picking = { notice: this.says(err) }
    }
  }

  private name(trip: Trip) {
    const towards = trip.headsign ?? trip.next_stops.at(-1)?.name
    return `${t(this.lang2, 'line')} ${trip.route_short_name ?? '?'}${towards ? ` → ${towards}` : ''}`
  }

  private pick(trip: Trip) {
    this.trip = trip.trip_id
    this.tripName = this.name(trip)
    try {
      sessionStorage.setItem(this.tripKey, JSON.stringify({ trip: this.trip, name: this.tripName }))
    } catch {
      // kept for this page only
    }
    this.picking = {}
    this.feed.clear()
    this.items = []
    void this.start()
    this.focus1('#halte-feed')
  }

  private forgetTrip() {
    this.trip = ''
    this.tripName = ''
    try {
      sessionStorage.removeItem(this.tripKey)
    } catch {
      // nothing kept
    }
  }

  // ---- position and feed

  private async start() {
    this.stop()
    this.problem = ''
    // Claim the trip first: the feed follows the trip the vehicle holds. A trip halte
    // refuses (held by another bus, unknown) is not this cab's: back to the choice.
    if ((await this.report(true)) === 'refused') {
      this.forgetTrip()
      this.focus1('#halte-pick')
      return
    }
    this.reports = setInterval(() => void this.report(false), POSITION_MS)
    this.everOpen = false
    this.stream = openStream({
      base: this.base,
      path: '/v1/driver/feed',
      lang: this.lang2,
      token: this.currentToken,
      onMessage: (m) => {
        if (m.event !== 'dropoff') return
        this.feed.apply(m.data as FeedItem)
        this.items = this.feed.list()
      },
      onState: (s) => {
        if (s === 'open') {
          // After a break, the current list as well: merged by id, so no gap and no double.
          void this.refetch()
          this.everOpen = true
          this.conn = 'open'
        } else if (s === 'retrying') this.conn = 'lost'
        else if (s === 'refused') this.conn = 'refused'
        else if (s === 'connecting' && !this.everOpen) this.conn = 'connecting'
      },
    })
  }

  private stop() {
    this.stream?.close()
    this.stream = null
    clearInterval(this.reports)
  }

  private async refetch() {
    try {
      const list = await this.call<FeedItem[]>('/v1/driver/feed', { token: this.currentToken })
      this.feed.merge(list)
      this.items = this.feed.list()
    } catch {
      // The stream itself carries on; the next reconnection tries again.
    }
  }

  private async report(claim: boolean): Promise<'sent' | 'refused' | 'failed' | 'skipped'> {
    // Without a position from the phone, the trip is claimed at the stop the driver typed.
    const p = this.last ?? (claim ? this.fallback : null)
    if (!p || !this.currentToken) return 'skipped'
    try {
      await this.call('/v1/driver/position', { token: this.currentToken, json: { lat: p.lat, lon: p.lon, ...(this.trip ? { trip_id: this.trip } : {}) } })
      this.sentAt = Date.now()
      this.problem = ''
      // The bus moved: how far ahead each request lies changed too (the list says it anew).
      if (!claim && this.items.length) void this.refetch()
      return 'sent'
    } catch (err) {
      this.problem = `${t(this.lang2, 'sendFailed')} ${this.says(err)}`
      return err instanceof ApiError && err.status >= 400 && err.status < 500 ? 'refused' : 'failed'
    }
  }

  private async decide(item: FeedItem, decision: 'accept' | 'done' | 'decline', reason?: Reason) {
    let note = ''
    if (decision === 'decline') note = (this.renderRoot.querySelector('#halte-note') as HTMLTextAreaElement | null)?.value.trim() ?? ''
    try {
      const updated = await this.call<FeedItem>(`/v1/driver/dropoffs/${enc(item.id)}/${decision}`, {
        token: this.currentToken,
        json: decision === 'decline' ? { reason, ...(note ? { note } : {}) } : undefined,
        method: 'POST',
      })
      this.feed.apply({ ...item, ...updated })
      this.items = this.feed.list()
      this.declining = null
      this.problem = ''
      this.focus1('#halte-feed')
    } catch (err) {
      // A decision that did not go through says why; the note typed stays in its field.
      this.problem = this.says(err)
    }
  }

  private toggleTheme() {
    this.theme = this.theme === 'night' ? 'day' : 'night'
    try {
      localStorage.setItem('halte:halte-driver:theme', this.theme)
    } catch {
      // kept for this page only
    }
  }

  private says(err: unknown) {
    return err instanceof ApiError && err.status !== 0 ? err.message : t(this.lang2, 'down')
  }

  private focus1(selector: string) {
    void this.updateComplete.then(() => (this.renderRoot.querySelector(selector) as HTMLElement | null)?.focus())
  }

  // ---- render

  override render() {
    const lang = this.lang2
    const header = html`<header>
      <h2>${this.currentToken ? t(lang, 'title') : t(lang, 'signInTitle')}</h2>
      <button type="button" class="secondary theme" aria-pressed=${this.theme === 'night' ? 'true' : 'false'} @click=${() => this.toggleTheme()}>
        ${t(lang, 'night')}
      </button>
    </header>`
    if (!this.currentToken) return html`${header}${this.signInForm(t(lang, 'signInTitle'), t(lang, 'signInHint'))}`
    return html`${header} ${this.renderStatus()} ${this.trip ? this.renderFeed() : this.renderPick()}
      <p class="row">
        ${this.trip ? html`<button type="button" class="secondary" @click=${() => this.changeTrip()}>${t(lang, 'changeTrip')}</button>` : nothing}
        ${this.signOutButton()}
      </p>`
  }

  private changeTrip() {
    this.stop()
    this.forgetTrip()
    this.feed.clear()
    this.items = []
    this.focus1('#halte-pick')
  }

  private renderStatus() {
    const lang = this.lang2
    const ago = this.sentAt === null ? null : Math.max(0, Math.round((this.now - this.sentAt) / 1000))
    // The seconds tick every second: outside the live regions, or a screen reader would never stop.
    return html`<div class="bar">
        ${this.trip ? html`<span>${this.tripName || this.trip} <span class="hint">(${t(lang, 'trip')} ${this.trip})</span></span>` : nothing}
        ${ago !== null ? html`<span>${t(lang, 'sent')} ${ago} ${t(lang, 'sentAgo')}</span>` : this.trip ? html`<span>${t(lang, 'notSent')}</span>` : nothing}
      </div>
      <div aria-live="assertive">
        ${this.trip && (this.conn === 'open' || this.conn === 'connecting') ? html`<p class=${this.conn === 'open' ? 'ok' : ''}>${t(lang, this.conn === 'open' ? 'live' : 'connecting')}</p>` : nothing}
        ${this.conn === 'lost' && this.trip ? html`<p class="warn" role="alert">${t(lang, 'lost')}</p>` : nothing}
        ${this.conn === 'refused' && this.trip ? html`<p class="warn" role="alert">${t(lang, 'refused')}</p>` : nothing}
        ${this.geo === 'refused' ? html`<p class="warn" role="alert">${t(lang, 'geoRefused')}</p>` : nothing}
        ${this.geo === 'unavailable' ? html`<p class="warn">${t(lang, 'geoUnavailable')}</p>` : nothing}
        ${this.problem ? html`<p class="warn" role="alert">${this.problem}</p>` : nothing}
      </div>`
  }

  private renderPick() {
    const lang = this.lang2
    const p = this.picking
    return html`<section aria-labelledby="halte-pick">
      <h3 id="halte-pick" tabindex="-1">${t(lang, 'pickTrip')}</h3>
      <p><button type="button" @click=${() => this.locateTrips()}>${t(lang, 'locate')}</button></p>
      <form role="search" @submit=${(e: SubmitEvent) => this.typedStop(e)}>
        <label for="halte-drv-q">${t(lang, 'typedStop')}</label>
        <div class="row">
          <input id="halte-drv-q" name="q" type="search" minlength="2" maxlength="100" autocomplete="off" />
          <button type="submit">${t(lang, 'search')}</button>
        </div>
      </form>
      <div aria-live="polite">
        ${p.busy ? html`<p>${t(lang, 'loading')}</p>` : nothing}
        ${p.notice ? html`<p class="error" role="alert">${p.notice}</p>` : nothing}
        ${
          p.trips?.length
            ? html`<ul class="cards" id="halte-trips" tabindex="-1" aria-label=${t(lang, 'pickTrip')}>
                ${p.trips.map(
                  (trip) => html`<li>
                    <button type="button" class="trip secondary" @click=${() => this.pick(trip)}>${this.name(trip)} <span>(${t(lang, 'trip')} ${trip.trip_id})</span></button>
                  </li>`,
                )}
              </ul>`
            : nothing
        }
      </div>
    </section>`
  }

  private renderFeed() {
    const lang = this.lang2
    const [next, ...rest] = this.items
    return html`<section id="halte-feed" tabindex="-1" aria-labelledby="halte-feed-title">
      <h3 id="halte-feed-title" class=${next ? 'visually-hidden' : ''}>${t(lang, 'title')}</h3>
      ${next ? html`<h3>${t(lang, 'next')}</h3><ul class="cards" aria-label=${t(lang, 'next')}>${this.renderItem(next, true)}</ul>` : html`<p>${t(lang, 'none')}</p>`}
      ${rest.length ? html`<h3>${t(lang, 'others')}</h3><ul class="cards" aria-label=${t(lang, 'others')}>${rest.map((i) => this.renderItem(i, false))}</ul>` : nothing}
    </section>`
  }

  private renderItem(item: FeedItem, first: boolean) {
    const lang = this.lang2
    const where = `${t(lang, 'after')} ${item.after_stop.name}, ${Math.round(item.after_stop_m)} m`
    const declining = this.declining === item.id
    return html`<li class=${first ? 'next' : ''} data-id=${item.id}>
      <p class="where">${where}</p>
      <p>${t(lang, 'before')} ${item.before_stop.name}${item.ahead_m !== null && item.ahead_m > 0 ? html` · ${distance(lang, item.ahead_m)} ${t(lang, 'fromBus')}` : nothing}</p>
      <p class=${item.status === 'accepted' ? 'ok' : ''}><strong>${item.status === 'accepted' ? t(lang, 'accepted') : t(lang, 'pending')}</strong></p>
      ${
        declining
          ? html`<div role="group" aria-labelledby=${`why-${item.id}`}>
              <h4 id=${`why-${item.id}`} tabindex="-1">${t(lang, 'why')}</h4>
              <label for="halte-note">${t(lang, 'note')}</label>
              <textarea id="halte-note" maxlength="500"></textarea>
              <div class="reasons">
                ${REASONS.map((r) => html`<button type="button" class="danger" @click=${() => this.decide(item, 'decline', r)}>${t(lang, r)}</button>`)}
              </div>
              <div class="actions"><button type="button" class="secondary" @click=${() => (this.declining = null)}>${t(lang, 'back')}</button></div>
            </div>`
          : html`<div class="actions">
              ${item.status === 'pending' ? html`<button type="button" @click=${() => this.decide(item, 'accept')}>${t(lang, 'accept')}</button>` : nothing}
              ${item.status === 'accepted' ? html`<button type="button" @click=${() => this.decide(item, 'done')}>${t(lang, 'done')}</button>` : nothing}
              <button type="button" class="secondary" @click=${() => {
                this.declining = item.id
                this.focus1(`[id="why-${item.id}"]`)
              }}>${t(lang, 'decline')}</button>
            </div>`
      }
    </li>`
  }
}

if (!customElements.get('halte-driver')) customElements.define('halte-driver', HalteDriver)
