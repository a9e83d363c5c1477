import * as L from 'leaflet'
import leafletCss from 'leaflet/dist/leaflet.css'

// Leaflet inside a widget's shadow root: its stylesheet goes into the root (page styles
// do not reach it), markers are drawn as circles (no image files to serve).

export interface MapOptions {
  tiles: string
  attribution?: string
  center: [number, number]
  zoom?: number
}

export function mountMap(container: HTMLElement, o: MapOptions) {
  const root = container.getRootNode()
  if (root instanceof ShadowRoot && !root.querySelector('style[data-leaflet]')) {
    const style = document.createElement('style')
    style.dataset.leaflet = ''
    style.textContent = leafletCss
    root.prepend(style)
  }
  const map = L.map(container, { center: o.center, zoom: o.zoom ?? 15, keyboard: true })
  L.tileLayer(o.tiles, {
    maxZoom: 19,
    attribution: o.attribution ?? '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
  }).addTo(map)
  return { map, L }
}
