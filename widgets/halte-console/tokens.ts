import { html, nothing } from 'lit'
import { dictionary, wallDay } from '../lib/i18n.ts'
import { ConsoleSection } from './section.ts'

// Access tokens of the network: who holds one, a new one (shown once, to copy now), and
// revocation, asked twice because a revoked screen stops at its next request.

interface TokenInfo {
  id: string
  role: string
  label: string
  vehicle: string | null
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
  expires_at: string | null
  sectors?: string[]
}

const t = dictionary({
  title: { fr: 'Jetons d’accès', en: 'Access tokens' },
  create: { fr: 'Créer un jeton', en: 'Create a token' },
  role: { fr: 'Rôle', en: 'Role' },
  operator: { fr: 'Opérateur', en: 'Operator' },
  driver: { fr: 'Conducteur', en: 'Driver' },
  mediator: { fr: 'Médiateur', en: 'Mediator' },
  police: { fr: 'Police municipale', en: 'Municipal police' },
  sectors: { fr: 'Secteurs (médiateur, police)', en: 'Sectors (mediator, police)' },
  sectorsHint: { fr: 'Noms séparés par des virgules ; vide : tout le réseau.', en: 'Names separated by commas; empty: the whole network.' },
  partner: { fr: 'Partenaire', en: 'Partner' },
  admin: { fr: 'Administrateur', en: 'Admin' },
  label: { fr: 'Libellé (qui le détient)', en: 'Label (who holds it)' },
  vehicle: { fr: 'Véhicule (conducteur)', en: 'Vehicle (driver)' },
  vehicleHint: { fr: 'Obligatoire pour un conducteur, par ex. bus-412.', en: 'Required for a driver, e.g. bus-412.' },
  created: { fr: 'Nouveau jeton, affiché une seule fois : copiez-le maintenant.', en: 'New token, shown only once: copy it now.' },
  newToken: { fr: 'Nouveau jeton', en: 'New token' },
  copy: { fr: 'Copier', en: 'Copy' },
  copied: { fr: 'Copié.', en: 'Copied.' },
  copyFailed: { fr: 'Copie impossible : sélectionnez le texte.', en: 'Cannot copy: select the text.' },
  list: { fr: 'Jetons existants', en: 'Existing tokens' },
  createdOn: { fr: 'Créé', en: 'Created' },
  lastUsed: { fr: 'Dernier usage', en: 'Last used' },
  state: { fr: 'État', en: 'State' },
  valid: { fr: 'Valide', en: 'Valid' },
  revoked: { fr: 'Révoqué', en: 'Revoked' },
  revoke: { fr: 'Révoquer', en: 'Revoke' },
  revokeQ: { fr: 'Révoquer ce jeton ? L’écran qui l’utilise sera déconnecté.', en: 'Revoke this token? The screen using it will be signed out.' },
  yes: { fr: 'Oui, révoquer', en: 'Yes, revoke' },
  no: { fr: 'Non', en: 'No' },
  done: { fr: 'Jeton révoqué', en: 'Token revoked' },
  actions: { fr: 'Actions', en: 'Actions' },
})

export class ConsoleTokens extends ConsoleSection {
  static override properties = {
    ...ConsoleSection.properties,
    tokens: { state: true },
    fresh: { state: true },
    role: { state: true },
    revoking: { state: true },
  }
  declare tokens: TokenInfo[] | null
  declare fresh: { token: string; label: string } | null
  declare role: 'operator' | 'driver' | 'mediator' | 'police'
  declare revoking: string

  constructor() {
    super()
    this.tokens = null
    this.fresh = null
    this.role = 'operator'
    this.revoking = ''
  }

  protected override async load() {
    try {
      this.tokens = (await this.op<{ tokens: TokenInfo[] }>(`${this.net}/tokens`)).tokens
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private async create(e: SubmitEvent) {
    e.preventDefault()
    const form = e.currentTarget as HTMLFormElement
    const value = (n: string) => ((form.elements.namedItem(n) as HTMLInputElement | null)?.value ?? '').trim()
    const json: Record<string, unknown> = { role: this.role, label: value('label') }
    if (this.role === 'driver') json.vehicle = value('vehicle')
    const sectors = value('sectors').split(',').map((x) => x.trim()).filter(Boolean)
    if ((this.role === 'mediator' || this.role === 'police') && sectors.length) json.sectors = sectors
    this.problem = ''
    this.said = ''
    try {
      const made = await this.op<{ token: string; label: string }>(`${this.net}/tokens`, { json })
      this.fresh = { token: made.token, label: made.label }
      form.reset()
      this.role = 'operator'
      await this.load()
      this.focusSoon('#token-fresh')
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  private async copy() {
    try {
      await navigator.clipboard.writeText(this.fresh!.token)
      this.said = t(this.lang2, 'copied')
    } catch {
      this.said = t(this.lang2, 'copyFailed')
    }
  }

  private async revoke(id: string) {
    this.problem = ''
    try {
      await this.op(`${this.net}/tokens/${id}`, { method: 'DELETE' })
      this.revoking = ''
      this.said = t(this.lang2, 'done')
      await this.load()
    } catch (err) {
      this.problem = this.messageOf(err)
    }
  }

  override render() {
    const lang = this.lang2
    return html`<h2>${t(lang, 'title')}</h2>
      <form @submit=${(e: SubmitEvent) => this.create(e)}>
        <h3>${t(lang, 'create')}</h3>
        <label for="token-role">${t(lang, 'role')}</label>
        <select id="token-role" name="role" @change=${(e: Event) => (this.role = (e.currentTarget as HTMLSelectElement).value as ConsoleTokens['role'])}>
          <option value="operator" ?selected=${this.role === 'operator'}>${t(lang, 'operator')}</option>
          <option value="driver" ?selected=${this.role === 'driver'}>${t(lang, 'driver')}</option>
          <option value="mediator" ?selected=${this.role === 'mediator'}>${t(lang, 'mediator')}</option>
          <option value="police" ?selected=${this.role === 'police'}>${t(lang, 'police')}</option>
        </select>
        <label for="token-label">${t(lang, 'label')}</label>
        <input id="token-label" name="label" required maxlength="200" autocomplete="off" />
        ${
          this.role === 'driver'
            ? html`<label for="token-vehicle">${t(lang, 'vehicle')}</label>
                <input id="token-vehicle" name="vehicle" required maxlength="50" autocomplete="off" aria-describedby="token-vehicle-hint" />
                <p class="hint" id="token-vehicle-hint">${t(lang, 'vehicleHint')}</p>`
            : nothing
        }
        ${
          this.role === 'mediator' || this.role === 'police'
            ? html`<label for="token-sectors">${t(lang, 'sectors')}</label>
                <input id="token-sectors" name="sectors" maxlength="2000" autocomplete="off" aria-describedby="token-sectors-hint" />
                <p class="hint" id="token-sectors-hint">${t(lang, 'sectorsHint')}</p>`
            : nothing
        }
        <p><button type="submit">${t(lang, 'create')}</button></p>
      </form>
      ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : nothing}
      ${
        this.fresh
          ? html`<div id="token-fresh" tabindex="-1" class="cards">
              <p><strong>${t(lang, 'created')}</strong> (${this.fresh.label})</p>
              <label for="token-value">${t(lang, 'newToken')}</label>
              <div class="row"><input id="token-value" readonly .value=${this.fresh.token} style="flex:1 1 16em;width:auto;font-family:monospace" />
              <button type="button" @click=${() => this.copy()}>${t(lang, 'copy')}</button></div>
            </div>`
          : nothing
      }
      <div aria-live="polite">${this.said ? html`<p class="ok">${this.said}</p>` : nothing}</div>
      <h3>${t(lang, 'list')}</h3>
      ${this.tokens ? this.table(this.tokens) : nothing}`
  }

  private table(tokens: TokenInfo[]) {
    const lang = this.lang2
    const day = (iso: string | null) => (iso ? wallDay(lang, iso) : '—')
    return html`<div class="scroll"><table>
      <thead><tr><th scope="col">${t(lang, 'label')}</th><th scope="col">${t(lang, 'role')}</th><th scope="col">${t(lang, 'createdOn')}</th><th scope="col">${t(lang, 'lastUsed')}</th><th scope="col">${t(lang, 'state')}</th><th scope="col">${t(lang, 'actions')}</th></tr></thead>
      <tbody>${tokens.map(
        (k) => html`<tr>
          <td>${k.label}${k.vehicle ? ` (${k.vehicle})` : ''}${k.sectors?.length ? ` (${k.sectors.join(', ')})` : ''}</td>
          <td>${t(lang, k.role as 'operator')}</td>
          <td>${day(k.created_at)}</td>
          <td>${day(k.last_used_at)}</td>
          <td>${k.revoked_at ? t(lang, 'revoked') : t(lang, 'valid')}</td>
          <td>${
            k.revoked_at
              ? nothing
              : this.revoking === k.id
                ? html`<p>${t(lang, 'revokeQ')}</p><p class="row">
                    <button type="button" class="danger" @click=${() => this.revoke(k.id)}>${t(lang, 'yes')}<span class="visually-hidden"> : ${k.label}</span></button>
                    <button type="button" class="secondary" @click=${() => (this.revoking = '')}>${t(lang, 'no')}</button></p>`
                : html`<button type="button" class="secondary" @click=${() => (this.revoking = k.id)}>${t(lang, 'revoke')}<span class="visually-hidden"> : ${k.label}</span></button>`
          }</td>
        </tr>`,
      )}</tbody>
    </table></div>`
  }
}

if (!customElements.get('halte-console-tokens')) customElements.define('halte-console-tokens', ConsoleTokens)
