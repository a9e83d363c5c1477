import { html, nothing } from 'lit'
import type { HaltePartner } from '../halte-partner.ts'
import { hoursHelpAndPreview } from './hours.ts'
import { FEATURES, featureText, KINDS, kindText, t } from './text.ts'

// The application form. Its fields keep what was typed through any refusal: the form
// is never replaced while sending, and halte's field errors are shown beside each field.

export function renderApply(h: HaltePartner) {
  const lang = h.lang2
  const s = h.applyState
  const err = (path: string) => s.errors[path]
  const field = (id: string, path: string, label: string, input: unknown, hint?: unknown) => html`<div class="field">
    <label for=${id}>${label}</label>
    ${input}
    ${hint ?? nothing}
    ${err(path) ? html`<p class="error" id=${`${id}-err`}>${err(path)}</p>` : nothing}
  </div>`
  const describedBy = (id: string, path: string, more = '') => [more, err(path) ? `${id}-err` : ''].filter(Boolean).join(' ') || nothing
  const pos = h.position
  return html`<section aria-labelledby="halte-apply-title">
    <h2 id="halte-apply-title">${t(lang, 'applyTitle')}</h2>
    <p class="hint">${t(lang, 'applyIntro')}</p>
    <p><button type="button" class="secondary" @click=${() => h.showSignIn(true)}>${t(lang, 'haveToken')}</button></p>
    <form class="apply" novalidate @submit=${(e: SubmitEvent) => h.submitApplication(e)}>
      ${field(
        'ap-name',
        'name',
        t(lang, 'name'),
        html`<input id="ap-name" name="name" required maxlength="200" autocomplete="organization" aria-invalid=${err('name') ? 'true' : 'false'} aria-describedby=${describedBy('ap-name', 'name')} />`,
      )}
      ${field(
        'ap-kind',
        'kind',
        t(lang, 'kind'),
        html`<select id="ap-kind" name="kind" aria-describedby=${describedBy('ap-kind', 'kind')}>
          ${KINDS.map((k) => html`<option value=${k}>${kindText(lang, k)}</option>`)}
        </select>`,
      )}
      ${field(
        'ap-address',
        'address',
        t(lang, 'address'),
        html`<input id="ap-address" name="address" required maxlength="300" autocomplete="street-address" aria-invalid=${err('address') ? 'true' : 'false'} aria-describedby=${describedBy('ap-address', 'address')} />`,
      )}
      <fieldset aria-describedby="ap-where-hint">
        <legend>${t(lang, 'where')}</legend>
        <p class="hint" id="ap-where-hint">${t(lang, 'whereHint')}</p>
        <p><button type="button" class="secondary" @click=${() => h.locate()}>${t(lang, 'useLocation')}</button></p>
        <label for="ap-place-q">${t(lang, 'searchPlace')}</label>
        <div class="row nowrap">
          <input id="ap-place-q" type="search" minlength="2" maxlength="100" autocomplete="off" @keydown=${(e: KeyboardEvent) => {
            if (e.key === 'Enter') {
              e.preventDefault()
              void h.searchPlace((e.currentTarget as HTMLInputElement).value)
            }
          }} />
          <button type="button" class="secondary" @click=${() => h.searchPlace((h.renderRoot.querySelector('#ap-place-q') as HTMLInputElement).value)}>${t(lang, 'search')}</button>
        </div>
        <div aria-live="polite">
          ${h.locating ? html`<p>${t(lang, 'locating')}</p>` : nothing}
          ${h.positionNotice ? html`<p class="error">${h.positionNotice}</p>` : nothing}
          ${
            h.placeMatches.length
              ? html`<ul class="matches">${h.placeMatches.map((m) => html`<li><button type="button" class="secondary" @click=${() => h.setPosition(m.lat, m.lon, m.name)}>${m.name}</button></li>`)}</ul>`
              : nothing
          }
          ${pos?.label ? html`<p class="ok">${t(lang, 'positionSet')} ${pos.label}</p>` : nothing}
        </div>
        <div class="row coords">
          <div>
            <label for="ap-lat">${t(lang, 'lat')}</label>
            <input id="ap-lat" name="lat" inputmode="decimal" .value=${pos ? String(pos.lat) : ''} @input=${() => h.typedCoords()} aria-describedby=${describedBy('ap-lat', 'location')} />
          </div>
          <div>
            <label for="ap-lon">${t(lang, 'lon')}</label>
            <input id="ap-lon" name="lon" inputmode="decimal" .value=${pos ? String(pos.lon) : ''} @input=${() => h.typedCoords()} aria-describedby=${describedBy('ap-lon', 'location')} />
          </div>
        </div>
        ${err('location') ? html`<p class="error" id="ap-lat-err">${err('location')}</p>` : nothing}
      </fieldset>
      ${field(
        'ap-hours',
        'opening_hours',
        t(lang, 'hours'),
        html`<input id="ap-hours" name="opening_hours" required maxlength="500" autocomplete="off" spellcheck="false" placeholder="Mo-Sa 18:00-02:00; PH off"
          aria-invalid=${err('opening_hours') ? 'true' : 'false'} aria-describedby=${describedBy('ap-hours', 'opening_hours', 'ap-hours-help ap-hours-preview')}
          @input=${(e: InputEvent) => h.hours.input((e.currentTarget as HTMLInputElement).value, h.position)} />`,
        hoursHelpAndPreview(h, h.hours, 'ap-hours'),
      )}
      ${field(
        'ap-phone',
        'phone',
        t(lang, 'phone'),
        html`<input id="ap-phone" name="phone" type="tel" autocomplete="tel" aria-invalid=${err('phone') ? 'true' : 'false'} aria-describedby=${describedBy('ap-phone', 'phone')} />`,
      )}
      ${field(
        'ap-email',
        'email',
        t(lang, 'email'),
        html`<input id="ap-email" name="email" type="email" autocomplete="email" aria-invalid=${err('email') ? 'true' : 'false'} aria-describedby=${describedBy('ap-email', 'email')} />`,
      )}
      <fieldset>
        <legend>${t(lang, 'features')}</legend>
        ${FEATURES.map((f) => html`<label class="check"><input type="checkbox" name="features" value=${f} /> ${featureText(lang, f)}</label>`)}
      </fieldset>
      ${field(
        'ap-contact',
        'contact_name',
        t(lang, 'contact'),
        html`<input id="ap-contact" name="contact_name" required maxlength="200" autocomplete="name" aria-invalid=${err('contact_name') ? 'true' : 'false'} aria-describedby=${describedBy('ap-contact', 'contact_name')} />`,
      )}
      <label class="check"><input type="checkbox" name="charter_accepted" required aria-describedby=${err('charter_accepted') ? 'ap-charter-err' : nothing} /> ${t(lang, 'charter')}</label>
      ${err('charter_accepted') ? html`<p class="error" id="ap-charter-err">${err('charter_accepted')}</p>` : nothing}
      <div id="ap-summary" tabindex="-1" aria-live="polite">
        ${s.message ? html`<div class="error" role="alert"><p>${t(lang, 'fixErrors')} ${s.message}</p>${s.retry ? html`<p><button type="submit">${t(lang, 'retry')}</button></p>` : nothing}</div>` : nothing}
      </div>
      <p><button type="submit" ?disabled=${s.sending}>${s.sending ? t(lang, 'sending') : t(lang, 'submitApply')}</button></p>
    </form>
  </section>`
}
