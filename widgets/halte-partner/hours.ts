import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit'
import { ApiError } from '../lib/api.ts'
import type { HalteElement } from '../lib/base.ts'
import { wallDay, wallTime } from '../lib/i18n.ts'
import { t } from './text.ts'

// The live reading of a typed opening_hours value: halte reads it as it will when
// people look for an open refuge, so the owner sees at once "open now, changes at
// 19:00" or the parser's own message, in their language.

interface HoursCheck {
  valid: boolean
  error: string | null
  warnings: string[]
  open_now: boolean | null
  unknown: boolean
  changes_at: string | null
  next_changes: { at: string; open: boolean }[]
  public_holidays: 'closed' | 'open' | 'unspecified'
}

type State = { kind: 'idle' } | { kind: 'checking' } | { kind: 'done'; r: HoursCheck } | { kind: 'error'; message: string }

export class HoursPreview implements ReactiveController {
  state: State = { kind: 'idle' }
  private timer: ReturnType<typeof setTimeout> | undefined
  private abort: AbortController | undefined

  constructor(private readonly host: ReactiveControllerHost & HalteElement) {
    host.addController(this)
  }

  // Called on every keystroke: one request once typing pauses (~300 ms).
  input(value: string, location?: { lat: number; lon: number } | null) {
    clearTimeout(this.timer)
    if (!value.trim()) {
      this.abort?.abort()
      this.state = { kind: 'idle' }
      this.host.requestUpdate()
      return
    }
    const where = location ? { lat: location.lat, lon: location.lon } : null
    this.timer = setTimeout(() => void this.check(value, where), 300)
  }

  private async check(value: string, location: { lat: number; lon: number } | null) {
    this.abort?.abort()
    const abort = new AbortController()
    this.abort = abort
    this.state = { kind: 'checking' }
    this.host.requestUpdate()
    try {
      const r = await this.host.call<HoursCheck>(`/v1/networks/${encodeURIComponent(this.host.network)}/hours/check`, {
        json: { opening_hours: value, ...(location ? { location } : {}) },
        signal: abort.signal,
      })
      this.state = { kind: 'done', r }
    } catch (err) {
      if ((err as Error).name === 'AbortError') return
      this.state = { kind: 'error', message: err instanceof ApiError ? err.message : String(err) }
    }
    this.host.requestUpdate()
  }

  hostDisconnected() {
    clearTimeout(this.timer)
    this.abort?.abort()
  }
}

// The help and the reading, under the hours field (its aria-describedby is `${id}-help ${id}-preview`).
export function hoursHelpAndPreview(host: HalteElement, p: HoursPreview, id: string) {
  const lang = host.lang2
  return html`<p class="hint" id=${`${id}-help`}>${t(lang, 'hoursHelp')}</p>
    <div class=${p.state.kind === 'idle' ? '' : 'preview'} id=${`${id}-preview`} aria-live="polite">${preview(host, p)}</div>`
}

function preview(host: HalteElement, p: HoursPreview) {
  const lang = host.lang2
  const s = p.state
  switch (s.kind) {
    case 'idle':
      return nothing
    case 'checking':
      return html`<p class="hint">${t(lang, 'checking')}</p>`
    case 'error':
      return html`<p class="error">${s.message}</p>`
    case 'done': {
      const r = s.r
      if (!r.valid) return html`<p class="error" data-hours="invalid">${t(lang, 'hoursInvalid')} ${r.error}</p>`
      const now = r.unknown || r.open_now === null ? t(lang, 'unknownNow') : r.open_now ? t(lang, 'openNow') : t(lang, 'closedNow')
      const ph = r.public_holidays === 'closed' ? t(lang, 'phClosed') : r.public_holidays === 'open' ? t(lang, 'phOpen') : t(lang, 'phUnspecified')
      const parts = [now, ...(r.changes_at ? [`${t(lang, 'changesAt')} ${wallTime(r.changes_at)}`] : []), ph]
      return html`<p class=${r.open_now ? 'ok' : ''} data-hours="valid"><strong>${parts.join(' · ')}</strong></p>
        ${r.warnings.map((w) => html`<p class="warn">${t(lang, 'warning')} ${w}</p>`)}
        ${
          r.next_changes.length
            ? html`<p class="hint">${t(lang, 'nextChanges')}</p>
                <ul class="changes">
                  ${r.next_changes.slice(0, 4).map((c) => html`<li>${c.open ? t(lang, 'opens') : t(lang, 'closes')} ${wallDay(lang, c.at)} ${t(lang, 'at')} ${wallTime(c.at)}</li>`)}
                </ul>`
            : nothing
        }`
    }
  }
}
