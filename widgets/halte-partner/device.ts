import { html, nothing } from 'lit'
import { ApiError } from '../lib/api.ts'
import type { SignedInElement } from '../lib/base.ts'
import { t } from './text.ts'

// "This device gets notifications": a service worker from halte's own origin, a push
// subscription with halte's VAPID key, and the subscription sent to halte. A service
// worker must come from the page's origin, so on a city's site the screen sends the
// owner to halte's own partner page instead of offering a button that cannot work.

export type DeviceState =
  | { kind: 'idle' }
  | { kind: 'working' }
  | { kind: 'done' }
  | { kind: 'failed'; message: string }

export function sameOrigin(host: SignedInElement): boolean {
  return new URL(host.base, location.href).origin === location.origin
}

export async function enableDevice(host: SignedInElement, token: string): Promise<DeviceState> {
  const lang = host.lang2
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    return { kind: 'failed', message: t(lang, 'deviceUnsupported') }
  }
  let reg: ServiceWorkerRegistration
  try {
    // Its default scope (/widgets/) is enough: push reaches a registration whatever pages it controls.
    reg = await navigator.serviceWorker.register(new URL('/widgets/halte-sw.js', host.base).href)
  } catch (err) {
    return { kind: 'failed', message: `${t(lang, 'deviceUnsupported')} (${(err as Error).message})` }
  }
  let key: string
  try {
    key = (await host.call<{ key: string }>('/v1/push/vapid-public-key')).key
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { kind: 'failed', message: t(lang, 'deviceNoPush') }
    return { kind: 'failed', message: err instanceof ApiError ? err.message : String(err) }
  }
  const permission = await Notification.requestPermission()
  if (permission !== 'granted') return { kind: 'failed', message: t(lang, 'deviceDenied') }
  let sub: PushSubscription
  try {
    await activeWorker(reg)
    // A browser with no push service may never answer: 20 s, then say so.
    sub = await Promise.race([
      reg.pushManager.getSubscription().then((s) => s ?? reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytesOf(key) })),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(lang === 'fr' ? 'pas de réponse' : 'no answer')), 20_000)),
    ])
  } catch (err) {
    return { kind: 'failed', message: `${t(lang, 'deviceSubscribeFailed')} ${(err as Error).message}` }
  }
  const { endpoint, keys } = sub.toJSON()
  try {
    await host.call('/v1/partner/push-subscriptions', { json: { endpoint, keys }, token })
  } catch (err) {
    return { kind: 'failed', message: err instanceof ApiError ? err.message : String(err) }
  }
  return { kind: 'done' }
}

// navigator.serviceWorker.ready waits for a worker controlling this page, which one
// scoped to /widgets/ never does: wait for this registration's own worker instead.
function activeWorker(reg: ServiceWorkerRegistration): Promise<void> {
  if (reg.active) return Promise.resolve()
  const w = reg.installing ?? reg.waiting
  if (!w) return Promise.resolve()
  return new Promise((resolve) => {
    w.addEventListener('statechange', () => {
      if (w.state === 'activated' || w.state === 'redundant') resolve()
    })
  })
}

// VAPID keys travel as base64url; the browser wants the raw bytes.
function bytesOf(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4)
  const raw = atob(b64)
  const out = new Uint8Array(new ArrayBuffer(raw.length))
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i)
  return out
}

export function renderDevice(host: SignedInElement, state: DeviceState, enable: () => void) {
  const lang = host.lang2
  if (!sameOrigin(host)) {
    const url = new URL('/partner', host.base)
    if (host.network) url.searchParams.set('network', host.network)
    return html`<section aria-labelledby="halte-device-title">
      <h2 id="halte-device-title">${t(lang, 'deviceTitle')}</h2>
      <p>${t(lang, 'deviceOtherOrigin')}</p>
      <p><a class="button secondary" href=${url.href} target="_blank" rel="noopener">${t(lang, 'deviceLink')}</a></p>
    </section>`
  }
  return html`<section aria-labelledby="halte-device-title">
    <h2 id="halte-device-title">${t(lang, 'deviceTitle')}</h2>
    <p class="hint">${t(lang, 'deviceHint')}</p>
    <p><button type="button" ?disabled=${state.kind === 'working'} @click=${enable}>${t(lang, 'deviceButton')}</button></p>
    <div aria-live="polite">
      ${state.kind === 'working' ? html`<p>${t(lang, 'deviceWorking')}</p>` : nothing}
      ${state.kind === 'done' ? html`<p class="ok">${t(lang, 'deviceDone')}</p>` : nothing}
      ${state.kind === 'failed' ? html`<p class="error">${state.message}</p>` : nothing}
    </div>
  </section>`
}
