import { css, html, nothing } from 'lit'
import { ApiError, newKey } from './lib/api.ts'
import { HalteElement } from './lib/base.ts'
import { emergencyNumbers } from './lib/emergency.ts'
import { wallTime } from './lib/i18n.ts'
import { loadMap } from './lib/map.ts'
import { baseStyles } from './lib/styles.ts'
import { reasonText, refusalText, t } from './halte-dropoff/text.ts'

// <halte-dropoff>: a rider at night asks the driver to let them off between two stops.
// Three steps: the bus (trips running near the rider), the point (here, a typed stop or
// place, or a tap on the map when a `tiles` attribute is set), then the driver's decision,
// followed live. The request's id and access token stay in sessionStorage, so a reload
// keeps following it; nothing else is stored.

interface NextStop {
  stop_id: string
  name: string | null
  arrival: string
}
interface Trip {
  trip_id: string
  route_short_name: string | null
  route_long_name: string | null
  headsign: string | null
  vehicle_label: string | null
  next_stops: NextStop[]
}
interface Match {
  kind: 'place' | 'stop'
  id: string
  name: string
  lat: number
  lon: number
}
interface Dropoff {
  id: string
  status: 'pending' | 'accepted' | 'declined' | 'done' | 'expired'
  after_stop: { name: string }
  text: string
  decision: { reason: string | null; note: string | null } | null
}
interface Followed {
  id: string
  access_token: string
  trip: string // the bus as the rider picked it, to show back
}
interface Point {
  lat: number
  lon: number
}

type Step =
  | { kind: 'bus'; busy?: 'locating' | 'loading'; matches?: Match[]; trips?: Trip[] }
  | { kind: 'point'; busy?: 'locating' | 'sending'; matches?: Match[]; refusal?: { text: string | null; detail: string } }
  | { kind: 'follow'; dropoff: Dropoff | null; checkedAt: Date | null; lost: boolean }

const POLL_MS = 3000
const enc = encodeURIComponent

export class HalteDropoff extends HalteElement {
  static override properties = {
    ...HalteElement.properties,
    tiles: { type: String },
    step: { state: true },
    notice: { state: true },
    trip: { state: true },
    askErase: { state: true },
  }
  declare tiles: string
  declare askErase: boolean
  declare step: Step
  declare notice: string
  declare trip: Trip | null
  private from: Point | null = null
  private followed: Followed | null = null
  private timer: ReturnType<typeof setTimeout> | undefined
  private key = newKey()

  static override styles = [
    baseStyles,
    css`
      .trip { width: 100%; justify-content: flex-start; text-align: left; flex-direction: column; align-items: flex-start; }
      .trip .meta { font-weight: 400; font-size: 0.9rem; }
      .status { font-size: 1.2rem; font-weight: 700; border: 2px solid currentColor; border-radius: 10px; padding: 0.6em 0.8em; }
      .status.wait { color: #1b1b1b; }
      .status.yes { color: var(--halte-ok); }
      .status.no { color: var(--halte-danger); }
      .refusal { border: 2px solid var(--halte-danger); border-radius: 10px; padding: 0.5em 0.8em; }
      .map { height: 320px; margin-top: 0.5em; }
      form .row { flex-wrap: nowrap; }
    `,
  ]

  constructor() {
    super()
    this.tiles = ''
    this.step = { kind: 'bus' }
    this.notice = ''
    this.trip = null
    this.askErase = false
  }

  private get storageKey() {
    return `halte:dropoff:${this.network || 'default'}`
  }

  override connectedCallback() {
    super.connectedCallback()
    // A reload while waiting for the driver picks the same request up again.
    try {
      const kept = sessionStorage.getItem(this.storageKey)
      if (kept) this.follow(JSON.parse(kept) as Followed)
    } catch {
      // nothing kept, or storage unavailable: start afresh
    }
  }

  override disconnectedCallback() {
    super.disconnectedCallback()
    clearTimeout(this.timer)
  }

  // ---- step 1: the bus

  private locate(then: (p: Point) => void, busy: 'locating') {
    const lang = this.lang2
    const refused = () => {
      this.step = { ...this.step, busy: undefined } as Step
      this.notice = t(lang, 'geoRefused')
      this.focus1('input[type=search]')
    }
    if (!('geolocation' in navigator)) return refused()
    this.notice = ''
    this.step = { ...this.step, busy } as Step
    navigator.geolocation.getCurrentPosition((pos) => then({ lat: pos.coords.latitude, lon: pos.coords.longitude }), refused, {
      enableHighAccuracy: true,
      timeout: 15_000,
      maximumAge: 10_000,
    })
  }

  private async search(q: string): Promise<Match[] | null> {
    try {
      const { results } = await this.call<{ results: Match[] }>(`/v1/networks/${enc(this.network)}/search?q=${enc(q)}&limit=5`)
      if (results.length === 0) {
        this.notice = t(this.lang2, 'noMatch')
        this.focus1('input[type=search]')
      }
      return results
    } catch (err) {
      this.fail(err)
      return null
    }
  }

  private async typedBus(e: SubmitEvent) {
    e.preventDefault()
    const q = this.typed(e)
    if (q.length < 2) return
    this.notice = ''
    this.step = { kind: 'bus', busy: 'loading' }
    const found = await this.search(q)
    if (!found) return
    if (found.length === 1) await this.tripsNear(found[0]!)
    else this.step = { kind: 'bus', matches: found }
  }

  private async tripsNear(p: Point) {
    this.from = { lat: p.lat, lon: p.lon }
    this.step = { kind: 'bus', busy: 'loading' }
    try {
      const { trips } = await this.call<{ trips: Trip[] }>(`/v1/networks/${enc(this.network)}/trips/near?lat=${p.lat}&lon=${p.lon}`)
      this.step = { kind: 'bus', trips }
      this.focus1('#halte-trips')
    } catch (err) {
      this.fail(err)
    }
  }

  private pickTrip(trip: Trip) {
    this.trip = trip
    this.step = { kind: 'point' }
    this.focus1('#halte-step2')
    if (this.tiles) void this.drawMap(trip)
  }

  // ---- step 2: the point

  private async typedPoint(e: SubmitEvent) {
    e.preventDefault()
    const q = this.typed(e)
    if (q.length < 2) return
    this.notice = ''
    const found = await this.search(q)
    if (!found || found.length === 0) return
    if (found.length === 1) await this.send(found[0]!)
    else this.step = { kind: 'point', matches: found }
  }

  private async send(point: Point) {
    const trip = this.trip
    if (!trip) return
    this.notice = ''
    this.step = { kind: 'point', busy: 'sending' }
    try {
      const created = await this.call<Dropoff & { access_token: string }>(`/v1/networks/${enc(this.network)}/dropoffs`, {
        json: {
          trip_id: trip.trip_id,
          location: { lat: point.lat, lon: point.lon },
          ...(this.from ? { rider_position: this.from } : {}),
        },
        idempotencyKey: this.key,
      })
      this.key = newKey()
      const followed = { id: created.id, access_token: created.access_token, trip: this.tripName(trip) }
      try {
        sessionStorage.setItem(this.storageKey, JSON.stringify(followed))
      } catch {
        // private mode: followed for this page only
      }
      this.follow(followed, { ...created, status: 'pending', decision: null })
    } catch (err) {
      this.key = newKey()
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 404) {
        // A rule said no: what it means in plain words, then halte's own detail.
        this.step = { kind: 'point', refusal: { text: refusalText(this.lang2, err.code), detail: err.message } }
        this.focus1('#halte-refusal')
      } else this.fail(err)
    }
  }

  private async drawMap(trip: Trip) {
    await this.updateComplete
    const box = this.renderRoot.querySelector('#halte-map') as HTMLElement | null
    if (!box) return
    try {
      const [{ mountMap }, geo] = await Promise.all([
        loadMap(),
        this.call<{ features: { geometry: { type: string; coordinates: unknown } }[] }>(`/v1/networks/${enc(this.network)}/trips/${enc(trip.trip_id)}`),
      ])
      const line = geo.features.find((f) => f.geometry.type === 'LineString')?.geometry.coordinates as [number, number][] | undefined
      if (!line?.length) return
      const { map, L } = mountMap(box, { tiles: this.tiles, center: [line[0]![1], line[0]![0]] })
      const poly = L.polyline(line.map(([lon, lat]) => [lat, lon] as [number, number]), { color: '#1d4ed8', weight: 6 }).addTo(map)
      map.fitBounds(poly.getBounds())
      map.on('click', (e: { latlng: { lat: number; lng: number } }) => void this.send({ lat: e.latlng.lat, lon: e.latlng.lng }))
    } catch {
      // The map is a convenience: the typed point and "here" still work without it.
    }
  }

  // ---- step 3: the driver's decision

  private follow(f: Followed, first: Dropoff | null = null) {
    this.followed = f
    this.step = { kind: 'follow', dropoff: first, checkedAt: first ? new Date() : null, lost: false }
    this.focus1('#halte-follow')
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.poll(), first ? POLL_MS : 0)
  }

  private async poll() {
    const f = this.followed
    if (!f || this.step.kind !== 'follow') return
    try {
      const d = await this.call<Dropoff>(`/v1/dropoffs/${enc(f.id)}`, { accessToken: f.access_token })
      if (this.followed !== f) return
      this.step = { kind: 'follow', dropoff: d, checkedAt: new Date(), lost: false }
      if (d.status === 'pending' || d.status === 'accepted') this.timer = setTimeout(() => void this.poll(), POLL_MS)
    } catch (err) {
      if (this.followed !== f) return
      if (err instanceof ApiError && (err.status === 404 || err.status === 401)) {
        // Erased, or kept from another day: nothing left to follow.
        this.restart()
        return
      }
      this.step = { ...(this.step as Extract<Step, { kind: 'follow' }>), lost: true }
      this.timer = setTimeout(() => void this.poll(), POLL_MS)
    }
  }

  private restart() {
    clearTimeout(this.timer)
    this.followed = null
    try {
      sessionStorage.removeItem(this.storageKey)
    } catch {
      // nothing kept
    }
    this.notice = ''
    this.step = this.trip ? { kind: 'point' } : { kind: 'bus' }
    this.focus1(this.trip ? '#halte-step2' : '#halte-step1')
    if (this.trip && this.tiles) void this.drawMap(this.trip)
  }

  // ---- shared

  private typed(e: SubmitEvent) {
    return ((e.currentTarget as HTMLFormElement).elements.namedItem('q') as HTMLInputElement).value.trim()
  }

  private focus1(selector: string) {
    void this.updateComplete.then(() => (this.renderRoot.querySelector(selector) as HTMLElement | null)?.focus())
  }

  private fail(err: unknown) {
    const lang = this.lang2
    this.step = { ...this.step, busy: undefined } as Step
    this.notice = err instanceof ApiError && err.status !== 0 && err.status < 500 ? err.message : t(lang, 'down')
  }

  private tripName(trip: Trip) {
    const lang = this.lang2
    const line = trip.route_short_name ? `${t(lang, 'line')} ${trip.route_short_name}` : (trip.route_long_name ?? trip.trip_id)
    const towards = trip.headsign ?? trip.next_stops.at(-1)?.name
    const bus = trip.vehicle_label ? ` · ${t(lang, 'vehicle')} ${trip.vehicle_label}` : ''
    return `${line}${towards ? ` → ${towards}` : ''}${bus}`
  }

  override render() {
    const lang = this.lang2
    return html`${emergencyNumbers(lang)}
      <section aria-labelledby="halte-dropoff-title">
        <h2 id="halte-dropoff-title">${t(lang, 'title')}</h2>
        <p class="hint">${t(lang, 'intro')}</p>
        ${this.step.kind === 'bus' ? this.renderBus(this.step) : this.step.kind === 'point' ? this.renderPoint(this.step) : this.renderFollow(this.step)}
        <div aria-live="assertive">${this.notice ? html`<p class="error" role="alert">${this.notice}</p>` : nothing}</div>
      </section>`
  }

  private renderBus(s: Extract<Step, { kind: 'bus' }>) {
    const lang = this.lang2
    return html`<h3 id="halte-step1" tabindex="-1">${t(lang, 'step1')}</h3>
      <p><button type="button" @click=${() => this.locate((p) => void this.tripsNear(p), 'locating')}>${t(lang, 'locate')}</button></p>
      <form role="search" @submit=${(e: SubmitEvent) => this.typedBus(e)}>
        <label for="halte-bus-q">${t(lang, 'typedStop')}</label>
        <div class="row">
          <input id="halte-bus-q" name="q" type="search" minlength="2" maxlength="100" autocomplete="off" />
          <button type="submit">${t(lang, 'search')}</button>
        </div>
      </form>
      <div aria-live="polite">
        ${s.busy ? html`<p>${t(lang, s.busy === 'locating' ? 'locating' : 'loadingTrips')}</p>` : nothing}
        ${s.matches ? this.renderMatches(s.matches, (m) => void this.tripsNear(m)) : nothing}
        ${
          s.trips
            ? s.trips.length
              ? html`<ul class="cards" id="halte-trips" tabindex="-1" aria-label=${t(lang, 'step1')}>
                  ${s.trips.map((trip) => this.renderTrip(trip))}
                </ul>`
              : html`<p id="halte-trips" tabindex="-1"><strong>${t(lang, 'noTrips')}</strong></p>`
            : nothing
        }
      </div>`
  }

  private renderTrip(trip: Trip) {
    const lang = this.lang2
    const next = trip.next_stops[0]
    return html`<li>
      <button type="button" class="trip secondary" @click=${() => this.pickTrip(trip)}>
        <strong>${this.tripName(trip)}</strong>
        ${next ? html`<span class="meta">${t(lang, 'nextStop')} ${next.name ?? next.stop_id} ${t(lang, 'at')} ${wallTime(next.arrival)}</span>` : nothing}
      </button>
    </li>`
  }

  private renderMatches(matches: Match[], pick: (m: Match) => void) {
    return html`<h4>${t(this.lang2, 'choose')}</h4>
      <ul class="cards">
        ${matches.map((m) => html`<li><button type="button" class="secondary" @click=${() => pick(m)}>${m.name}</button></li>`)}
      </ul>`
  }

  private renderPoint(s: Extract<Step, { kind: 'point' }>) {
    const lang = this.lang2
    const busy = Boolean(s.busy)
    return html`<p>${t(lang, 'yourBus')} <strong>${this.trip ? this.tripName(this.trip) : ''}</strong>
        <button type="button" class="secondary" @click=${() => {
          this.trip = null
          this.notice = ''
          this.step = { kind: 'bus' }
          this.focus1('#halte-step1')
        }}>${t(lang, 'change')}</button>
      </p>
      <h3 id="halte-step2" tabindex="-1">${t(lang, 'step2')}</h3>
      <p><button type="button" ?disabled=${busy} @click=${() => this.locate((p) => void this.send(p), 'locating')}>${t(lang, 'here')}</button></p>
      <form role="search" @submit=${(e: SubmitEvent) => this.typedPoint(e)}>
        <label for="halte-point-q">${t(lang, 'typedPoint')}</label>
        <div class="row">
          <input id="halte-point-q" name="q" type="search" minlength="2" maxlength="100" autocomplete="off" aria-describedby="halte-point-hint" />
          <button type="submit" ?disabled=${busy}>${t(lang, 'search')}</button>
        </div>
        <p class="hint" id="halte-point-hint">${t(lang, 'typedPointHint')}</p>
      </form>
      ${this.tiles ? html`<p class="hint">${t(lang, 'onMap')}</p><div id="halte-map" class="map" role="region" aria-label=${t(lang, 'map')}></div>` : nothing}
      <div aria-live="polite">
        ${s.busy ? html`<p>${t(lang, s.busy === 'locating' ? 'locating' : 'sending')}</p>` : nothing}
        ${s.matches ? this.renderMatches(s.matches, (m) => void this.send(m)) : nothing}
        ${
          s.refusal
            ? html`<div class="refusal" id="halte-refusal" tabindex="-1" role="alert">
                <h4 class="error">${t(lang, 'refusedTitle')}</h4>
                <p>${s.refusal.text ?? s.refusal.detail}</p>
                ${s.refusal.text ? html`<p class="hint">${t(lang, 'details')} ${s.refusal.detail}</p>` : nothing}
              </div>`
            : nothing
        }
      </div>`
  }

  private renderFollow(s: Extract<Step, { kind: 'follow' }>) {
    const lang = this.lang2
    const d = s.dropoff
    const f = this.followed
    const terminal = d && d.status !== 'pending' && d.status !== 'accepted'
    let status = html`<p class="status wait">${t(lang, 'pending')}</p>`
    if (d?.status === 'accepted') status = html`<p class="status yes">${t(lang, 'accepted')} ${d.after_stop.name}.</p>`
    else if (d?.status === 'declined') {
      status = html`<p class="status no">${t(lang, 'declined')} ${reasonText(lang, d.decision?.reason ?? null)}${d.decision?.note ? html` « ${d.decision.note} »` : nothing}</p>
        <p>${t(lang, 'declinedNext')}</p>`
    } else if (d?.status === 'done') status = html`<p class="status yes">${t(lang, 'done')}</p>`
    else if (d?.status === 'expired') status = html`<p class="status no">${t(lang, 'expired')}</p>`
    return html`<div id="halte-follow" tabindex="-1">
      ${f ? html`<p>${t(lang, 'yourBus')} <strong>${f.trip}</strong></p>` : nothing}
      ${d ? html`<p>${t(lang, 'requested')} ${d.text}</p>` : nothing}
      <div aria-live="assertive" role="status">${status}</div>
      ${s.lost ? html`<p class="error">${t(lang, 'lost')}</p>` : nothing}
      ${s.checkedAt && !terminal ? html`<p class="hint">${t(lang, 'checking')} ${s.checkedAt.toTimeString().slice(0, 8)}</p>` : nothing}
      ${terminal ? html`<p><button type="button" @click=${() => this.restart()}>${t(lang, 'again')}</button></p>${this.renderMyData()}` : nothing}
    </div>`
  }

  // The rider's rights once the request is over (halte refuses to erase one the driver
  // still needs): download all halte keeps about it, or erase it now after a second step.
  private renderMyData() {
    const lang = this.lang2
    return html`<section aria-labelledby="halte-dropoff-data">
      <h3 id="halte-dropoff-data">${t(lang, 'myData')}</h3>
      ${
        this.askErase
          ? html`<div id="halte-dropoff-erase" tabindex="-1"><p><strong>${t(lang, 'eraseQ')}</strong></p>
              <p class="row"><button type="button" @click=${() => this.erase()}>${t(lang, 'eraseYes')}</button>
              <button type="button" class="secondary" @click=${() => (this.askErase = false)}>${t(lang, 'eraseNo')}</button></p></div>`
          : html`<p class="row"><button type="button" class="secondary" @click=${() => this.download()}>${t(lang, 'download')}</button>
              <button type="button" class="secondary" @click=${() => this.openErase()}>${t(lang, 'erase')}</button></p>`
      }
    </section>`
  }

  private async download() {
    const f = this.followed
    if (!f) return
    try {
      const data = await this.call<unknown>(`/v1/dropoffs/${enc(f.id)}/export`, { accessToken: f.access_token })
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }))
      const link = Object.assign(document.createElement('a'), { href: url, download: `halte-descente-${f.id.slice(0, 8)}.json` })
      link.click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (err) {
      this.fail(err)
    }
  }

  private openErase() {
    this.askErase = true
    this.focus1('#halte-dropoff-erase')
  }

  private async erase() {
    const f = this.followed
    if (!f) return
    try {
      await this.call(`/v1/dropoffs/${enc(f.id)}`, { method: 'DELETE', accessToken: f.access_token })
      this.askErase = false
      this.restart()
      this.notice = t(this.lang2, 'erased')
    } catch (err) {
      this.fail(err)
    }
  }
}

if (!customElements.get('halte-dropoff')) customElements.define('halte-dropoff', HalteDropoff)
