import { html } from 'lit'
import type { Lang } from './i18n.ts'

// The numbers that work without halte: drawn in the first render, before any request,
// so that they show even when halte or the network is down.
export function emergencyNumbers(lang: Lang) {
  const fr = lang === 'fr'
  return html`<nav class="emergency" aria-label=${fr ? 'Numéros d’urgence' : 'Emergency numbers'}>
    <strong>${fr ? 'En danger :' : 'In danger:'}</strong>
    <a href="tel:17">${fr ? 'Police 17' : 'Police 17'}</a>
    <a href="tel:112">${fr ? 'Urgences 112' : 'Emergency 112'}</a>
    <a href="sms:114" title=${fr ? 'Par SMS, si vous ne pouvez pas parler' : 'By text, if you cannot speak'}>${fr ? 'SMS 114' : 'Text 114'}</a>
  </nav>`
}
