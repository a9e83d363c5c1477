import { css, html, nothing, svg } from 'lit'
import { dictionary, type Lang } from '../lib/i18n.ts'
import { loadMap } from '../lib/map.ts'
import { ConsoleSection } from './section.ts'

// "Couverture": where and when no refuge is open within reach. An hour-of-the-week
// slider (arrow keys, labelled "mardi 03:00"), the share covered hour by hour as bars
// with their figure written beside each, the worst hours and the refuges whose loss
// would open the biggest gap. The cells on a map only when the page has tiles.

interface Hour {
  hour_of_week: number
  weekday: number
  hour: number
  date: string
  at: string
  covered_share: number | null
  uncovered_cells: number
}
interface Week {
  distance_m: number
  cell_m: number
  cells: number
  week: { kind: 'typical' | 'dates'; from: string | null }
  hours: Hour[]
  worst_hours: Hour[]
  critical_refuges: { id: string; name: string; loss_share: number; loss_share_worst_hours: number }[]
}
interface Cells {
  features: { geometry: { coordinates: number[][][] }; properties: { covered: boolean } }[]
}

const DAYS: Record<Lang, string[]> = {
  fr: ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'],
  en: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
}

const t = dictionary({
  title: { fr: 'Couverture : où et quand aucun refuge n’est ouvert', en: 'Coverage: where and when no refuge is open' },
  distance: { fr: 'Distance à pied (m)', en: 'Walking distance (m)' },
  week: { fr: 'Semaine', en: 'Week' },
  typical: { fr: 'Semaine type (jours fériés exclus)', en: 'Typical week (public holidays left out)' },
  from: { fr: 'Semaine à partir du', en: 'Week from' },
  show: { fr: 'Calculer', en: 'Compute' },
  computing: { fr: 'Calcul en cours…', en: 'Computing…' },
  slider: { fr: 'Heure de la semaine', en: 'Hour of the week' },
  covered: { fr: 'couvert', en: 'covered' },
  cellsWithout: { fr: 'cellules sans refuge ouvert à moins de', en: 'cells with no open refuge within' },
  of: { fr: 'sur', en: 'of' },
  grid: { fr: 'cellules de', en: 'cells of' },
  byHour: { fr: 'Part couverte heure par heure', en: 'Share covered hour by hour' },
  byDay: { fr: 'Part couverte par jour (moyenne)', en: 'Share covered by day (average)' },
  worst: { fr: 'Heures les moins couvertes', en: 'Least covered hours' },
  critical: { fr: 'Refuges critiques (leur perte ouvrirait le plus grand manque)', en: 'Critical refuges (losing them would open the biggest gap)' },
  alone: { fr: 'des cellules-heures de la semaine ne dépendent que de lui', en: 'of the week’s cell-hours depend on it alone' },
  aloneWorst: { fr: 'aux pires heures', en: 'in the worst hours' },
  noneCritical: { fr: 'Aucun refuge n’est seul à couvrir une cellule.', en: 'No refuge alone covers any cell.' },
  noCells: { fr: 'Rien à couvrir : ce réseau n’a ni territoire, ni refuge actif, ni arrêt.', en: 'Nothing to cover: this network has no area, no active refuge and no stop.' },
  map: { fr: 'Carte de la couverture à l’heure choisie', en: 'Map of coverage at the chosen hour' },
  legend: {
    fr: 'Carte : cellules vides = couvertes ; cellules hachurées rouges = aucun refuge ouvert à portée.',
    en: 'Map: empty cells = covered; red hatched cells = no open refuge within reach.',
  },
  selected: { fr: 'heure choisie', en: 'chosen hour' },
  selectedDay: { fr: 'jour choisi', en: 'chosen day' },
})

// Whole percents, with a decimal under 10 % (a refuge alone covering 0.4 % is not 0).
const percent = (x: number | null) =>
  x === null ? '—' : `${(x * 100).toLocaleString('fr', { maximumFractionDigits: x < 0.1 ? 1 : 0 })} %`
const two = (n: number) => String(n).padStart(2, '0')

// "mardi 03:00"; with a date when the week is a given one ("mercredi 11/11 20:00").
export function hourLabel(lang: Lang, h: Hour, dated: boolean): string {
  const day = DAYS[lang][h.weekday - 1]
  const date = dated ? ` ${h.date.slice(8, 10)}/${h.date.slice(5, 7)}` : ''
  return `${day}${date} ${two(h.hour)}:00`
}

const ROW = 20
const LABEL_W = 110
const BAR_W = 300

// Horizontal bars, each with its label and its figure in text; the chosen row is also
// marked in words ("◀ heure choisie"), not by colour alone.
function bars(id: string, title: string, rows: { label: string; share: number | null; chosen?: boolean }[], chosenWord: string) {
  const h = rows.length * ROW + 4
  const width = LABEL_W + BAR_W + 200
  return html`<figure>
    <figcaption id=${`${id}-title`}>${title}</figcaption>
    <svg role="img" aria-labelledby=${`${id}-title`} aria-describedby=${`${id}-desc`} viewBox=${`0 0 ${width} ${h}`} width="100%" style=${`max-width:${width}px`}>
      <desc id=${`${id}-desc`}>${rows.map((r) => `${r.label} : ${percent(r.share)}`).join(' ; ')}</desc>
      ${rows.map((r, i) => {
        const y = i * ROW + 2
        const w = Math.round((r.share ?? 0) * BAR_W)
        return svg`<g class=${r.chosen ? 'chosen' : ''}>
          <text x=${LABEL_W - 6} y=${y + 14} text-anchor="end" class="label">${r.label}</text>
          <rect x=${LABEL_W} y=${y + 3} width=${BAR_W} height=${ROW - 6} class="track"></rect>
          <rect x=${LABEL_W} y=${y + 3} width=${w} height=${ROW - 6} class="bar"></rect>
          <text x=${LABEL_W + BAR_W + 6} y=${y + 14} class="value">${percent(r.share)}${r.chosen ? ` ◀ ${chosenWord}` : ''}</text>
        </g>`
      })}
    </svg>
  </figure>`
}

export class ConsoleCoverage extends ConsoleSection {
  static override properties = {
    ...ConsoleSection.properties,
    tiles: { type: String },
    week: { state: true },
    distance: { state: true },
    from: { state: true },
    index: { state: true },
    busy: { state: true },
  }
  declare tiles: string
  declare week: Week | null
  declare distance: number
  declare from: string
  declare index: number
  declare busy: boolean
  private map: { remove(): void } | null = null
  private mapRequest = 0
  private settle: ReturnType<typeof setTimeout> | undefined

  static override styles = [
    ...ConsoleSection.styles,
    css`
      form { display: flex; flex-wrap: wrap; gap: 0.8em; align-items: end; }
      form p { margin: 0; }
      input[type='range'] { width: 100%; }
      output { font-weight: 700; font-size: 1.2em; }
      figure { margin: 1em 0; }
      figcaption { font-weight: 700; margin-bottom: 0.3em; }
      svg .label, svg .value { font: 13px system-ui, sans-serif; fill: #1b1b1b; }
      svg .value { font-weight: 700; }
      svg .track { fill: #fff; stroke: #8a8a8a; }
      svg .bar { fill: var(--halte-accent); }
      svg .chosen .label { font-weight: 700; }
      .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 34em), 1fr)); gap: 0 2em; }
    `,
  ]

  constructor() {
    super()
    this.tiles = ''
    this.week = null
    this.distance = 400
    this.from = ''
    this.index = 0
    this.busy = false
  }

  protected override load() {
    return this.compute()
  }

  private async compute(e?: SubmitEvent) {
    e?.preventDefault()
    this.problem = ''
    this.busy = true
    try {
      const q = new URLSearchParams({ distance_m: String(this.distance) })
      if (this.from) q.set('from', this.from)
      this.week = await this.op<Week>(`${this.net}/coverage/week?${q}`)
      // Open on the worst hour: the one the council asks about first.
      const worst = this.week.worst_hours[0]
      this.index = worst ? Math.max(0, this.week.hours.findIndex((h) => h.at === worst.at)) : 0
      if (this.tiles) void this.drawMap()
    } catch (err) {
      this.week = null
      this.problem = this.messageOf(err)
    } finally {
      this.busy = false
    }
  }

  // Holding an arrow key sweeps the hours: the map asks for the cells once it settles.
  private choose(i: number) {
    this.index = i
    if (!this.tiles) return
    clearTimeout(this.settle)
    this.settle = setTimeout(() => void this.drawMap(), 200)
  }

  // Leaflet and the cells are fetched only with tiles: a console without a map never loads them.
  private async drawMap() {
    const hour = this.week?.hours[this.index]
    if (!hour || !this.week?.cells) return
    const ticket = ++this.mapRequest
    const q = new URLSearchParams({ at: hour.at, distance_m: String(this.distance) })
    const cells = await this.op<Cells>(`${this.net}/coverage?${q}`).catch(() => null)
    await this.updateComplete
    const box = this.renderRoot.querySelector('#coverage-map') as HTMLElement | null
    if (!cells || !box || ticket !== this.mapRequest || cells.features.length === 0) return
    const { mountMap } = await loadMap()
    this.map?.remove()
    const ring = cells.features[0]!.geometry.coordinates[0]!
    const { map, L } = mountMap(box, { tiles: this.tiles, center: [ring[0]![1]!, ring[0]![0]!], zoom: 13 })
    const layer = L.geoJSON(cells as never, {
      style: (f) =>
        (f?.properties as { covered?: boolean } | undefined)?.covered
          ? { color: '#1b1b1b', weight: 0.3, fillOpacity: 0 }
          : { color: '#b91c1c', weight: 0.5, fillColor: '#b91c1c', fillOpacity: 0.35, dashArray: '2 2' },
    }).addTo(map)
    map.fitBounds(layer.getBounds())
    this.map = map
  }

  override render() {
    const lang = this.lang2
    const w = this.week
    const dated = w?.week.kind === 'dates'
    const hour = w?.hours[this.index]
    const label = hour ? hourLabel(lang, hour, dated) : ''
    return html`<h2>${t(lang, 'title')}</h2>
      <form @submit=${(e: SubmitEvent) => this.compute(e)}>
        <p><label for="coverage-distance">${t(lang, 'distance')}</label><br />
          <input id="coverage-distance" type="number" min="50" max="2000" step="50" .value=${String(this.distance)}
            @change=${(e: Event) => (this.distance = Number((e.target as HTMLInputElement).value) || 400)} /></p>
        <p><label for="coverage-from">${t(lang, 'from')}</label><br />
          <input id="coverage-from" type="date" .value=${this.from} aria-describedby="coverage-typical"
            @change=${(e: Event) => (this.from = (e.target as HTMLInputElement).value)} />
          <br /><span class="meta" id="coverage-typical">${t(lang, 'typical')}</span></p>
        <button type="submit" ?disabled=${this.busy}>${t(lang, 'show')}</button>
      </form>
      ${this.busy ? html`<p role="status">${t(lang, 'computing')}</p>` : nothing}
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      ${w && w.cells === 0 ? html`<p>${t(lang, 'noCells')}</p>` : nothing}
      ${w && hour && w.cells > 0 ? this.body(lang, w, hour, label, dated) : nothing}`
  }

  private body(lang: Lang, w: Week, hour: Hour, label: string, dated: boolean) {
    const day = w.hours.filter((h) => h.date === hour.date)
    const days = [...new Set(w.hours.map((h) => h.date))].map((date) => {
      const of = w.hours.filter((h) => h.date === date)
      const avg = of.reduce((s, h) => s + (h.covered_share ?? 0), 0) / of.length
      return { label: hourLabel(lang, of[0]!, dated).replace(/ \d\d:00$/, ''), share: avg, chosen: date === hour.date }
    })
    return html`
      <p class="meta">${w.cells} ${t(lang, 'grid')} ${w.cell_m} m · ${w.distance_m} m</p>
      <p><label for="coverage-hour">${t(lang, 'slider')}</label><br />
        <input id="coverage-hour" type="range" min="0" max=${w.hours.length - 1} step="1" .value=${String(this.index)}
          aria-valuetext=${`${label}, ${percent(hour.covered_share)} ${t(lang, 'covered')}`}
          @input=${(e: Event) => this.choose(Number((e.target as HTMLInputElement).value))} />
        <output for="coverage-hour" aria-live="polite">${label} : ${percent(hour.covered_share)} ${t(lang, 'covered')} — ${hour.uncovered_cells} ${t(lang, 'of')} ${w.cells} ${t(lang, 'cellsWithout')} ${w.distance_m} m</output>
      </p>
      ${this.tiles ? html`<div id="coverage-map" role="region" aria-label=${t(lang, 'map')} style="height:360px;margin:0.5em 0"></div><p class="meta">${t(lang, 'legend')}</p>` : nothing}
      <div class="charts">
        ${bars('coverage-hours', `${t(lang, 'byHour')} — ${label.replace(/ \d\d:00$/, '')}`, day.map((h) => ({ label: `${two(h.hour)}:00`, share: h.covered_share, chosen: h.at === hour.at })), t(lang, 'selected'))}
        <div>
          ${bars('coverage-days', t(lang, 'byDay'), days, t(lang, 'selectedDay'))}
          <h3 id="coverage-worst">${t(lang, 'worst')}</h3>
          <ol aria-labelledby="coverage-worst">
            ${w.worst_hours.map((h) => html`<li>${hourLabel(lang, h, dated)} : ${percent(h.covered_share)} ${t(lang, 'covered')} (${h.uncovered_cells} ${t(lang, 'of')} ${w.cells})</li>`)}
          </ol>
          <h3 id="coverage-critical">${t(lang, 'critical')}</h3>
          ${w.critical_refuges.length
            ? html`<ol aria-labelledby="coverage-critical">
                ${w.critical_refuges.map((r) => html`<li><strong>${r.name}</strong> : ${percent(r.loss_share)} ${t(lang, 'alone')} ; ${percent(r.loss_share_worst_hours)} ${t(lang, 'aloneWorst')}</li>`)}
              </ol>`
            : html`<p>${t(lang, 'noneCritical')}</p>`}
        </div>
      </div>`
  }
}

if (!customElements.get('halte-console-coverage')) customElements.define('halte-console-coverage', ConsoleCoverage)
