import { existsSync } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

// Bundles each widget into one ES module (plus chunks shared between widgets: Lit, and
// Leaflet loaded only when a map is asked for). The Node server builds in memory at
// start; Workers serve the files this writes as static assets.

const HERE = dirname(fileURLToPath(import.meta.url))
export const WIDGET_TAGS = ['halte-nearby', 'halte-alert', 'halte-partner', 'halte-dropoff', 'halte-driver', 'halte-console', 'halte-walk'] as const
// The partner screen's service worker (web push), served beside the widgets.
const EXTRA_ENTRIES = ['halte-sw']

export type WidgetFiles = Map<string, Uint8Array>

export async function buildWidgets(o: { minify?: boolean } = {}): Promise<{ files: WidgetFiles; sizes: Record<string, number> }> {
  const entries = [...WIDGET_TAGS, ...EXTRA_ENTRIES].map((t) => join(HERE, `${t}.ts`)).filter((f) => existsSync(f))
  const result = await build({
    entryPoints: entries,
    bundle: true,
    format: 'esm',
    splitting: true,
    minify: o.minify ?? true,
    target: 'es2022',
    outdir: '/widgets',
    write: false,
    metafile: true,
    chunkNames: 'chunk-[hash]',
    loader: { '.css': 'text', '.png': 'dataurl' },
    legalComments: 'eof',
    logLevel: 'silent',
  })
  const files: WidgetFiles = new Map()
  for (const f of result.outputFiles) files.set(basename(f.path), f.contents)
  // What a page downloads for one widget: its module and the chunks it imports
  // statically (a map, loaded on demand, is not counted).
  const sizes: Record<string, number> = {}
  const outputs = result.metafile.outputs
  for (const [out, meta] of Object.entries(outputs)) {
    if (!meta.entryPoint) continue
    const seen = new Set<string>()
    const visit = (path: string) => {
      if (seen.has(path)) return
      seen.add(path)
      for (const imp of outputs[path]?.imports ?? []) if (imp.kind === 'import-statement') visit(imp.path)
    }
    visit(out)
    const name = basename(meta.entryPoint).replace(/\.ts$/, '')
    // Leaflet and its glue: loaded only by a widget given map tiles.
    sizes[name === 'leaflet-map' ? 'map (on demand)' : name] = [...seen].reduce((n, p) => n + gzipSync(files.get(basename(p))!).length, 0)
  }
  return { files, sizes }
}

// Workers static assets: the files, and the headers that let any site load them as modules.
export async function writeWidgets(dir: string) {
  const { files, sizes } = await buildWidgets()
  const out = join(dir, 'widgets')
  await mkdir(out, { recursive: true })
  // Each file whole or not at all (two builds may run at once, e.g. wrangler dev and
  // deploy): written aside, then renamed. Chunk names carry their content's hash.
  const put = async (path: string, bytes: Uint8Array | string) => {
    const aside = `${path}.${process.pid}.tmp`
    await writeFile(aside, bytes)
    await rename(aside, path)
  }
  for (const [name, bytes] of files) await put(join(out, name), bytes)
  await put(
    join(dir, '_headers'),
    '/widgets/*\n  Access-Control-Allow-Origin: *\n  Cross-Origin-Resource-Policy: cross-origin\n  X-Content-Type-Options: nosniff\n  Cache-Control: public, max-age=300\n',
  )
  return sizes
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2] ?? join(HERE, '..', 'dist', 'public')
  const sizes = await writeWidgets(dir)
  for (const [name, bytes] of Object.entries(sizes)) console.log(`${name}.js\t${(bytes / 1024).toFixed(1)} KB gzip`)
}
