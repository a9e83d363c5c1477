import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { DocsAssets, SwaggerAsset } from '../http/docs.ts'

// swagger-ui-dist's files for /docs, read from the installed package once and kept:
// the docs page then loads nothing from another site.
export function nodeDocsAssets(): DocsAssets {
  const require = createRequire(import.meta.url)
  const cache = new Map<SwaggerAsset, Promise<Uint8Array | null>>()
  return (file) => {
    let found = cache.get(file)
    if (!found) {
      found = readFile(require.resolve(`swagger-ui-dist/${file}`)).then(
        (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
        () => null,
      )
      cache.set(file, found)
    }
    return found
  }
}
