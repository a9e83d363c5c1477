import { html, nothing } from 'lit'
import { dictionary, wallDay } from '../lib/i18n.ts'
import { ConsoleSection } from './section.ts'

// The transit timetable: which feed is in force, and a new zip to replace it. The file
// stays chosen after a refusal, so a retry is one click.

interface Validity {
  start_date: string | null
  end_date: string | null
  days_left: number | null
  state: 'current' | 'ending_soon' | 'expired'
}
interface Report {
  routes: number
  trips: number
  stops: number
  stop_times: number
  validity: Validity
  warnings: string[]
}

const t = dictionary({
  title: { fr: 'Horaires de transport (GTFS)', en: 'Transit timetable (GTFS)' },
  inForce: { fr: 'En vigueur', en: 'In force' },
  noFeed: { fr: 'Aucun fichier GTFS importé.', en: 'No GTFS feed imported.' },
  from: { fr: 'du', en: 'from' },
  to: { fr: 'au', en: 'to' },
  daysLeft: { fr: 'jours restants', en: 'days left' },
  current: { fr: 'valide', en: 'valid' },
  ending_soon: { fr: 'bientôt expiré', en: 'ending soon' },
  expired: { fr: 'expiré', en: 'expired' },
  file: { fr: 'Fichier GTFS (.zip)', en: 'GTFS file (.zip)' },
  fileHint: { fr: 'Il remplace le fichier en vigueur.', en: 'It replaces the feed in force.' },
  upload: { fr: 'Importer', en: 'Import' },
  uploading: { fr: 'Import en cours…', en: 'Importing…' },
  pick: { fr: 'Choisissez d’abord un fichier .zip.', en: 'Choose a .zip file first.' },
  done: { fr: 'Import réussi', en: 'Import done' },
  routes: { fr: 'lignes', en: 'routes' },
  trips: { fr: 'trajets', en: 'trips' },
  stops: { fr: 'arrêts', en: 'stops' },
  stopTimes: { fr: 'horaires de passage', en: 'stop times' },
  warnings: { fr: 'Avertissements', en: 'Warnings' },
})

export class ConsoleGtfs extends ConsoleSection {
  static override properties = {
    ...ConsoleSection.properties,
    feed: { state: true },
    warning: { state: true },
    report: { state: true },
    busy: { state: true },
  }
  declare feed: Validity | null | undefined
  declare warning: string | null
  declare report: Report | null
  declare busy: boolean

  constructor() {
    super()
    this.feed = undefined
    this.warning = null
    this.report = null
    this.busy = false
  }

  protected override async load() {
    try {
      const r = await this.op<{ feed: Validity | null; warning: string | null }>(`${this.net}/gtfs`)
      this.feed = r.feed
      this.warning = r.warning
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private async upload(e: SubmitEvent) {
    e.preventDefault()
    const file = ((e.currentTarget as HTMLFormElement).elements.namedItem('zip') as HTMLInputElement).files?.[0]
    this.problem = ''
    this.report = null
    if (!file) {
      this.problem = t(this.lang2, 'pick')
      return
    }
    this.busy = true
    try {
      this.report = await this.op<Report>(`${this.net}/gtfs`, { method: 'POST', body: file, contentType: 'application/zip' })
      await this.load()
      this.focusSoon('#gtfs-result')
    } catch (err) {
      this.problem = this.messageOf(err)
      this.focusSoon('#gtfs-problem')
    } finally {
      this.busy = false
    }
  }

  private validity(v: Validity) {
    const lang = this.lang2
    return html`${t(lang, 'from')} ${v.start_date ? wallDay(lang, v.start_date) : '?'} ${t(lang, 'to')} ${v.end_date ? wallDay(lang, v.end_date) : '?'} · <strong>${t(lang, v.state)}</strong>${v.days_left !== null ? ` · ${v.days_left} ${t(lang, 'daysLeft')}` : ''}`
  }

  override render() {
    const lang = this.lang2
    const r = this.report
    return html`<h2>${t(lang, 'title')}</h2>
      <p>${this.feed === undefined ? nothing : this.feed ? html`${t(lang, 'inForce')} : ${this.validity(this.feed)}` : t(lang, 'noFeed')}</p>
      ${this.warning ? html`<p class="error">${this.warning}</p>` : nothing}
      <form @submit=${(e: SubmitEvent) => this.upload(e)}>
        <label for="gtfs-zip">${t(lang, 'file')}</label>
        <input id="gtfs-zip" name="zip" type="file" accept=".zip,application/zip" aria-describedby="gtfs-hint" />
        <p class="hint" id="gtfs-hint">${t(lang, 'fileHint')}</p>
        <p><button type="submit" ?disabled=${this.busy}>${this.busy ? t(lang, 'uploading') : t(lang, 'upload')}</button></p>
      </form>
      ${this.problem ? html`<p class="error" role="alert" id="gtfs-problem" tabindex="-1">${this.problem}</p>` : nothing}
      ${
        r
          ? html`<div id="gtfs-result" tabindex="-1" role="status">
              <p class="ok">${t(lang, 'done')} : ${r.routes} ${t(lang, 'routes')}, ${r.trips} ${t(lang, 'trips')}, ${r.stops} ${t(lang, 'stops')}, ${r.stop_times} ${t(lang, 'stopTimes')}.</p>
              <p>${this.validity(r.validity)}</p>
              ${r.warnings.length ? html`<h3>${t(lang, 'warnings')}</h3><ul>${r.warnings.map((w) => html`<li>${w}</li>`)}</ul>` : nothing}
            </div>`
          : nothing
      }`
  }
}

if (!customElements.get('halte-console-gtfs')) customElements.define('halte-console-gtfs', ConsoleGtfs)
