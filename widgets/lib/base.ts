import { html, LitElement } from 'lit'
import { type CallOptions, call } from './api.ts'
import { type Lang, langOf } from './i18n.ts'

// Where this widget's script came from: halte's own origin, the default API base, so a
// city pastes one script tag and one element with no URL to repeat.
const SCRIPT_ORIGIN = new URL(import.meta.url).origin

// What every halte widget shares: api, network and lang attributes, and calls that
// carry the language and the token.
// Lit properties without decorators: no decorator transform to keep in step with
// the bundler, and `declare` fields so class fields do not shadow Lit's accessors.
export class HalteElement extends LitElement {
  static override properties = {
    api: { type: String },
    network: { type: String },
    langAttr: { type: String, attribute: 'lang' },
  }
  declare api: string
  declare network: string
  declare langAttr: string

  constructor() {
    super()
    this.api = ''
    this.network = ''
    this.langAttr = ''
  }

  get lang2(): Lang {
    return langOf(this.langAttr || this.closest('[lang]')?.getAttribute('lang')?.slice(0, 2))
  }

  get base(): string {
    return this.api || SCRIPT_ORIGIN
  }

  call<T>(path: string, o: Omit<CallOptions, 'lang'> = {}): Promise<T> {
    return call<T>(this.base, path, { lang: this.lang2, ...o })
  }
}

// Role screens (partner, driver, console): a token given as an attribute, or typed once
// and kept in this browser's localStorage until sign-out. Never a cookie.
export class SignedInElement extends HalteElement {
  static override properties = {
    ...HalteElement.properties,
    token: { type: String },
    stored: { state: true },
  }
  declare token: string
  declare protected stored: string

  constructor() {
    super()
    this.token = ''
    this.stored = ''
  }

  protected get storageKey() {
    return `halte:${this.localName}:${this.network || 'default'}`
  }

  override connectedCallback() {
    super.connectedCallback()
    try {
      this.stored = localStorage.getItem(this.storageKey) ?? ''
    } catch {
      this.stored = ''
    }
  }

  get currentToken(): string {
    return this.token || this.stored
  }

  signIn(token: string) {
    this.stored = token.trim()
    try {
      localStorage.setItem(this.storageKey, this.stored)
    } catch {
      // private mode: kept for this page only
    }
  }

  signOut() {
    this.stored = ''
    this.token = ''
    try {
      localStorage.removeItem(this.storageKey)
    } catch {
      // nothing stored
    }
  }

  protected signInForm(title: string, hint: string) {
    const fr = this.lang2 === 'fr'
    const submit = (e: SubmitEvent) => {
      e.preventDefault()
      const input = (e.currentTarget as HTMLFormElement).elements.namedItem('token') as HTMLInputElement
      if (input.value.trim()) this.signIn(input.value)
    }
    return html`<form class="signin" @submit=${submit}>
      <h2>${title}</h2>
      <p class="hint">${hint}</p>
      <label for="halte-token">${fr ? 'Jeton d’accès' : 'Access token'}</label>
      <input id="halte-token" name="token" type="password" autocomplete="off" required />
      <p><button type="submit">${fr ? 'Se connecter' : 'Sign in'}</button></p>
    </form>`
  }

  protected signOutButton() {
    return html`<button type="button" class="secondary" @click=${() => this.signOut()}>${this.lang2 === 'fr' ? 'Se déconnecter' : 'Sign out'}</button>`
  }
}
