import { Hono } from 'hono'
import { html, raw } from 'hono/html'
import type { AppEnv } from '../http/env.ts'
import { PAGE_SOURCES } from '../http/security.ts'
import type { Services } from '../services.ts'
import { layout } from './layout.ts'
import { DEMO_SLUG } from '../demo/places.ts'


const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/

const ROLE_PAGES = {
  partner: { tag: 'halte-partner', fr: 'Espace partenaire', en: 'Partner space' },
  driver: { tag: 'halte-driver', fr: 'Cabine de conduite', en: 'Driver’s cab' },
  console: { tag: 'halte-console', fr: 'Console de supervision', en: 'Supervision console' },
  // An exploratory walk's participants, from the link the console gives (code in the fragment).
  walk: { tag: 'halte-walk', fr: 'Marche exploratoire', en: 'Exploratory walk' },
} as const

export function pagesApp(s: Services) {
  const app = new Hono<AppEnv>()
  const tiles = s.config.HALTE_MAP_TILES
  // A configured tile server is the one foreign source a page may load (images only).
  const sources = tiles ? PAGE_SOURCES.replace("img-src 'self' data:", `img-src 'self' data: ${new URL(tiles.replace(/[{}]/g, '')).origin}`) : PAGE_SOURCES
  const tileAttr = tiles ? html` tiles="${tiles}"` : ''

  app.get('/', (c) => {
    const lang = c.get('lang') ?? 'fr'
    const base = s.config.PUBLIC_BASE_URL ?? new URL(c.req.url).origin
    const fr = lang === 'fr'
    const snippet = (tag: string, extra = '') =>
      `<script type="module" src="${base}/widgets/${tag}.js"></script>\n<${tag} network="${DEMO_SLUG}" lang="fr"${extra}></${tag}>`
    c.header('Content-Security-Policy', `${sources}; frame-ancestors 'none'`)
    return c.html(
      layout({
        title: fr ? 'halte — lieux sûrs, descente entre deux arrêts, alertes' : 'halte — safe places, drop-off between stops, alerts',
        lang,
        scripts: ['halte-nearby', 'halte-alert'],
        body: html`<section>
            <h1>halte</h1>
            <p>${
              fr
                ? 'halte relie les refuges « Où est Angela ? » d’une ville (des commerces qui mettent à l’abri une personne en danger), la descente de nuit entre deux arrêts de bus, et les alertes qui préviennent les bonnes personnes.'
                : 'halte connects a city’s “Ask for Angela” refuges (businesses that shelter a person in danger), night-time bus drop-off between two stops, and the alerts that reach the right people.'
            }</p>
            <p><strong>${fr ? 'En danger : appelez le 17 ou le 112, ou envoyez un SMS au 114.' : 'In danger: call 17 or 112, or text 114.'}</strong></p>
          </section>
          <section>
            <h2>${fr ? 'Démonstration (réseau fictif « demo »)' : 'Demonstration (fictional network “demo”)'}</h2>
            <p>${fr ? 'Ces écrans utilisent le réseau de démonstration créé par « npx halte demo » : lieux et arrêts fictifs.' : 'These screens use the demo network made by “npx halte demo”: fictional places and stops.'}</p>
            <div class="demo">
              <halte-nearby network="${DEMO_SLUG}" lang="${lang}"></halte-nearby>
              <halte-alert network="${DEMO_SLUG}" lang="${lang}"></halte-alert>
            </div>
          </section>
          <section>
            <h2>${fr ? 'Intégrer un écran à votre site' : 'Embed a screen in your site'}</h2>
            <p>${fr ? 'Deux lignes par écran, sur n’importe quel site : le script, puis la balise. Attributs : network (votre réseau), lang (fr ou en), api (adresse de halte si elle diffère de celle du script).' : 'Two lines per screen, on any site: the script, then the tag. Attributes: network (your network), lang (fr or en), api (halte’s address if not the script’s).'}</p>
            ${(['halte-nearby', 'halte-alert', 'halte-dropoff', 'halte-partner', 'halte-driver', 'halte-console'] as const).map(
              (tag) => html`<h3>&lt;${tag}&gt;</h3>
                <pre tabindex="0"><code>${snippet(tag)}</code></pre>`,
            )}
            <p>${fr ? 'Pages prêtes à l’emploi :' : 'Ready-made pages:'} <a href="/partner">/partner</a> · <a href="/driver">/driver</a> · <a href="/console">/console</a> · <a href="/docs">/docs</a></p>
          </section>`,
      }),
    )
  })

  for (const [path, page] of Object.entries(ROLE_PAGES)) {
    app.get(`/${path}`, (c) => {
      const lang = c.get('lang') ?? 'fr'
      const asked = c.req.query('network')
      const network = asked && SLUG.test(asked) ? asked : (s.config.HALTE_DEFAULT_NETWORK ?? DEMO_SLUG)
      // The console opens an alert from a push notification's link (?alert=<id>).
      const alert = c.req.query('alert')
      const alertAttr = alert && /^[0-9a-f-]{36}$/i.test(alert) ? html` alert="${alert}"` : ''
      c.header('Content-Security-Policy', `${sources}; frame-ancestors 'none'`)
      return c.html(
        layout({
          title: `halte — ${page[lang]}`,
          lang,
          scripts: [page.tag],
          body: html`<h1 class="page-title">${page[lang]}</h1>
            <${raw(page.tag)} network="${network}" lang="${lang}"${tileAttr}${alertAttr}></${raw(page.tag)}>`,
        }),
      )
    })
  }
  return app
}
