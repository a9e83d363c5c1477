import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import AxeBuilder from '@axe-core/playwright'
import { serve } from '@hono/node-server'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import type { WidgetAssets } from '../../src/app.ts'
import { buildWidgets } from '../../widgets/build.ts'
import { type TestApp, testApp } from '../helpers/app.ts'

// Widgets as people meet them: halte served over HTTP on one origin, a city's page on
// another that embeds a widget with a script tag, and Debian's Chromium driving it.

const HERE = dirname(fileURLToPath(import.meta.url))
export const CHROMIUM = process.env.HALTE_CHROMIUM ?? '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) console.warn(`[halte tests] browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set HALTE_CHROMIUM)`)

let widgets: Promise<Map<string, Uint8Array>> | undefined
// Built once per test file (a few hundred ms): the bundle the server would build.
export const widgetAssets: WidgetAssets = async (file) => {
  widgets ??= buildWidgets({ minify: false }).then((r) => r.files)
  return (await widgets).get(file) ?? null
}

export interface ServedHalte extends TestApp {
  url: string
}

// halte on 127.0.0.1; the city's site on localhost: two origins, as in production.
export async function serveHalte(opts: Parameters<typeof testApp>[0] = {}): Promise<ServedHalte> {
  const t = await testApp({ ...opts, widgetAssets })
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: t.app!.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  const port = (server.address() as AddressInfo).port
  return {
    ...t,
    url: `http://127.0.0.1:${port}`,
    async close() {
      ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
      await new Promise<void>((r) => server.close(() => r()))
      await t.close()
    },
  }
}

export interface CitySite {
  url: string
  // A page of the city's site embedding `tag` from halte at `halte`, with attributes.
  page(path: string, html: string): string
  close(): Promise<void>
}

export async function citySite(): Promise<CitySite> {
  const pages = new Map<string, string>()
  const server: Server = createServer((req, res) => {
    const body = pages.get(new URL(req.url ?? '/', 'http://x').pathname)
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' })
    res.end(body ?? 'not found')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const url = `http://localhost:${(server.address() as AddressInfo).port}`
  return {
    url,
    page(path, html) {
      pages.set(path, html)
      return `${url}${path}`
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

// The two lines a city pastes, in a plain page of its own.
export function embedPage(halte: string, tag: string, attrs: Record<string, string>, title = 'Ville d’Exemple') {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${v.replace(/"/g, '&quot;')}"`)
    .join('')
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body><main><h1>${title}</h1>
<script type="module" src="${halte}/widgets/${tag}.js"></script>
<${tag}${a}></${tag}>
</main></body></html>`
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
}

// A phone: 390×844, French, touch.
export async function phone(browser: Browser, o: { geolocation?: { latitude: number; longitude: number } } = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    hasTouch: true,
    ...(o.geolocation ? { geolocation: o.geolocation, permissions: ['geolocation'] } : {}),
  })
  return ctx
}

// Serious and critical accessibility violations, shadow roots included.
export async function axeViolations(page: Page) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))
}

// For a person to look at: the widget at a phone's size and at a desktop's.
export async function screenshots(page: Page, name: string) {
  const dir = join(HERE, 'screenshots')
  await mkdir(dir, { recursive: true })
  for (const [w, h] of [
    [390, 844],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width: w, height: h })
    await page.screenshot({ path: join(dir, `${name}-${w}x${h}.png`), fullPage: true })
  }
  await page.setViewportSize({ width: 390, height: 844 })
}

export interface ShownNotification {
  title: string
  body: string
  url: string
}

// A push delivered to halte's service worker (registered at /widgets/ on halte's own
// page) as DevTools delivers one: headless Chromium has no push service to send through.
// Resolves with the notifications the worker shows, once there is at least one.
export async function pushToServiceWorker(ctx: BrowserContext, page: Page, halteUrl: string, payload: string): Promise<ShownNotification[]> {
  const scope = `${halteUrl}/widgets/`
  await page.evaluate(() => navigator.serviceWorker.register('/widgets/halte-sw.js', { scope: '/widgets/' }))
  await waitUntil(() => page.evaluate(async () => Boolean((await navigator.serviceWorker.getRegistration('/widgets/'))?.active)))
  const cdp = await ctx.newCDPSession(page)
  const regs: { registrationId: string; scopeURL: string }[] = []
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => regs.push(...e.registrations))
  await cdp.send('ServiceWorker.enable')
  await waitUntil(async () => regs.some((r) => r.scopeURL === scope))
  const shown = () =>
    page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration('/widgets/')
      return (await reg!.getNotifications()).map((n) => ({ title: n.title, body: n.body, url: (n.data as { url: string }).url }))
    })
  // DevTools reports the registrations of every context of the browser: the page's own
  // is the latest with this scope. Should the push land before the worker can show it
  // (it was seen once on a busy machine), it is delivered again, to each candidate.
  const candidates = () => [...new Set(regs.filter((r) => r.scopeURL === scope).map((r) => r.registrationId))]
  for (const [attempt, ids] of [candidates().slice(-1), candidates()].entries()) {
    for (const registrationId of ids) await cdp.send('ServiceWorker.deliverPushMessage', { origin: halteUrl, registrationId, data: payload })
    if (await waitUntil(async () => (await shown()).length > 0, attempt === 0 ? 5_000 : 10_000, attempt === 0)) break
  }
  return shown()
}

// Polls until `check` holds; past `ms`, false when `quiet`, otherwise an error.
async function waitUntil(check: () => Promise<boolean>, ms = 10_000, quiet = false): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) {
      if (quiet) return false
      throw new Error(`still not true after ${ms} ms: ${check.toString().slice(0, 120)}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return true
}
