import { html, nothing } from 'lit'
import { dictionary, wallDay } from '../lib/i18n.ts'
import { loadMap } from '../lib/map.ts'
import type { PlaceFeature } from './moderation.ts'
import { ConsoleSection } from './section.ts'

// The network's places by status, as a table; on a map too when the page has tiles.

const STATUSES = ['active', 'suspended', 'pending', 'rejected'] as const

const t = dictionary({
  title: { fr: 'Lieux', en: 'Places' },
  status: { fr: 'État', en: 'Status' },
  active: { fr: 'Actifs', en: 'Active' },
  suspended: { fr: 'Suspendus', en: 'Suspended' },
  pending: { fr: 'En attente', en: 'Pending' },
  rejected: { fr: 'Refusés', en: 'Rejected' },
  none: { fr: 'Aucun lieu dans cet état.', en: 'No place in this state.' },
  name: { fr: 'Nom', en: 'Name' },
  kind: { fr: 'Type', en: 'Kind' },
  address: { fr: 'Adresse', en: 'Address' },
  phone: { fr: 'Téléphone', en: 'Phone' },
  training: { fr: 'Formation', en: 'Training' },
  map: { fr: 'Carte des lieux', en: 'Map of the places' },
  count: { fr: 'lieu(x)', en: 'place(s)' },
})

export class ConsolePlaces extends ConsoleSection {
  static override properties = {
    ...ConsoleSection.properties,
    tiles: { type: String },
    status: { state: true },
    places: { state: true },
  }
  declare tiles: string
  declare status: (typeof STATUSES)[number]
  declare places: PlaceFeature[] | null
  private map: { remove(): void } | null = null

  constructor() {
    super()
    this.tiles = ''
    this.status = 'active'
    this.places = null
  }

  protected override async load() {
    this.problem = ''
    try {
      this.places = (await this.op<{ features: PlaceFeature[] }>(`${this.net}/applications?status=${this.status}&limit=1000`)).features
      if (this.tiles) void this.drawMap()
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  // Leaflet is fetched only here, only with tiles: a console without a map never loads it.
  private async drawMap() {
    await this.updateComplete
    const box = this.renderRoot.querySelector('#places-map') as HTMLElement | null
    const places = this.places ?? []
    if (!box || places.length === 0) return
    const { mountMap } = await loadMap()
    this.map?.remove()
    const [lon, lat] = places[0]!.geometry.coordinates
    const { map, L } = mountMap(box, { tiles: this.tiles, center: [lat, lon], zoom: 13 })
    for (const p of places) {
      const [x, y] = p.geometry.coordinates
      L.circleMarker([y, x], { radius: 8, color: '#1d4ed8' }).bindTooltip(p.properties.name).addTo(map)
    }
    this.map = map
  }

  override render() {
    const lang = this.lang2
    const list = this.places ?? []
    return html`<h2>${t(lang, 'title')}</h2>
      <div class="row">
        <label for="places-status" style="margin:0">${t(lang, 'status')}</label>
        <select id="places-status" style="width:auto" @change=${(e: Event) => {
          this.status = (e.currentTarget as HTMLSelectElement).value as (typeof STATUSES)[number]
          void this.load()
        }}>
          ${STATUSES.map((s) => html`<option value=${s} ?selected=${this.status === s}>${t(lang, s)}</option>`)}
        </select>
        ${this.places ? html`<span class="meta" role="status">${list.length} ${t(lang, 'count')}</span>` : nothing}
      </div>
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      ${this.tiles && list.length ? html`<div id="places-map" role="region" aria-label=${t(lang, 'map')} style="height:320px;margin:0.5em 0"></div>` : nothing}
      ${
        this.places && list.length === 0
          ? html`<p>${t(lang, 'none')}</p>`
          : list.length
            ? html`<div class="scroll" tabindex="0" role="region" aria-label=${t(lang, 'title')}><table>
                <thead><tr><th scope="col">${t(lang, 'name')}</th><th scope="col">${t(lang, 'kind')}</th><th scope="col">${t(lang, 'address')}</th><th scope="col">${t(lang, 'phone')}</th><th scope="col">${t(lang, 'training')}</th></tr></thead>
                <tbody>${list.map(
                  ({ properties: p }) =>
                    html`<tr><td>${p.name}</td><td>${p.kind}</td><td>${p.address}</td><td>${p.phone ?? '—'}</td><td>${p.training_date ? wallDay(lang, p.training_date) : '—'}</td></tr>`,
                )}</tbody>
              </table></div>`
            : nothing
      }`
  }
}

if (!customElements.get('halte-console-places')) customElements.define('halte-console-places', ConsolePlaces)
