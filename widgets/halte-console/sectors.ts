import { html, nothing } from 'lit'
import { dictionary } from '../lib/i18n.ts'
import { ConsoleSection } from './section.ts'

// The network's sectors: the city's GeoJSON file to replace them, and how many
// mediators and municipal police are on duty in each right now. The file stays chosen
// after a refusal (a name missing, a sector still assigned), so a retry is one click.

interface Sector {
  id: string
  properties: { name: string; on_duty: number; updated_at: string }
}
interface Sectors {
  on_duty_whole_network: number
  features: Sector[]
}

const t = dictionary({
  title: { fr: 'Secteurs', en: 'Sectors' },
  none: { fr: 'Aucun secteur : les alertes vont aux opérateurs et aux équipes de tout le réseau.', en: 'No sectors: alerts go to operators and to whole-network field teams.' },
  name: { fr: 'Secteur', en: 'Sector' },
  onDuty: { fr: 'En service', en: 'On duty' },
  whole: { fr: 'En service sur tout le réseau', en: 'On duty across the network' },
  file: { fr: 'Fichier GeoJSON des secteurs', en: 'Sectors GeoJSON file' },
  fileHint: {
    fr: 'Polygones avec une propriété « name ». Il remplace les secteurs actuels ; un secteur gardé garde ses équipes.',
    en: 'Polygons with a "name" property. It replaces the current sectors; a kept sector keeps its teams.',
  },
  upload: { fr: 'Importer', en: 'Import' },
  uploading: { fr: 'Import en cours…', en: 'Importing…' },
  pick: { fr: 'Choisissez d’abord un fichier .geojson.', en: 'Choose a .geojson file first.' },
  done: { fr: 'Secteurs importés', en: 'Sectors imported' },
})

export class ConsoleSectors extends ConsoleSection {
  static override properties = {
    ...ConsoleSection.properties,
    sectors: { state: true },
    busy: { state: true },
  }
  declare sectors: Sectors | undefined
  declare busy: boolean

  constructor() {
    super()
    this.sectors = undefined
    this.busy = false
  }

  protected override async load() {
    try {
      this.sectors = await this.op<Sectors>(`${this.net}/sectors`)
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private async upload(e: SubmitEvent) {
    e.preventDefault()
    const file = ((e.currentTarget as HTMLFormElement).elements.namedItem('geojson') as HTMLInputElement).files?.[0]
    this.problem = ''
    this.said = ''
    if (!file) {
      this.problem = t(this.lang2, 'pick')
      this.focusSoon('#sectors-problem')
      return
    }
    this.busy = true
    try {
      this.sectors = await this.op<Sectors>(`${this.net}/sectors`, { method: 'PUT', body: file, contentType: 'application/json' })
      this.said = `${t(this.lang2, 'done')} : ${this.sectors.features.length}.`
      this.focusSoon('#sectors-said')
    } catch (err) {
      this.problem = this.messageOf(err)
      this.focusSoon('#sectors-problem')
    } finally {
      this.busy = false
    }
  }

  override render() {
    const lang = this.lang2
    const s = this.sectors
    return html`<h2>${t(lang, 'title')}</h2>
      ${
        s === undefined
          ? nothing
          : s.features.length === 0
            ? html`<p>${t(lang, 'none')}</p>`
            : html`<div class="scroll"><table>
                <thead><tr><th scope="col">${t(lang, 'name')}</th><th scope="col">${t(lang, 'onDuty')}</th></tr></thead>
                <tbody>${s.features.map((f) => html`<tr><td>${f.properties.name}</td><td>${f.properties.on_duty}</td></tr>`)}</tbody>
              </table></div>`
      }
      ${s ? html`<p class="meta">${t(lang, 'whole')} : ${s.on_duty_whole_network}</p>` : nothing}
      <form @submit=${(e: SubmitEvent) => this.upload(e)}>
        <label for="sectors-file">${t(lang, 'file')}</label>
        <input id="sectors-file" name="geojson" type="file" accept=".geojson,.json,application/geo+json,application/json" aria-describedby="sectors-hint" />
        <p class="hint" id="sectors-hint">${t(lang, 'fileHint')}</p>
        <p><button type="submit" ?disabled=${this.busy}>${this.busy ? t(lang, 'uploading') : t(lang, 'upload')}</button></p>
      </form>
      ${this.problem ? html`<p class="error" role="alert" id="sectors-problem" tabindex="-1">${this.problem}</p>` : nothing}
      ${this.said ? html`<p class="ok" role="status" id="sectors-said" tabindex="-1">${this.said}</p>` : nothing}`
  }
}

if (!customElements.get('halte-console-sectors')) customElements.define('halte-console-sectors', ConsoleSectors)
