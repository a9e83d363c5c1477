import { html, nothing } from 'lit'
import type { HaltePartner } from '../halte-partner.ts'
import { renderAlerts } from './alerts.ts'
import { renderBroadcasts } from './broadcasts.ts'
import { renderDevice } from './device.ts'
import './rights.ts'
import { hoursHelpAndPreview } from './hours.ts'
import { FEATURES, featureText, type Key, kindText, t } from './text.ts'
import { dayTime } from './time.ts'

// The owner's space once signed in: alerts first (what cannot wait), this device's
// notifications, then the place itself: hours, phone, services, closures, training.

export interface PlaceProps {
  id: string
  name: string
  kind: string
  address: string
  phone: string | null
  email: string | null
  features: string[]
  opening_hours: string
  status: string
  contact_name: string
  training_date: string | null
  trained_staff: number | null
  pending_change?: Record<string, unknown> | null
  last_change?: { status: string; reason: string | null } & Record<string, unknown> | null
}

export interface Closure {
  id: string
  from: string
  to: string
  reason: string | null
}

export function renderManage(h: HaltePartner) {
  const lang = h.lang2
  const p = h.place
  return html`
    ${h.freshToken ? renderFreshToken(h) : nothing}
    <div class="row spread">
      <h2 id="halte-place-title" tabindex="-1">${p ? p.name : t(lang, 'signInTitle')}</h2>
      ${h.signOutControl()}
    </div>
    ${h.placeError ? html`<p class="error" role="alert">${h.placeError} <button type="button" class="secondary" @click=${() => h.loadPlace()}>${t(lang, 'retry')}</button></p>` : nothing}
    ${
      p
        ? html`<p class="meta">${kindText(lang, p.kind)} · ${p.address}</p>
            <p class=${`status ${p.status}`}><strong>${t(lang, 'status')}</strong> ${t(lang, `st_${p.status}` as Key)}</p>
            ${renderAlerts(h, h.alerts)} ${renderBroadcasts(h, h.broadcasts)}
            ${
              // A refused or departed place reads its state but changes nothing (halte refuses it).
              p.status === 'withdrawn' || p.status === 'rejected'
                ? nothing
                : html`${renderDevice(h, h.device, () => h.enableDevice())} ${renderEdit(h, p)} ${renderClosures(h)} ${renderTraining(h, p)}
                  ${renderWithdraw(h, p)}`
            }
            <halte-partner-data .owner=${h}></halte-partner-data>`
        : h.placeError
          ? nothing
          : html`<p>${t(lang, 'loading')}</p>`
    }`
}

function renderFreshToken(h: HaltePartner) {
  const lang = h.lang2
  return html`<section class="token" aria-labelledby="halte-token-title" tabindex="-1" id="halte-token-once">
    <p class="ok">${t(lang, 'applied')}</p>
    <h2 id="halte-token-title">${t(lang, 'tokenTitle')}</h2>
    <p><strong>${t(lang, 'tokenOnce')}</strong></p>
    <p><code class="token-value">${h.freshToken}</code></p>
    <p class="row">
      <button type="button" @click=${() => h.copyToken()}>${t(lang, 'copy')}</button>
      <button type="button" class="secondary" @click=${() => h.forgetFreshToken()}>${t(lang, 'tokenKept')}</button>
    </p>
    <p aria-live="polite">${h.copyNotice}</p>
  </section>`
}

function renderEdit(h: HaltePartner, p: PlaceProps) {
  const lang = h.lang2
  const pending = p.pending_change
  const rejected = p.last_change?.status === 'rejected' ? p.last_change : null
  return html`<section aria-labelledby="halte-edit-title">
    <h2 id="halte-edit-title">${t(lang, 'editTitle')}</h2>
    ${
      pending
        ? html`<p class="pending"><strong>${t(lang, 'pendingChange')}</strong> ${Object.entries(pending)
            .filter(([k]) => !['id', 'submitted_at'].includes(k))
            .map(([k, v]) => `${k === 'phone' ? t(lang, 'phone').replace(/ \(.*\)$/, '') : k} : ${typeof v === 'object' ? JSON.stringify(v) : String(v ?? '—')}`)
            .join(' · ')}</p>`
        : nothing
    }
    ${rejected ? html`<p class="error">${t(lang, 'lastRejected')} ${rejected.reason ?? ''}</p>` : nothing}
    <form class="edit" @submit=${(e: SubmitEvent) => h.saveEdit(e)}>
      <label for="ed-hours">${t(lang, 'hours')}</label>
      <input id="ed-hours" name="opening_hours" required maxlength="500" spellcheck="false" autocomplete="off" .value=${p.opening_hours}
        aria-describedby="ed-hours-help ed-hours-preview" @input=${(e: InputEvent) => h.editHours.input((e.currentTarget as HTMLInputElement).value)} />
      ${hoursHelpAndPreview(h, h.editHours, 'ed-hours')}
      <label for="ed-phone">${t(lang, 'phone')}</label>
      <input id="ed-phone" name="phone" type="tel" autocomplete="tel" .value=${String(pending && 'phone' in pending ? (pending.phone ?? '') : (p.phone ?? ''))} />
      <label for="ed-email">${t(lang, 'email')}</label>
      <input id="ed-email" name="email" type="email" autocomplete="email" .value=${p.email ?? ''} />
      <fieldset>
        <legend>${t(lang, 'features')}</legend>
        ${FEATURES.map((f) => html`<label class="check"><input type="checkbox" name="features" value=${f} .checked=${p.features.includes(f)} /> ${featureText(lang, f)}</label>`)}
      </fieldset>
      <div aria-live="polite">${h.editNotice ? html`<p class=${h.editNotice.ok ? 'ok' : 'error'}>${h.editNotice.text}</p>` : nothing}</div>
      <p><button type="submit" ?disabled=${h.busy === 'edit'}>${t(lang, 'save')}</button></p>
    </form>
  </section>`
}

function renderClosures(h: HaltePartner) {
  const lang = h.lang2
  const tz = h.timeZone
  return html`<section aria-labelledby="halte-closures-title">
    <h2 id="halte-closures-title">${t(lang, 'closuresTitle')}</h2>
    ${
      h.closures.length
        ? html`<ul class="cards">
            ${h.closures.map(
              (c) => html`<li>
                <p>${t(lang, 'closedFrom')} ${dayTime(lang, c.from, tz)} ${t(lang, 'to')} ${dayTime(lang, c.to, tz)}${c.reason ? ` — ${c.reason}` : ''}</p>
                <p><button type="button" class="secondary" @click=${() => h.cancelClosure(c)}>${t(lang, 'cancelClosure')}</button></p>
              </li>`,
            )}
          </ul>`
        : html`<p>${t(lang, 'noClosure')}</p>`
    }
    <form class="closure" @submit=${(e: SubmitEvent) => h.addClosure(e)}>
      <div class="row coords">
        <div><label for="cl-from">${t(lang, 'from')}</label><input id="cl-from" name="from" type="datetime-local" required /></div>
        <div><label for="cl-to">${t(lang, 'until')}</label><input id="cl-to" name="to" type="datetime-local" required /></div>
      </div>
      <label for="cl-reason">${t(lang, 'reason')}</label>
      <input id="cl-reason" name="reason" maxlength="300" />
      <div aria-live="polite">${h.closureNotice ? html`<p class=${h.closureNotice.ok ? 'ok' : 'error'}>${h.closureNotice.text}</p>` : nothing}</div>
      <p><button type="submit" ?disabled=${h.busy === 'closure'}>${t(lang, 'addClosure')}</button></p>
    </form>
  </section>`
}

function renderTraining(h: HaltePartner, p: PlaceProps) {
  const lang = h.lang2
  return html`<section aria-labelledby="halte-training-title">
    <h2 id="halte-training-title">${t(lang, 'trainingTitle')}</h2>
    <form class="training" @submit=${(e: SubmitEvent) => h.saveTraining(e)}>
      <div class="row coords">
        <div><label for="tr-date">${t(lang, 'trainingDate')}</label><input id="tr-date" name="training_date" type="date" .value=${p.training_date ?? ''} /></div>
        <div><label for="tr-staff">${t(lang, 'trainedStaff')}</label><input id="tr-staff" name="trained_staff" type="number" min="0" max="1000" .value=${p.trained_staff === null ? '' : String(p.trained_staff)} /></div>
      </div>
      <div aria-live="polite">${h.trainingNotice ? html`<p class=${h.trainingNotice.ok ? 'ok' : 'error'}>${h.trainingNotice.text}</p>` : nothing}</div>
      <p><button type="submit" ?disabled=${h.busy === 'training'}>${t(lang, 'save')}</button></p>
    </form>
  </section>`
}

function renderWithdraw(h: HaltePartner, p: PlaceProps) {
  const lang = h.lang2
  if (p.status === 'withdrawn' || p.status === 'rejected') return nothing
  return html`<section aria-labelledby="halte-withdraw-title">
    <h2 id="halte-withdraw-title">${t(lang, 'withdrawTitle')}</h2>
    <p class="hint">${t(lang, 'withdrawHint')}</p>
    ${
      h.confirmWithdraw
        ? html`<p class="row">
            <button type="button" class="danger" @click=${() => h.withdraw()}>${t(lang, 'withdrawConfirm')}</button>
            <button type="button" class="secondary" @click=${() => (h.confirmWithdraw = false)}>${t(lang, 'keep')}</button>
          </p>`
        : html`<p><button type="button" class="secondary" @click=${() => (h.confirmWithdraw = true)}>${t(lang, 'withdraw')}</button></p>`
    }
  </section>`
}
