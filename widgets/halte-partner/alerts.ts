import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit'
import { ApiError } from '../lib/api.ts'
import type { SignedInElement } from '../lib/base.ts'
import { distance, wallDay, wallTime } from '../lib/i18n.ts'
import { openStream, type StreamState } from '../lib/stream.ts'
import { type Key, t } from './text.ts'

// Alerts sent to this place: the list, kept live by the partner stream, and the one
// action a partner has: "I'm on it". A new alert is announced three ways (words read
// out by screen readers, a visible banner, a sound once the page has been touched),
// because the owner may be serving at the bar with the screen out of sight.

export interface PartnerAlert {
  id: string
  status: string
  approximate_location: { lat: number; lon: number } | null
  distance_m: number | null
  created_at: string
  updated_at: string
  events: { kind: string; to: string; at: string }[]
}

type Host = ReactiveControllerHost & SignedInElement

export class PartnerAlerts implements ReactiveController {
  alerts: PartnerAlert[] = []
  loaded = false
  unavailable = false
  error = ''
  streamState: StreamState | '' = ''
  banner: PartnerAlert | null = null
  acked = new Set<string>()
  busy = new Set<string>()
  private stream: { close(): void } | undefined
  private poll: ReturnType<typeof setInterval> | undefined
  private audio: AudioContext | undefined
  private token = ''

  constructor(private readonly host: Host) {
    host.addController(this)
  }

  // Browsers only let a page make sound after a person touched it: the first tap or
  // key press in the widget opens the audio context the alert sound plays on.
  readonly unlockSound = () => {
    if (this.audio) return
    try {
      this.audio = new AudioContext()
    } catch {
      // no audio here: the banner and the spoken words remain
    }
  }

  start(token: string) {
    if (this.token === token && (this.stream || this.poll)) return
    this.stop()
    this.token = token
    void this.load()
    this.stream = openStream({
      base: this.host.base,
      path: '/v1/partner/alerts/stream',
      lang: this.host.lang2,
      token,
      onMessage: (m) => this.received(m.data),
      onState: (s, status) => {
        this.streamState = s
        // No live stream on this server: read the list again every 20 s instead.
        if (s === 'refused' && status === 404 && !this.poll) this.poll = setInterval(() => void this.load(), 20_000)
        this.host.requestUpdate()
      },
    })
  }

  stop() {
    this.stream?.close()
    this.stream = undefined
    clearInterval(this.poll)
    this.poll = undefined
    this.token = ''
  }

  hostDisconnected() {
    this.stop()
  }

  async load() {
    try {
      const { alerts } = await this.host.call<{ alerts: PartnerAlert[] }>('/v1/partner/alerts', { token: this.token })
      const known = new Set(this.alerts.map((a) => a.id))
      const fresh = this.loaded ? alerts.find((a) => !known.has(a.id) && a.status === 'open') : undefined
      this.alerts = alerts
      this.loaded = true
      this.unavailable = false
      this.error = ''
      if (fresh) this.announce(fresh)
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) this.unavailable = true
      else this.error = err instanceof ApiError ? err.message : String(err)
    }
    this.host.requestUpdate()
  }

  // A stream event carries the alert in the partner view (alone or as `alert`).
  private received(data: unknown) {
    const d = data as { alert?: PartnerAlert } & Partial<PartnerAlert>
    const a = (d?.alert ?? d) as PartnerAlert
    if (!a || typeof a.id !== 'string' || typeof a.status !== 'string') return
    const i = this.alerts.findIndex((x) => x.id === a.id)
    if (i >= 0) this.alerts = this.alerts.map((x) => (x.id === a.id ? a : x))
    else {
      this.alerts = [a, ...this.alerts]
      // A new stream first replays the week's events: only once the list is known is an
      // alert not in it new (or when there is no list to compare with).
      if (a.status === 'open' && (this.loaded || this.unavailable || this.error)) this.announce(a)
    }
    this.host.requestUpdate()
  }

  private announce(a: PartnerAlert) {
    this.banner = a
    this.beep()
  }

  private beep() {
    const ctx = this.audio
    if (!ctx) return
    void ctx.resume().then(() => {
      // Three short tones: noticeable over a bar's noise without being a siren.
      for (let i = 0; i < 3; i++) {
        const osc = ctx.createOscillator()
        const gain = ctx.createGain()
        osc.frequency.value = 880
        gain.gain.value = 0.2
        osc.connect(gain).connect(ctx.destination)
        const at = ctx.currentTime + i * 0.35
        osc.start(at)
        osc.stop(at + 0.2)
      }
    })
  }

  dismiss() {
    this.banner = null
    this.host.requestUpdate()
  }

  async acknowledge(a: PartnerAlert) {
    this.busy.add(a.id)
    this.error = ''
    this.host.requestUpdate()
    try {
      const updated = await this.host.call<PartnerAlert>(`/v1/alerts/${encodeURIComponent(a.id)}/acknowledge`, { method: 'POST', token: this.token })
      this.acked.add(a.id)
      this.alerts = this.alerts.map((x) => (x.id === a.id ? { ...x, ...updated } : x))
      if (this.banner?.id === a.id) this.banner = null
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : String(err)
    }
    this.busy.delete(a.id)
    this.host.requestUpdate()
  }
}

export function renderAlerts(host: SignedInElement, c: PartnerAlerts) {
  const lang = host.lang2
  const visible = c.alerts.filter((a) => a.status === 'open' || a.status === 'acknowledged')
  return html`<section aria-labelledby="halte-alerts-title" class="alerts">
    <div role="alert" aria-live="assertive">
      ${
        c.banner
          ? html`<div class="banner row">
              <p><strong>${t(lang, 'newAlert')}</strong> — ${alertWhere(lang, c.banner)} ${t(lang, 'raisedAt')} ${wallTime(c.banner.created_at)}</p>
              <button type="button" class="secondary" @click=${() => c.dismiss()}>${t(lang, 'seen')}</button>
            </div>`
          : nothing
      }
    </div>
    <h2 id="halte-alerts-title">${t(lang, 'alertsTitle')}</h2>
    <p class="hint" aria-live="polite">${c.streamState === 'open' ? `● ${t(lang, 'live')}` : c.streamState === 'retrying' ? t(lang, 'reconnecting') : ''}</p>
    ${c.error ? html`<p class="error" role="alert">${c.error}</p>` : nothing}
    ${
      c.unavailable
        ? html`<p>${t(lang, 'alertsUnavailable')}</p>`
        : !c.loaded
          ? html`<p>${t(lang, 'loading')}</p>`
          : visible.length === 0
            ? html`<p>${t(lang, 'noAlert')}</p>`
            : html`<ul class="cards">
                ${visible.map(
                  (a) => html`<li class=${`alert ${a.status}`}>
                    <p><strong>${alertWhere(lang, a)}</strong></p>
                    <p class="meta">${wallDay(lang, a.created_at)} ${t(lang, 'raisedAt')} ${wallTime(a.created_at)} · ${t(lang, `a_${a.status}` as Key)}</p>
                    ${c.acked.has(a.id) ? html`<p class="ok">${t(lang, 'acked')}</p>` : nothing}
                    ${
                      a.status === 'open'
                        ? html`<p><button type="button" ?disabled=${c.busy.has(a.id)} @click=${() => c.acknowledge(a)}>${t(lang, 'ack')}</button></p>`
                        : nothing
                    }
                  </li>`,
                )}
              </ul>`
    }
  </section>`
}

function alertWhere(lang: 'fr' | 'en', a: PartnerAlert) {
  return a.distance_m === null ? t(lang, 'alertNoDistance') : `${t(lang, 'alertAbout')} ${distance(lang, a.distance_m)} ${t(lang, 'alertAway')}`
}
