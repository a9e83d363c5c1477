import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import { buildWidgets } from '../../widgets/build.ts'
import { median, printTable } from './lib.ts'

// What a resident's phone pays for a widget: its gzip size (the goal: under 30 KB
// without the map library), and how long after the page starts the emergency numbers
// show, against the same three links written in the city's own HTML (the limit: a page
// cannot show them sooner than that). Both pages are served from loopback, the widget
// from another origin, as a city embeds it.

const RUNS = 15
const EMERGENCY_HTML = '<nav><a href="tel:17">Police 17</a> <a href="tel:112">Urgences 112</a> <a href="sms:114">SMS 114</a></nav>'

export async function run() {
  const { files, sizes } = await buildWidgets()
  printTable(
    'gzip size per widget (its module and the chunks it imports; no map)',
    Object.entries(sizes).map(([name, bytes]) => ({ widget: name, 'gzip KB': (bytes / 1024).toFixed(1), 'under 30 KB': name.startsWith('map') ? 'n/a' : bytes < 30 * 1024 ? 'pass' : 'FAIL' })),
  )

  const assets = createServer((req, res) => {
    const body = files.get((req.url ?? '').replace('/widgets/', ''))
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' })
    res.end(body)
  })
  await new Promise<void>((r) => assets.listen(0, '127.0.0.1', () => r()))
  const halte = `http://127.0.0.1:${(assets.address() as AddressInfo).port}`
  const pages: Record<string, string> = {
    '/plain': `<!doctype html><html lang="fr"><body>${EMERGENCY_HTML}</body></html>`,
    '/widget': `<!doctype html><html lang="fr"><body><script type="module" src="${halte}/widgets/halte-nearby.js"></script><halte-nearby network="x"></halte-nearby></body></html>`,
  }
  const site = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(pages[req.url ?? ''] ?? '')
  })
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()))
  const siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`

  const browser = await chromium.launch({ executablePath: process.env.HALTE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] })
  const shown = async (path: string) => {
    // A fresh context each time: nothing cached, as on a first visit.
    const ctx = await browser.newContext()
    const page = await ctx.newPage()
    await page.goto(`${siteUrl}${path}`, { waitUntil: 'commit' })
    const ms = await page.waitForFunction(
      () => {
        const root = document.querySelector('halte-nearby')?.shadowRoot ?? document
        return root.querySelector('a[href="tel:17"]') ? performance.now() : 0
      },
      undefined,
      { polling: 'raf' },
    )
    const value = (await ms.jsonValue()) as number
    await ctx.close()
    return value
  }
  const plain: number[] = []
  const widget: number[] = []
  // Interleaved, so that the machine's noise falls on both alike.
  for (let i = 0; i < RUNS; i++) {
    plain.push(await shown('/plain'))
    widget.push(await shown('/widget'))
  }
  await browser.close()
  assets.close()
  site.close()
  const p = median(plain)
  const w = median(widget)
  printTable(`emergency numbers on screen after navigation start, median of ${RUNS} first visits`, [
    { page: 'the numbers in the city’s own HTML (limit)', ms: p.toFixed(1) },
    { page: '<halte-nearby> from another origin', ms: w.toFixed(1) },
    { page: 'ratio', ms: (w / p).toFixed(2) },
  ])
}
