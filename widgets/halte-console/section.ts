import { css, type PropertyValues } from 'lit'
import { ApiError, type CallOptions } from '../lib/api.ts'
import { HalteElement } from '../lib/base.ts'
import { baseStyles } from '../lib/styles.ts'

// One tab of the operator's console: the operator's token, loaded when first shown and
// each time it is shown again (a queue read an hour ago is not the queue now).
export class ConsoleSection extends HalteElement {
  static override properties = {
    ...HalteElement.properties,
    token: { type: String },
    active: { type: Boolean },
    problem: { state: true },
    said: { state: true },
  }
  declare token: string
  declare active: boolean
  declare problem: string
  declare said: string

  static override styles = [
    baseStyles,
    css`
      .meta { color: var(--halte-muted); }
      ul.cards > li:focus { outline: 3px solid #ff9f1a; outline-offset: 2px; }
      textarea { min-height: 3em; }
      table { border-collapse: collapse; width: 100%; }
      th, td { text-align: left; padding: 0.3em 0.5em; border-bottom: 1px solid #8a8a8a; vertical-align: top; }
      .scroll { overflow-x: auto; }
    `,
  ]

  constructor() {
    super()
    this.token = ''
    this.active = false
    this.problem = ''
    this.said = ''
  }

  protected load(): Promise<void> {
    return Promise.resolve()
  }

  override updated(changed: PropertyValues<this>) {
    if (changed.has('active') && this.active) void this.load()
  }

  protected op<T>(path: string, o: Omit<CallOptions, 'lang' | 'token'> = {}) {
    return this.call<T>(path, { ...o, token: this.token })
  }

  protected get net() {
    return `/v1/networks/${encodeURIComponent(this.network)}`
  }

  // halte's own words for a refusal; "cannot reach" when it is away.
  protected messageOf(err: unknown): string {
    if (err instanceof ApiError) return err.message
    return String((err as Error)?.message ?? err)
  }

  protected focusSoon(selector: string) {
    void this.updateComplete.then(() => (this.renderRoot.querySelector(selector) as HTMLElement | null)?.focus())
  }
}
