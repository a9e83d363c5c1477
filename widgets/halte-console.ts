import { css, html, nothing } from 'lit'
import { SignedInElement } from './lib/base.ts'
import { dictionary } from './lib/i18n.ts'
import { baseStyles } from './lib/styles.ts'
import './halte-console/alerts.ts'
import './halte-console/field.ts'
import './halte-console/reports.ts'
import { Beeper } from './halte-console/sound.ts'

// <halte-console>: the operator's screen. Tabs (arrow keys move between them, as in
// any tab list); every panel stays mounted while hidden so that live alerts keep
// arriving, and beeping, while the operator moderates or uploads a timetable.

const TABS = ['alerts', 'moderation', 'reports', 'broadcasts', 'places', 'renewals', 'gtfs', 'tokens', 'sectors', 'walks', 'help', 'stats', 'coverage'] as const
type Tab = (typeof TABS)[number]

// What the console needs at once (live alerts, the field screen) comes with it; every
// other tab's module is fetched the first time the tab is opened, so a supervision
// room's screen shows its alerts after one small download (npm run bench -- widgets).
const LATER: Partial<Record<Tab, () => Promise<unknown>>> = {
  moderation: () => import('./halte-console/moderation.ts'),
  broadcasts: () => import('./halte-console/broadcasts.ts'),
  places: () => import('./halte-console/places.ts'),
  renewals: () => import('./halte-console/renewals.ts'),
  gtfs: () => import('./halte-console/gtfs.ts'),
  tokens: () => import('./halte-console/tokens.ts'),
  sectors: () => import('./halte-console/sectors.ts'),
  walks: () => import('./halte-console/walks.ts'),
  help: () => import('./halte-console/help.ts'),
  stats: () => import('./halte-console/stats.ts'),
  coverage: () => import('./halte-console/coverage.ts'),
}

const t = dictionary({
  signIn: { fr: 'Console de supervision', en: 'Supervision console' },
  signInHint: {
    fr: 'Collez votre jeton d’opérateur. Il reste dans ce navigateur jusqu’à la déconnexion.',
    en: 'Paste your operator token. It stays in this browser until you sign out.',
  },
  sections: { fr: 'Sections de la console', en: 'Console sections' },
  alerts: { fr: 'Alertes', en: 'Alerts' },
  broadcasts: { fr: 'Diffusion', en: 'Broadcast' },
  moderation: { fr: 'Modération', en: 'Moderation' },
  reports: { fr: 'Signalements', en: 'Reports' },
  places: { fr: 'Lieux', en: 'Places' },
  renewals: { fr: 'Formations', en: 'Training' },
  gtfs: { fr: 'Horaires GTFS', en: 'GTFS timetable' },
  tokens: { fr: 'Jetons', en: 'Tokens' },
  sectors: { fr: 'Secteurs', en: 'Sectors' },
  walks: { fr: 'Marches', en: 'Walks' },
  help: { fr: 'Aide', en: 'Help services' },
  stats: { fr: 'Chiffres', en: 'Figures' },
  coverage: { fr: 'Couverture', en: 'Coverage' },
  network: { fr: 'Réseau', en: 'Network' },
  soundOn: { fr: 'Son : activé', en: 'Sound: on' },
  soundOff: { fr: 'Son : désactivé', en: 'Sound: off' },
  unlock: { fr: 'Activer le son', en: 'Turn sound on' },
  unlockHint: {
    fr: 'Le navigateur attend un clic avant de jouer un son.',
    en: 'The browser waits for a click before it plays a sound.',
  },
})

export class HalteConsole extends SignedInElement {
  static override properties = {
    ...SignedInElement.properties,
    alert: { type: String },
    tiles: { type: String },
    tab: { state: true },
    sound: { state: true },
    audioReady: { state: true },
  }
  declare alert: string
  declare tiles: string
  declare tab: Tab
  declare sound: boolean
  declare audioReady: boolean
  private beeper = new Beeper()

  static override styles = [
    baseStyles,
    css`
      header { display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; justify-content: space-between; }
      [role='tablist'] { display: flex; flex-wrap: wrap; gap: 0.3em; border-bottom: 2px solid #6b6b6b; margin: 0.6em 0; }
      [role='tab'] { background: #fff; color: #1b1b1b; border-color: #8a8a8a; border-radius: 8px 8px 0 0; }
      [role='tab'][aria-selected='true'] { background: var(--halte-accent); color: #fff; border-color: var(--halte-accent); font-weight: 700; }
      [role='tabpanel']:focus-visible { outline-offset: 4px; }
    `,
  ]

  constructor() {
    super()
    this.alert = ''
    this.tiles = ''
    this.tab = 'alerts'
    this.sound = true
    this.audioReady = false
  }

  override connectedCallback() {
    super.connectedCallback()
    try {
      this.sound = localStorage.getItem('halte:console:sound') !== 'off'
    } catch {
      this.sound = true
    }
  }

  // Signing in is a click: the moment the browser lets audio start.
  override signIn(token: string) {
    super.signIn(token)
    if (this.sound) void this.unlockAudio()
  }

  private async unlockAudio() {
    this.audioReady = await this.beeper.unlock()
  }

  private toggleSound() {
    this.sound = !this.sound
    try {
      localStorage.setItem('halte:console:sound', this.sound ? 'on' : 'off')
    } catch {
      // kept for this page only
    }
    if (this.sound) void this.unlockAudio()
  }

  private select(tab: Tab, focus = false) {
    this.tab = tab
    // A tab whose module cannot be fetched stays empty; the others keep working.
    LATER[tab]?.().catch((err: unknown) => console.error(`halte-console: tab ${tab} could not load`, err))
    if (focus) void this.updateComplete.then(() => (this.renderRoot.querySelector(`#tab-${tab}`) as HTMLElement | null)?.focus())
  }

  private tabKeys(e: KeyboardEvent) {
    const i = TABS.indexOf(this.tab)
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[e.key]
    if (to === undefined) return
    e.preventDefault()
    this.select(TABS[(to + TABS.length) % TABS.length]!, true)
  }

  override render() {
    const lang = this.lang2
    const token = this.currentToken
    if (!token) return this.signInForm(t(lang, 'signIn'), t(lang, 'signInHint'))
    if (/^halte_(mediator|police)_/.test(token)) return this.fieldScreen(token)
    return html`<header>
        <p><strong>${t(lang, 'network')} : ${this.network}</strong></p>
        <p class="row">
          <button type="button" class="secondary" @click=${() => this.toggleSound()}>${t(lang, this.sound ? 'soundOn' : 'soundOff')}</button>
          ${this.sound && !this.audioReady ? html`<button type="button" class="secondary" aria-describedby="unlock-hint" @click=${() => this.unlockAudio()}>${t(lang, 'unlock')}</button>` : nothing}
          ${this.signOutButton()}
        </p>
        ${this.sound && !this.audioReady ? html`<p class="hint" id="unlock-hint">${t(lang, 'unlockHint')}</p>` : nothing}
      </header>
      <div role="tablist" aria-label=${t(lang, 'sections')} @keydown=${(e: KeyboardEvent) => this.tabKeys(e)}>
        ${TABS.map(
          (tab) => html`<button type="button" role="tab" id=${`tab-${tab}`} aria-selected=${this.tab === tab ? 'true' : 'false'}
            aria-controls=${`panel-${tab}`} tabindex=${this.tab === tab ? 0 : -1} @click=${() => this.select(tab)}>${t(lang, tab)}</button>`,
        )}
      </div>
      ${TABS.map(
        (tab) => html`<div role="tabpanel" id=${`panel-${tab}`} aria-labelledby=${`tab-${tab}`} tabindex="0" ?hidden=${this.tab !== tab}
          @halte-new-alert=${() => this.sound && this.beeper.beep()}>${this.panel(tab, token)}</div>`,
      )}`
  }

  // A mediator's or municipal police officer's token: duty, contacts, the alerts and the
  // reports of its sectors; none of the operators' tabs, which would only answer 403.
  private fieldScreen(token: string) {
    const lang = this.lang2
    return html`<header>
        <p><strong>${t(lang, 'network')} : ${this.network}</strong></p>
        <p class="row">
          <button type="button" class="secondary" @click=${() => this.toggleSound()}>${t(lang, this.sound ? 'soundOn' : 'soundOff')}</button>
          ${this.signOutButton()}
        </p>
      </header>
      <halte-console-field api=${this.api} network=${this.network} lang=${lang} .token=${token} active></halte-console-field>
      <div @halte-new-alert=${() => this.sound && this.beeper.beep()}>
        <halte-console-alerts api=${this.api} network=${this.network} lang=${lang} .token=${token} active field></halte-console-alerts>
      </div>
      <halte-console-reports api=${this.api} network=${this.network} lang=${lang} .token=${token} active field></halte-console-reports>`
  }

  private panel(tab: Tab, token: string) {
    const on = this.tab === tab
    const lang = this.lang2
    switch (tab) {
      case 'alerts':
        return html`<halte-console-alerts api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on} focus-id=${this.alert}></halte-console-alerts>`
      case 'broadcasts':
        return html`<halte-console-broadcasts api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on}></halte-console-broadcasts>`
      case 'moderation':
        return html`<halte-console-moderation api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on}></halte-console-moderation>`
      case 'reports':
        return html`<halte-console-reports api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on}></halte-console-reports>`
      case 'places':
        return html`<halte-console-places api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on} tiles=${this.tiles}></halte-console-places>`
      case 'renewals':
        return html`<halte-console-renewals api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on}></halte-console-renewals>`
      case 'gtfs':
        return html`<halte-console-gtfs api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on}></halte-console-gtfs>`
      case 'tokens':
        return html`<halte-console-tokens api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on}></halte-console-tokens>`
      case 'sectors':
        return html`<halte-console-sectors api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on}></halte-console-sectors>`
      case 'help':
        return html`<halte-console-help api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on}></halte-console-help>`
      case 'walks':
        return html`<halte-console-walks api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on}></halte-console-walks>`
      case 'stats':
        return html`<halte-console-stats api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on}></halte-console-stats>`
      case 'coverage':
        return html`<halte-console-coverage api=${this.api} network=${this.network} lang=${lang} .token=${token} ?active=${on} tiles=${this.tiles}></halte-console-coverage>`
    }
  }
}

if (!customElements.get('halte-console')) customElements.define('halte-console', HalteConsole)
