import { html, LitElement, nothing } from 'lit'
import { ApiError } from '../lib/api.ts'
import type { SignedInElement } from '../lib/base.ts'
import { baseStyles } from '../lib/styles.ts'

// The partner's rights over its data, inside <halte-partner>: export everything halte
// holds about the place and its contact (JSON), or close the account in two steps
// (place withdrawn, contact erased, tokens revoked: this screen's too).

const WORDS = {
  title: { fr: 'Vos données', en: 'Your data' },
  hint: {
    fr: 'Téléchargez tout ce que halte garde sur votre lieu et votre contact, ou fermez votre compte : le lieu est retiré, le nom, l’e-mail et le téléphone du contact sont effacés, les jetons révoqués. L’historique reste, anonyme.',
    en: 'Download everything halte keeps about your place and contact, or close your account: the place is withdrawn, the contact’s name, e-mail and phone are erased, the tokens revoked. The history stays, anonymous.',
  },
  export: { fr: 'Exporter mes données', en: 'Export my data' },
  close: { fr: 'Fermer mon compte', en: 'Close my account' },
  closeQ: {
    fr: 'Fermer le compte ? C’est définitif : la ville devra vous inscrire à nouveau.',
    en: 'Close the account? This cannot be undone: the city would have to enrol you again.',
  },
  closeYes: { fr: 'Oui, fermer mon compte', en: 'Yes, close my account' },
  keep: { fr: 'Non, garder', en: 'No, keep it' },
  closed: { fr: 'Votre compte est fermé et vos coordonnées effacées.', en: 'Your account is closed and your contact details erased.' },
  done: { fr: 'Terminer', en: 'Finish' },
  down: { fr: 'halte ne répond pas. Réessayez.', en: 'halte is not answering. Try again.' },
} as const

export class HaltePartnerData extends LitElement {
  static override properties = { owner: { attribute: false }, step: { state: true }, notice: { state: true } }
  declare owner: SignedInElement | null
  declare step: 'idle' | 'confirm' | 'closed'
  declare notice: string
  static override styles = [baseStyles]

  constructor() {
    super()
    this.owner = null
    this.step = 'idle'
    this.notice = ''
  }

  private w(k: keyof typeof WORDS) {
    return WORDS[k][this.owner?.lang2 === 'en' ? 'en' : 'fr']
  }

  private failed(err: unknown) {
    this.notice = err instanceof ApiError && err.status > 0 ? err.message : this.w('down')
  }

  private async download() {
    const o = this.owner
    if (!o) return
    try {
      const data = await o.call<{ place?: { id?: string } }>('/v1/partner/export', { token: o.currentToken })
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }))
      Object.assign(document.createElement('a'), { href: url, download: `halte-partenaire-${(data.place?.id ?? '').slice(0, 8)}.json` }).click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (err) {
      this.failed(err)
    }
  }

  private async close() {
    const o = this.owner
    if (!o) return
    try {
      await o.call('/v1/partner/close', { method: 'POST', token: o.currentToken })
      this.step = 'closed'
      this.notice = ''
      void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-data-closed') as HTMLElement | null)?.focus())
    } catch (err) {
      this.failed(err)
    }
  }

  private ask() {
    this.step = 'confirm'
    void this.updateComplete.then(() => (this.renderRoot.querySelector('#halte-data-confirm') as HTMLElement | null)?.focus())
  }

  override render() {
    return html`<section aria-labelledby="halte-data-title">
      <h2 id="halte-data-title">${this.w('title')}</h2>
      ${
        this.step === 'closed'
          ? html`<p class="ok" id="halte-data-closed" tabindex="-1" role="status">${this.w('closed')}</p>
              <p><button type="button" @click=${() => this.owner?.signOut()}>${this.w('done')}</button></p>`
          : html`<p class="hint">${this.w('hint')}</p>
              ${
                this.step === 'confirm'
                  ? html`<div id="halte-data-confirm" tabindex="-1"><p><strong>${this.w('closeQ')}</strong></p>
                      <p class="row"><button type="button" class="danger" @click=${() => this.close()}>${this.w('closeYes')}</button>
                      <button type="button" class="secondary" @click=${() => (this.step = 'idle')}>${this.w('keep')}</button></p></div>`
                  : html`<p class="row"><button type="button" class="secondary" @click=${() => this.download()}>${this.w('export')}</button>
                      <button type="button" class="secondary" @click=${() => this.ask()}>${this.w('close')}</button></p>`
              }`
      }
      <div aria-live="polite">${this.notice ? html`<p class="error" role="alert">${this.notice}</p>` : nothing}</div>
    </section>`
  }
}

if (!customElements.get('halte-partner-data')) customElements.define('halte-partner-data', HaltePartnerData)
