// Maps are optional: a widget shows one only when given a `tiles` URL template
// (e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png), and Leaflet is then loaded on
// demand, so a widget without a map never downloads it.
export const loadMap = () => import('./leaflet-map.ts')
