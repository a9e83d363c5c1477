import { css, html, nothing } from 'lit'
import { ApiError, newKey } from './lib/api.ts'
import { HalteElement } from './lib/base.ts'
import { emergencyNumbers } from './lib/emergency.ts'
import { distance, wallDay, wallTime } from './lib/i18n.ts'
import { openStream } from './lib/stream.ts'
import { baseStyles } from './lib/styles.ts'
import { type Key, t } from './halte-alert/text.ts'

// <halte-alert>: a resident asks for help. Hard to trigger by accident (hold 2 s, or two
// steps for whoever cannot hold), never blocked for long by a missing position, never
// sent twice (one Idempotency-Key per deliberate action, reused on every retry), and
// followed live after a reload (id and access token kept in sessionStorage).

const HOLD_MS = 2000
const LOCATE_MS = 10_000

interface Refuge {
  geometry: { coordinates: [number, number] }
  properties: { id: string; name: string; address: string; phone: string | null; distance_m?: number; open_until?: string | null }
}
// A help desk for afterwards (victim support…): the nearest open, or the next to open.
interface Help {
  properties: { name: string; address: string; phone: string | null; schedule_note: string | null; open_now: boolean; open_until: string | null; next_open: string | null }
}
interface Created {
  id: string
  status: string
  access_token: string
  nearest: Refuge[]
  help?: Help | null
  delivery: { notified: boolean }
}
interface SearchResult {
  id: string
  name: string
  lat: number
  lon: number
}
type Body = { location: { lat: number; lon: number; accuracy_m?: number } }
// What survives a reload: an alert being sent (its key and body), or one raised.
type Kept = { key: string; body: Body } | { id: string; access_token: string; nearest: Refuge[]; help?: Help | null; notified: boolean; status: string }

type Phase = 'idle' | 'confirm' | 'locating' | 'typing' | 'sending' | 'raised'

export class HalteAlert extends HalteElement {
  static override properties = {
    ...HalteElement.properties,
    discreet: { type: Boolean },
    phase: { state: true },
    progress: { state: true },
    notice: { state: true },
    down: { state: true },
    found: { state: true },
    alert: { state: true },
    streamLost: { state: true },
    askCancel: { state: true },
    askErase: { state: true },
  }
  declare discreet: boolean
  declare phase: Phase
  declare progress: number
  declare notice: string
  declare down: boolean
  declare found: SearchResult[]
  declare alert: Extract<Kept, { id: string }> | null
  declare streamLost: boolean
  declare askCancel: boolean
  declare askErase: boolean

  private key = ''
  private body: Body | null = null
  private holdT0 = 0
  private retryTimer = 0
  private retryDelay = 2000
  private locateTimer = 0
  private stream: { close(): void } | null = null

  static override styles = [
    baseStyles,
    css`
      .hold {
        width: 100%; min-height: 120px; flex-direction: column; font-size: 1.1rem; user-select: none; -webkit-user-select: none;
        touch-action: none; -webkit-touch-callout: none; background: var(--halte-danger); border-color: var(--halte-danger);
      }
      .hold .big { font-size: 2rem; font-weight: 800; letter-spacing: 0.08em; }
      progress { width: 100%; height: 1rem; accent-color: var(--halte-danger); }
      .status { font-size: 1.2rem; font-weight: 700; padding: 0.5em 0.7em; border: 2px solid currentColor; border-radius: 10px; }
      .meta { color: var(--halte-muted); }
      :host([discreet]) .hold { background: #fff; color: #1b1b1b; border-color: #6b6b6b; min-height: 64px; font-size: 1rem; }
      :host([discreet]) progress { accent-color: #4a4a4a; }
      :host([discreet]) .emergency { background: #fff; border-color: #8a8a8a; }
      :host([discreet]) .emergency strong { color: #1b1b1b; }
      :host([discreet]) .emergency a { background: #fff; color: #1b1b1b; border: 1px solid #6b6b6b; }
      :host([discreet]) .error { color: #1b1b1b; }
    `,
  ]

  constructor() {
    super()
    this.discreet = false
    this.phase = 'idle'
    this.progress = 0
    this.notice = ''
    this.down = false
    this.found = []
    this.alert = null
    this.streamLost = false
    this.askCancel = false
    this.askErase = false
  }

  private get storeKey() {
    return `halte:alert:${this.network || 'default'}`
  }

  private keep(v: Kept | null) {
    try {
      if (v) sessionStorage.setItem(this.storeKey, JSON.stringify(v))
      else sessionStorage.removeItem(this.storeKey)
    } catch {
      // private mode: followed for this page only
    }
  }

  override connectedCallback() {
    super.connectedCallback()
    let kept: Kept | null = null
    try {
      kept = JSON.parse(sessionStorage.getItem(this.storeKey) ?? 'null') as Kept | null
    } catch {
      kept = null
    }
    if (kept && 'id' in kept) this.follow(kept)
    else if (kept && 'key' in kept) {
      // Reloaded while sending: the same key, so halte answers with the same alert.
      this.key = kept.key
      this.body = kept.body
      void this.send()
    }
  }

  override disconnectedCallback() {
    super.disconnectedCallback()
    this.stream?.close()
    clearTimeout(this.retryTimer)
    clearTimeout(this.locateTimer)
  }

  private w(key: Key, discreetKey?: Key) {
    return t(this.lang2, this.discreet && discreetKey ? discreetKey : key)
  }

  // Hold to raise: pointer or Space/Enter held down, released early it does nothing.
  private holdStart(e: Event) {
    if (this.phase !== 'idle' || this.holdT0) return
    if (e instanceof KeyboardEvent) {
      if ((e.key !== ' ' && e.key !== 'Enter') || e.repeat) return
      e.preventDefault()
    } else if (e instanceof PointerEvent && e.button !== 0) return
    this.notice = ''
    this.holdT0 = performance.now()
    const tick = () => {
      if (!this.holdT0) return
      this.progress = Math.min(1, (performance.now() - this.holdT0) / HOLD_MS)
      if (this.progress >= 1) {
        this.holdT0 = 0
        this.progress = 0
        this.deliberate()
      } else requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  }

  private holdEnd(e?: Event) {
    if (e instanceof KeyboardEvent && e.key !== ' ' && e.key !== 'Enter') return
    e?.preventDefault()
    if (!this.holdT0) return
    this.holdT0 = 0
    this.progress = 0
    this.notice = this.w('released')
  }

  // The one deliberate action: its key is made here and kept for every retry.
  private deliberate() {
    if (this.phase !== 'idle' && this.phase !== 'confirm') return
    this.key = newKey()
    if (!this.discreet) navigator.vibrate?.(200)
    this.locate()
  }

  private locate() {
    this.phase = 'locating'
    this.notice = ''
    if (!('geolocation' in navigator)) return this.askTyped('refused')
    // A position that never comes must not hold the alert back: after 10 s, offer typing.
    this.locateTimer = window.setTimeout(() => this.phase === 'locating' && this.askTyped('slow'), LOCATE_MS)
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        clearTimeout(this.locateTimer)
        if (this.phase !== 'locating' && this.phase !== 'typing') return
        this.body = { location: { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy_m: Math.min(100_000, Math.round(pos.coords.accuracy)) } }
        void this.send()
      },
      () => {
        clearTimeout(this.locateTimer)
        if (this.phase === 'locating') this.askTyped('refused')
      },
      { enableHighAccuracy: true, timeout: LOCATE_MS, maximumAge: 60_000 },
    )
  }

  private askTyped(why: Key) {
    this.phase = 'typing'
    this.notice = this.w(why)
    void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-alert-typed') as HTMLInputElement | null)?.focus())
  }

  private async searchTyped(e: SubmitEvent) {
    e.preventDefault()
    const q = ((e.currentTarget as HTMLFormElement).elements.namedItem('q') as HTMLInputElement).value.trim()
    if (q.length < 2) return
    try {
      const { results } = await this.call<{ results: SearchResult[] }>(`/v1/networks/${enc(this.network)}/search?q=${encodeURIComponent(q)}&limit=5`)
      this.found = results
      if (results.length === 0) this.notice = this.w('noMatch')
      else if (results.length === 1) this.chosen(results[0]!)
      else void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-alert-choose') as HTMLElement | null)?.focus())
    } catch (err) {
      this.notice = err instanceof ApiError && err.status > 0 && err.status < 500 ? err.message : this.w('down')
    }
  }

  private chosen(m: SearchResult) {
    this.found = []
    this.body = { location: { lat: m.lat, lon: m.lon } }
    void this.send()
  }

  // Sent until halte answers, always with the same key and body: a retry after a lost
  // answer gets the alert already stored, never a second one.
  private async send() {
    if (!this.body || !this.key) return
    clearTimeout(this.retryTimer)
    this.phase = 'sending'
    this.notice = ''
    this.keep({ key: this.key, body: this.body })
    try {
      const made = await this.call<Created>(`/v1/networks/${enc(this.network)}/alerts`, { json: this.body, idempotencyKey: this.key })
      this.down = false
      this.follow({ id: made.id, access_token: made.access_token, nearest: made.nearest, help: made.help ?? null, notified: made.delivery.notified, status: made.status })
    } catch (err) {
      if (err instanceof ApiError && err.status > 0 && err.status < 500) {
        this.down = false
        this.notice = err.message
        return
      }
      this.down = true
      this.retryTimer = window.setTimeout(() => void this.send(), this.retryDelay)
      this.retryDelay = Math.min(this.retryDelay * 2, 15_000)
    }
  }

  private follow(a: Extract<Kept, { id: string }>) {
    this.alert = a
    this.phase = 'raised'
    this.keep(a)
    this.stream?.close()
    this.stream = openStream({
      base: this.base,
      path: `/v1/alerts/${a.id}/stream`,
      lang: this.lang2,
      accessToken: a.access_token,
      onMessage: (m) => {
        const to = (m.data as { to?: string }).to
        if (m.event === 'status' && to && this.alert) {
          this.alert = { ...this.alert, status: to }
          this.keep(this.alert)
        }
      },
      onState: (s) => {
        this.streamLost = s === 'retrying'
        if (s === 'refused') {
          this.notice = this.w('gone')
          this.keep(null)
        }
      },
    })
    void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-alert-status') as HTMLElement | null)?.focus())
  }

  private async cancel() {
    const a = this.alert
    if (!a) return
    try {
      await this.call(`/v1/alerts/${a.id}/cancel`, { method: 'POST', accessToken: a.access_token })
      this.alert = { ...a, status: 'cancelled' }
      this.keep(this.alert)
      this.askCancel = false
    } catch (err) {
      this.notice = err instanceof ApiError && err.status > 0 ? err.message : this.w('down')
    }
  }

  private reset() {
    this.stream?.close()
    this.keep(null)
    this.alert = null
    this.key = ''
    this.body = null
    this.phase = 'idle'
    this.notice = ''
  }

  override render() {
    const lang = this.lang2
    return html`${emergencyNumbers(lang)}
      <section aria-labelledby="halte-alert-title">
        <h2 id="halte-alert-title">${this.w('title', 'titleDiscreet')}</h2>
        ${this.phase === 'idle' || this.phase === 'confirm' ? html`<p class="hint">${this.w('intro', 'introDiscreet')}</p>` : nothing}
        ${this.renderPhase()}
        <div aria-live="polite">${this.notice ? html`<p class="error" role="alert">${this.notice}</p>` : nothing}</div>
      </section>`
  }

  private renderPhase() {
    switch (this.phase) {
      case 'idle':
        return html`<button type="button" class="hold" aria-describedby="halte-alert-hold-hint"
            @pointerdown=${(e: Event) => this.holdStart(e)} @pointerup=${() => this.holdEnd()} @pointerleave=${() => this.holdEnd()}
            @pointercancel=${() => this.holdEnd()} @keydown=${(e: Event) => this.holdStart(e)} @keyup=${(e: Event) => this.holdEnd(e)}
            @blur=${() => this.holdEnd()} @contextmenu=${(e: Event) => e.preventDefault()}>
            ${this.discreet ? nothing : html`<span class="big" aria-hidden="true">ALERTE</span>`}
            <span>${this.w('hold', 'holdDiscreet')}</span>
          </button>
          <p><progress max="100" .value=${Math.round(this.progress * 100)} aria-label=${this.w('holding')}></progress></p>
          <p class="hint" id="halte-alert-hold-hint">${this.progress > 0 ? this.w('holding') : this.w('holdHint')}</p>
          <p><button type="button" class="secondary" @click=${() => this.askConfirm()}>${this.w('cannotHold')}</button></p>`
      case 'confirm':
        return html`<div id="halte-alert-confirm" tabindex="-1">
          <p><strong>${this.w('confirmQ', 'confirmQDiscreet')}</strong></p>
          <p class="row">
            <button type="button" class=${this.discreet ? '' : 'danger'} @click=${() => this.deliberate()}>${this.w('confirm')}</button>
            <button type="button" class="secondary" @click=${() => (this.phase = 'idle')}>${this.w('back')}</button>
          </p>
        </div>`
      case 'locating':
        return html`<p role="status">${this.w('locating')}</p>${this.typedForm()}`
      case 'typing':
        return this.typedForm()
      case 'sending':
        return html`<p role="status">${this.w('sending')}</p>
          ${this.down ? html`<p class="error" role="alert">${this.w('down')}</p>` : nothing}
          ${
            this.down || this.notice
              ? html`<p class="row"><button type="button" class="secondary" @click=${() => this.send()}>${this.w('retryNow')}</button>
                  ${this.down ? nothing : html`<button type="button" class="secondary" @click=${() => this.reset()}>${this.w('again')}</button>`}</p>`
              : nothing
          }`
      case 'raised':
        return this.renderRaised()
    }
  }

  private askConfirm() {
    this.phase = 'confirm'
    void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-alert-confirm') as HTMLElement | null)?.focus())
  }

  private typedForm() {
    return html`<form role="search" @submit=${(e: SubmitEvent) => this.searchTyped(e)}>
        <label for="halte-alert-typed">${this.w('typed')}</label>
        <div class="row">
          <input id="halte-alert-typed" name="q" type="search" minlength="2" maxlength="100" autocomplete="off" aria-describedby="halte-alert-typed-hint" style="flex:1 1 12em; width:auto" />
          <button type="submit">${this.w('search')}</button>
        </div>
        <p class="hint" id="halte-alert-typed-hint">${this.w('typedHint')}</p>
      </form>
      ${
        this.found.length > 1
          ? html`<h3 id="halte-alert-choose" tabindex="-1">${this.w('choose')}</h3>
              <ul class="cards">${this.found.map((m) => html`<li><button type="button" class="secondary" @click=${() => this.chosen(m)}>${m.name}</button></li>`)}</ul>`
          : nothing
      }`
  }

  private statusWords(status: string) {
    if (status === 'open') return this.w('open', 'openDiscreet')
    if (status === 'acknowledged') return this.w('acknowledged')
    if (status === 'cancelled') return this.w('cancelled')
    return this.w('resolved')
  }

  private renderRaised() {
    const a = this.alert!
    const lang = this.lang2
    const over = a.status !== 'open' && a.status !== 'acknowledged'
    return html`<div id="halte-alert-status" tabindex="-1">
        <p class="visually-hidden">${this.w('live')}</p>
        <p class="status" role="status" aria-live="polite"><span class="visually-hidden">${this.w('statusLabel')} </span>${this.statusWords(a.status)}</p>
        ${this.streamLost ? html`<p class="hint">${this.w('reconnecting')}</p>` : nothing}
        ${a.notified ? nothing : html`<p class="error">${this.w('nobody')}</p>`}
      </div>
      <h3>${this.w('refuges')}</h3>
      ${
        a.nearest.length
          ? html`<ul class="cards">${a.nearest.map((f) => {
              const p = f.properties
              return html`<li>
                <strong>${p.name}</strong>
                <p class="meta">${p.distance_m !== undefined ? distance(lang, p.distance_m) : ''} · ${p.address}</p>
                <p>${p.open_until ? `${this.w('openUntil')} ${wallTime(p.open_until)}` : this.w('openNow')}</p>
                ${p.phone ? html`<a class="button secondary" href=${`tel:${p.phone.replace(/[^\d+]/g, '')}`}>${this.w('call')} ${p.name}</a>` : nothing}
              </li>`
            })}</ul>`
          : html`<p>${this.w('noRefuge')}</p>`
      }
      ${a.help ? this.renderHelp(a.help) : nothing}
      ${
        over
          ? html`<p><button type="button" class="secondary" @click=${() => this.reset()}>${this.w('again')}</button></p>${this.renderMyData()}`
          : this.askCancel
            ? html`<div id="halte-alert-cancel" tabindex="-1"><p><strong>${this.w('cancelQ')}</strong></p>
                <p class="row"><button type="button" @click=${() => this.cancel()}>${this.w('cancelYes')}</button>
                <button type="button" class="secondary" @click=${() => (this.askCancel = false)}>${this.w('cancelNo')}</button></p></div>`
            : html`<p><button type="button" class="secondary" @click=${() => this.openCancel()}>${this.w('cancel', 'cancelDiscreet')}</button></p>`
      }`
  }

  private renderHelp(h: Help) {
    const p = h.properties
    const lang = this.lang2
    const when = p.open_now
      ? p.open_until
        ? `${this.w('openUntil')} ${wallTime(p.open_until)}`
        : this.w('openNow')
      : p.next_open
        ? `${this.w('helpOpens')} ${wallDay(lang, p.next_open)}, ${wallTime(p.next_open)}`
        : ''
    return html`<section class="help" aria-labelledby="halte-alert-help">
      <h3 id="halte-alert-help">${this.w('help', 'helpDiscreet')}</h3>
      <p>${p.schedule_note ? html`${p.schedule_note} — ` : nothing}<strong>${p.name}</strong>, ${p.address}</p>
      <p class="meta">${when}</p>
      ${p.phone ? html`<a class="button secondary" href=${`tel:${p.phone.replace(/[^\d+]/g, '')}`}>${this.w('call')} ${p.name}</a>` : nothing}
    </section>`
  }

  // The requester's rights, once the request is over: download all halte keeps about
  // it (JSON), or erase it now, after a second step.
  private renderMyData() {
    return html`<section aria-labelledby="halte-alert-data">
      <h3 id="halte-alert-data">${this.w('myData')}</h3>
      ${
        this.askErase
          ? html`<div id="halte-alert-erase" tabindex="-1"><p><strong>${this.w('eraseQ')}</strong></p>
              <p class="row"><button type="button" @click=${() => this.erase()}>${this.w('eraseYes')}</button>
              <button type="button" class="secondary" @click=${() => (this.askErase = false)}>${this.w('cancelNo')}</button></p></div>`
          : html`<p class="row"><button type="button" class="secondary" @click=${() => this.download()}>${this.w('download')}</button>
              <button type="button" class="secondary" @click=${() => this.openErase()}>${this.w('erase')}</button></p>`
      }
    </section>`
  }

  private async download() {
    const a = this.alert
    if (!a) return
    try {
      const data = await this.call<unknown>(`/v1/alerts/${a.id}/export`, { accessToken: a.access_token })
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }))
      const link = Object.assign(document.createElement('a'), { href: url, download: `halte-${a.id.slice(0, 8)}.json` })
      link.click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (err) {
      this.notice = err instanceof ApiError && err.status > 0 ? err.message : this.w('down')
    }
  }

  private openErase() {
    this.askErase = true
    void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-alert-erase') as HTMLElement | null)?.focus())
  }

  private async erase() {
    const a = this.alert
    if (!a) return
    try {
      await this.call(`/v1/alerts/${a.id}`, { method: 'DELETE', accessToken: a.access_token })
      this.askErase = false
      this.reset()
      this.notice = this.w('erased')
    } catch (err) {
      this.notice = err instanceof ApiError && err.status > 0 ? err.message : this.w('down')
    }
  }

  private openCancel() {
    this.askCancel = true
    void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-alert-cancel') as HTMLElement | null)?.focus())
  }
}

const enc = encodeURIComponent

if (!customElements.get('halte-alert')) customElements.define('halte-alert', HalteAlert)
