import { css, html, nothing, svg } from 'lit'
import { headersFor } from '../lib/api.ts'
import { dictionary, type Lang } from '../lib/i18n.ts'
import { ConsoleSection } from './section.ts'

// "Chiffres": the safety council's figures for a period, and a sector if one is chosen,
// as bar charts with every number written beside its bar (never colour alone). halte
// suppresses counts under 5, and with one of them another count that a total would
// otherwise give it back through (see src/stats/suppress.ts). The API does not say which
// is which, so neither is written "< 5" (the second may well be 7): both are "masqué",
// drawn as an empty dashed bar, and the legend says what that means.

interface Cell {
  count: number | null
  suppressed: boolean
}
interface Keyed extends Cell {
  key: string
}
interface Stats {
  alerts: {
    total: Cell
    by_hour: Keyed[]
    by_sector: Keyed[]
    by_channel: Keyed[]
    escalated: Cell
    false_alarms: Cell
    first_acknowledgement: { acknowledged: Cell; p50_s: number | null; p90_s: number | null; suppressed: boolean }
  }
  refuges: { active: number; trained: number; renewal_due: number }
  dropoffs: { requested: Cell; by_outcome: Keyed[]; declined_by_reason: Keyed[]; refused: Cell; refused_by_code: Keyed[] }
  reports: { total: Cell; by_category: Keyed[]; by_status: Keyed[] }
  contacts: { total: Cell; by_sector: Keyed[]; by_kind: Keyed[] }
}

const t = dictionary({
  title: { fr: 'Chiffres pour le conseil de sécurité', en: 'Figures for the safety council' },
  from: { fr: 'Du', en: 'From' },
  to: { fr: 'Au (inclus)', en: 'To (included)' },
  sector: { fr: 'Secteur', en: 'Sector' },
  all: { fr: 'Tout le réseau', en: 'Whole network' },
  show: { fr: 'Afficher', en: 'Show' },
  csv: { fr: 'Télécharger le CSV', en: 'Download the CSV' },
  rule: {
    fr: '« masqué » : moins de 5 (< 5), ou un nombre masqué avec un tel nombre pour qu’un total ne le révèle pas. Les lieux ne sont jamais plus précis que le secteur.',
    en: '"hidden": under 5 (< 5), or a count hidden with such a count so that a total does not give it away. Places are never more precise than the sector.',
  },
  hidden: { fr: 'masqué', en: 'hidden' },
  alerts: { fr: 'Alertes', en: 'Alerts' },
  total: { fr: 'Total', en: 'Total' },
  byHour: { fr: 'Alertes par heure de la journée', en: 'Alerts by hour of the day' },
  bySector: { fr: 'Alertes par secteur', en: 'Alerts by sector' },
  byChannel: { fr: 'Alertes par canal', en: 'Alerts by channel' },
  ack: { fr: 'Délai de première prise en charge', en: 'Time to first acknowledgement' },
  median: { fr: 'médiane', en: 'median' },
  p90: { fr: '9 sur 10 en moins de', en: '9 in 10 within' },
  escalated: { fr: 'Escalades', en: 'Escalations' },
  falseAlarms: { fr: 'Fausses alertes', en: 'False alarms' },
  refuges: { fr: 'Refuges (aujourd’hui)', en: 'Refuges (today)' },
  active: { fr: 'Actifs', en: 'Active' },
  trained: { fr: 'Formés', en: 'Trained' },
  due: { fr: 'Formation à renouveler', en: 'Training due' },
  dropoffs: { fr: 'Descentes entre deux arrêts (tout le réseau)', en: 'Drop-offs between stops (whole network)' },
  outcome: { fr: 'Demandes par suite donnée', en: 'Requests by outcome' },
  reasons: { fr: 'Refus du conducteur, par motif', en: 'Declined by the driver, by reason' },
  refused: { fr: 'Refusées par une règle, par règle', en: 'Refused by a rule, by rule' },
  reports: { fr: 'Signalements par catégorie', en: 'Reports by category' },
  reportStatus: { fr: 'Signalements par état', en: 'Reports by status' },
  contacts: { fr: 'Personnes rencontrées par secteur', en: 'People met by sector' },
  contactKinds: { fr: 'Personnes rencontrées par type', en: 'People met by kind' },
  none: { fr: 'Aucun', en: 'None' },
  seconds: { fr: 's', en: 's' },
})

// The API's keys in words; an unforeseen key (a sector, a category code) as it is.
const words: Record<string, { fr: string; en: string }> = {
  web: { fr: 'Web', en: 'Web' },
  sms: { fr: 'SMS', en: 'SMS' },
  pending: { fr: 'En attente', en: 'Pending' },
  accepted: { fr: 'Acceptées', en: 'Accepted' },
  declined: { fr: 'Refusées par le conducteur', en: 'Declined by the driver' },
  expired: { fr: 'Expirées', en: 'Expired' },
  unsafe_spot: { fr: 'Lieu dangereux', en: 'Unsafe spot' },
  traffic: { fr: 'Circulation', en: 'Traffic' },
  too_late: { fr: 'Trop tard', en: 'Too late' },
  unknown_trip: { fr: 'Course inconnue', en: 'Unknown trip' },
  route_not_eligible: { fr: 'Ligne non concernée', en: 'Route not eligible' },
  outside_hours: { fr: 'Hors horaires', en: 'Outside hours' },
  timetable_expired: { fr: 'Horaires périmés', en: 'Timetable expired' },
  behind_vehicle: { fr: 'Derrière le bus', en: 'Behind the bus' },
  off_route: { fr: 'Hors trajet', en: 'Off route' },
  too_close: { fr: 'Trop près du bus', en: 'Too close to the bus' },
  excluded_zone: { fr: 'Zone exclue', en: 'Excluded zone' },
  open: { fr: 'Ouverts', en: 'Open' },
  in_progress: { fr: 'En cours', en: 'In progress' },
  closed: { fr: 'Clos', en: 'Closed' },
  conversation: { fr: 'Conversation', en: 'Conversation' },
  orientation: { fr: 'Orientation', en: 'Referral' },
  conflict_mediation: { fr: 'Médiation de conflit', en: 'Conflict mediation' },
  assistance: { fr: 'Assistance', en: 'Assistance' },
  other: { fr: 'Autre', en: 'Other' },
}
const word = (lang: Lang, key: string) => words[key]?.[lang] ?? key

const shownIn = (lang: Lang) => (c: Cell) => (c.suppressed ? t(lang, 'hidden') : String(c.count ?? 0))

const localDay = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 10)

const ROW = 22
const LABEL_W = 190
const BAR_W = 260

// A horizontal bar chart: each row its label, its bar and its number, in text. The
// picture is for the eye; the figure's accessible name reads every row.
function barChart(lang: Lang, id: string, title: string, rows: Keyed[], label: (k: string) => string = (k) => word(lang, k)) {
  const shown = shownIn(lang)
  const max = Math.max(1, ...rows.map((r) => r.count ?? 0))
  const h = rows.length * ROW + 4
  const said = rows.map((r) => `${label(r.key)} : ${shown(r)}`).join(' ; ')
  return html`<figure>
    <figcaption id=${`${id}-title`}>${title}</figcaption>
    <svg role="img" aria-labelledby=${`${id}-title`} aria-describedby=${`${id}-desc`} viewBox=${`0 0 ${LABEL_W + BAR_W + 60} ${h}`} width="100%" style=${`max-width:${LABEL_W + BAR_W + 60}px`}>
      <desc id=${`${id}-desc`}>${said}</desc>
      ${rows.map((r, i) => {
        const y = i * ROW + 2
        const w = r.suppressed ? 18 : Math.round(((r.count ?? 0) / max) * BAR_W)
        return svg`<g>
          <text x=${LABEL_W - 6} y=${y + 15} text-anchor="end" class="label">${label(r.key)}</text>
          ${r.suppressed
            ? svg`<rect x=${LABEL_W} y=${y + 3} width=${w} height=${ROW - 6} class="hidden-bar"></rect>`
            : svg`<rect x=${LABEL_W} y=${y + 3} width=${w} height=${ROW - 6} class="bar"></rect>`}
          <text x=${LABEL_W + w + 6} y=${y + 15} class="value">${shown(r)}</text>
        </g>`
      })}
    </svg>
  </figure>`
}

export class ConsoleStats extends ConsoleSection {
  static override properties = {
    ...ConsoleSection.properties,
    stats: { state: true },
    sectors: { state: true },
    from: { state: true },
    to: { state: true },
    sector: { state: true },
  }
  declare stats: Stats | null
  declare sectors: string[]
  declare from: string
  declare to: string
  declare sector: string

  static override styles = [
    ...ConsoleSection.styles,
    css`
      form { display: flex; flex-wrap: wrap; gap: 0.8em; align-items: end; }
      form p { margin: 0; }
      figure { margin: 1em 0; }
      figcaption { font-weight: 700; margin-bottom: 0.3em; }
      svg .label, svg .value { font: 13px system-ui, sans-serif; fill: #1b1b1b; }
      svg .value { font-weight: 700; }
      svg .bar { fill: var(--halte-accent); }
      svg .hidden-bar { fill: #fff; stroke: #1b1b1b; stroke-dasharray: 3 2; }
      dl.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(12em, 1fr)); gap: 0.5em; }
      dl.figures div { border: 1px solid #8a8a8a; border-radius: 6px; padding: 0.4em 0.6em; }
      dl.figures dt { color: var(--halte-muted); }
      dl.figures dd { margin: 0; font-size: 1.4em; font-weight: 700; }
      .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 32em), 1fr)); gap: 0 2em; }
    `,
  ]

  constructor() {
    super()
    this.stats = null
    this.sectors = []
    const today = new Date()
    this.to = localDay(today)
    this.from = localDay(new Date(today.getFullYear(), today.getMonth() - 6, today.getDate()))
    this.sector = ''
  }

  private get query() {
    const q = new URLSearchParams({ from: this.from, to: this.to })
    if (this.sector) q.set('sector', this.sector)
    return q.toString()
  }

  protected override async load() {
    this.problem = ''
    try {
      const r = await this.op<{ features: { properties: { name: string } }[] }>(`${this.net}/sectors`)
      this.sectors = r.features.map((f) => f.properties.name)
    } catch {
      this.sectors = []
    }
    await this.show()
  }

  private async show(e?: SubmitEvent) {
    e?.preventDefault()
    this.problem = ''
    try {
      this.stats = await this.op<Stats>(`${this.net}/stats?${this.query}`)
    } catch (err) {
      this.stats = null
      this.problem = this.messageOf(err)
    }
  }

  // The CSV needs the operator's token: fetched, then saved from memory under halte's name for it.
  private async download() {
    this.problem = ''
    try {
      const res = await fetch(new URL(`${this.net}/stats?${this.query}`, this.base), {
        headers: { ...headersFor({ lang: this.lang2, token: this.token }), accept: 'text/csv' },
        credentials: 'omit',
      })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'halte-chiffres.csv'
      const url = URL.createObjectURL(await res.blob())
      const a = document.createElement('a')
      a.href = url
      a.download = name
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private figure(label: string, value: string) {
    return html`<div><dt>${label}</dt><dd>${value}</dd></div>`
  }

  override render() {
    const lang = this.lang2
    const s = this.stats
    const ack = s?.alerts.first_acknowledgement
    const shown = shownIn(lang)
    const secs = (n: number | null) => (ack?.suppressed ? t(lang, 'hidden') : n === null ? '—' : `${n} ${t(lang, 'seconds')}`)
    return html`<h2>${t(lang, 'title')}</h2>
      <form @submit=${(e: SubmitEvent) => this.show(e)}>
        <p><label for="stats-from">${t(lang, 'from')}</label><br /><input id="stats-from" type="date" name="from" .value=${this.from} required @change=${(e: Event) => (this.from = (e.target as HTMLInputElement).value)} /></p>
        <p><label for="stats-to">${t(lang, 'to')}</label><br /><input id="stats-to" type="date" name="to" .value=${this.to} required @change=${(e: Event) => (this.to = (e.target as HTMLInputElement).value)} /></p>
        <p><label for="stats-sector">${t(lang, 'sector')}</label><br />
          <select id="stats-sector" name="sector" @change=${(e: Event) => (this.sector = (e.target as HTMLSelectElement).value)}>
            <option value="" ?selected=${this.sector === ''}>${t(lang, 'all')}</option>
            ${this.sectors.map((n) => html`<option value=${n} ?selected=${this.sector === n}>${n}</option>`)}
          </select>
        </p>
        <button type="submit">${t(lang, 'show')}</button>
        <button type="button" class="secondary" @click=${() => this.download()}>${t(lang, 'csv')}</button>
      </form>
      <p class="meta" id="stats-rule">${t(lang, 'rule')}</p>
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      ${
        s
          ? html`<h3>${t(lang, 'alerts')}</h3>
            <dl class="figures">
              ${this.figure(t(lang, 'total'), shown(s.alerts.total))}
              ${this.figure(`${t(lang, 'ack')} (${t(lang, 'median')})`, secs(ack!.p50_s))}
              ${this.figure(`${t(lang, 'ack')} (${t(lang, 'p90')})`, secs(ack!.p90_s))}
              ${this.figure(t(lang, 'escalated'), shown(s.alerts.escalated))}
              ${this.figure(t(lang, 'falseAlarms'), shown(s.alerts.false_alarms))}
            </dl>
            <div class="charts">
              ${barChart(lang, 'hours', t(lang, 'byHour'), s.alerts.by_hour, (k) => `${k} h`)}
              <div>
                ${barChart(lang, 'sectors', t(lang, 'bySector'), s.alerts.by_sector)}
                ${barChart(lang, 'channels', t(lang, 'byChannel'), s.alerts.by_channel)}
              </div>
            </div>
            <h3>${t(lang, 'refuges')}</h3>
            <dl class="figures">
              ${this.figure(t(lang, 'active'), String(s.refuges.active))}
              ${this.figure(t(lang, 'trained'), String(s.refuges.trained))}
              ${this.figure(t(lang, 'due'), String(s.refuges.renewal_due))}
            </dl>
            <h3>${t(lang, 'dropoffs')}</h3>
            <div class="charts">
              ${barChart(lang, 'outcomes', t(lang, 'outcome'), s.dropoffs.by_outcome)}
              ${barChart(lang, 'reasons', t(lang, 'reasons'), s.dropoffs.declined_by_reason)}
              ${barChart(lang, 'refused', `${t(lang, 'refused')} (${t(lang, 'total')} : ${shown(s.dropoffs.refused)})`, s.dropoffs.refused_by_code)}
            </div>
            <div class="charts">
              ${barChart(lang, 'categories', t(lang, 'reports'), s.reports.by_category)}
              ${barChart(lang, 'report-status', t(lang, 'reportStatus'), s.reports.by_status)}
              ${barChart(lang, 'contacts', t(lang, 'contacts'), s.contacts.by_sector)}
              ${barChart(lang, 'contact-kinds', t(lang, 'contactKinds'), s.contacts.by_kind)}
            </div>`
          : nothing
      }`
  }
}

if (!customElements.get('halte-console-stats')) customElements.define('halte-console-stats', ConsoleStats)
