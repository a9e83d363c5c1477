import type { ImportRow } from '../places/import.ts'

// The demo network `npx halte demo` creates: what the landing page's widgets show.
export const DEMO_SLUG = 'demo'

// A fictional town in the middle of France (fields, no real street): every name says
// it is fictional, phone numbers are in the range France reserves for fiction
// (01 99 00 xx xx), so nobody calls a real business from the demo.
export const DEMO_CENTRE = { lat: 46.99, lon: 2.41 }

const at = (dLat: number, dLon: number) => ({ lat: DEMO_CENTRE.lat + dLat, lon: DEMO_CENTRE.lon + dLon })

export const DEMO_PLACES: ImportRow[] = [
  { name: 'Bar Le Réverbère (fictif)', kind: 'bar', hours: '24/7', ...at(0.0006, -0.0068), phone: '+33 1 99 00 00 01', features: 'step_free,phone_charging,staff_trained' },
  { name: 'Pharmacie des Tilleuls (fictive)', kind: 'pharmacy', hours: 'Mo-Sa 08:30-20:00; PH off', ...at(0.0009, -0.0075), phone: '+33 1 99 00 00 02' },
  { name: 'Épicerie de nuit La Lune (fictive)', kind: 'shop', hours: 'Mo-Su 18:00-04:00', ...at(0.0014, -0.0025), phone: '+33 1 99 00 00 03' },
  { name: 'Cinéma Le Phare (fictif)', kind: 'other', hours: 'We-Su 14:00-23:30', ...at(0.0021, 0.0012) },
  { name: 'Hôtel des Voyageurs (fictif)', kind: 'hotel', hours: '24/7', ...at(-0.0004, -0.012), phone: '+33 1 99 00 00 05', features: 'step_free,toilets' },
  { name: 'Café du Parc (fictif)', kind: 'cafe', hours: 'Mo-Fr 07:00-19:00; Sa 09:00-19:00', ...at(0.0016, 0.0069), phone: '+33 1 99 00 00 06' },
].map(({ hours, ...r }) => ({ ...r, opening_hours: hours, address: 'Ville-Démo (adresse fictive)', contact_name: 'Démo' }))
