import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit'
import { ApiError } from '../lib/api.ts'
import type { SignedInElement } from '../lib/base.ts'
import { dictionary, wallDay, wallTime } from '../lib/i18n.ts'

// Messages of the city to its partners ("incident grave rue X, restez vigilants"): the
// last week's, newest first, each with "Accusé de réception" until it is given, so the
// city knows who read it. Read again every minute: a message also arrives by push (and
// SMS), which is what makes the owner look; this list is where they answer.

export interface PartnerBroadcast {
  id: string
  message: string
  sector: string | null
  created_at: string
  acknowledged_at: string | null
}

const t = dictionary({
  title: { fr: 'Messages de la ville', en: 'Messages from the city' },
  ack: { fr: 'Accusé de réception', en: 'Acknowledge' },
  acked: { fr: 'Reçu à', en: 'Acknowledged at' },
  sector: { fr: 'Secteur', en: 'Sector' },
  at: { fr: 'à', en: 'at' },
})

type Host = ReactiveControllerHost & SignedInElement

export class PartnerBroadcasts implements ReactiveController {
  items: PartnerBroadcast[] = []
  error = ''
  busy = new Set<string>()
  private poll: ReturnType<typeof setInterval> | undefined
  private token = ''

  constructor(private readonly host: Host) {
    host.addController(this)
  }

  start(token: string) {
    if (this.token === token && this.poll) return
    this.stop()
    this.token = token
    void this.load()
    this.poll = setInterval(() => void this.load(), 60_000)
  }

  stop() {
    clearInterval(this.poll)
    this.poll = undefined
    this.token = ''
    this.items = []
  }

  hostDisconnected() {
    this.stop()
  }

  async load() {
    try {
      const { broadcasts } = await this.host.call<{ broadcasts: PartnerBroadcast[] }>('/v1/partner/broadcasts', { token: this.token })
      this.items = broadcasts
      this.error = ''
    } catch (err) {
      // A server without broadcasts (404) has nothing to show: no section, no error.
      if (err instanceof ApiError && err.status === 404) this.stop()
      else this.error = err instanceof ApiError ? err.message : String(err)
    }
    this.host.requestUpdate()
  }

  async acknowledge(b: PartnerBroadcast) {
    this.busy.add(b.id)
    this.host.requestUpdate()
    try {
      const { acknowledged_at } = await this.host.call<{ acknowledged_at: string }>(`/v1/partner/broadcasts/${encodeURIComponent(b.id)}/acknowledge`, {
        method: 'POST',
        token: this.token,
      })
      this.items = this.items.map((x) => (x.id === b.id ? { ...x, acknowledged_at } : x))
      this.error = ''
    } catch (err) {
      this.error = err instanceof ApiError ? err.message : String(err)
    }
    this.busy.delete(b.id)
    this.host.requestUpdate()
  }
}

export function renderBroadcasts(host: SignedInElement, c: PartnerBroadcasts) {
  if (!c.items.length && !c.error) return nothing
  const lang = host.lang2
  return html`<section aria-labelledby="halte-broadcasts-title" class="broadcasts">
    <h2 id="halte-broadcasts-title">${t(lang, 'title')}</h2>
    ${c.error ? html`<p class="error" role="alert">${c.error}</p>` : nothing}
    <ul class="cards">
      ${c.items.map(
        (b) => html`<li class=${b.acknowledged_at ? 'broadcast' : 'broadcast pending'}>
          <p><strong>${b.message}</strong></p>
          <p class="meta">${wallDay(lang, b.created_at)} ${t(lang, 'at')} ${wallTime(b.created_at)}${b.sector ? ` · ${t(lang, 'sector')} ${b.sector}` : ''}</p>
          ${
            b.acknowledged_at
              ? html`<p class="ok">${t(lang, 'acked')} ${wallTime(b.acknowledged_at)}</p>`
              : html`<p><button type="button" ?disabled=${c.busy.has(b.id)} @click=${() => c.acknowledge(b)}>${t(lang, 'ack')}</button></p>`
          }
        </li>`,
      )}
    </ul>
  </section>`
}
