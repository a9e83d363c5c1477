import type { WidgetAssets } from '../app.ts'

// The widgets, bundled in memory once, on the first request for one: `npm start` serves
// them with no build step, and the bundle always matches the sources beside it.
export function nodeWidgetAssets(onError: (err: unknown) => void): WidgetAssets {
  let built: Promise<Map<string, Uint8Array>> | undefined
  return async (file) => {
    built ??= import('../../widgets/build.ts').then(
      (m) => m.buildWidgets().then((r) => r.files),
      (err: unknown) => {
        onError(err)
        built = undefined
        return new Map()
      },
    )
    return (await built).get(file) ?? null
  }
}
