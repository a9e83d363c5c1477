export {}

// `npm run bench [-- name …]`: runs the named benchmarks (all by default); each prints its figures.
const BENCHES: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  foundation: () => import('./foundation.ts'),
  nearest: () => import('./nearest.ts'),
  hours: () => import('./hours.ts'),
  feed: () => import('./feed.ts'),
  alerts: () => import('./alerts.ts'),
  widgets: () => import('./widgets.ts'),
  coverage: () => import('./coverage.ts'),
  stats: () => import('./stats.ts'),
  soak: () => import('./soak/index.ts'),
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
// The soak runs for ten minutes: only when asked by name.
const names = wanted.length ? wanted : Object.keys(BENCHES).filter((n) => n !== 'soak')
for (const name of names) {
  const bench = BENCHES[name]
  if (!bench) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}`)
    process.exit(2)
  }
  console.log(`\n# ${name}`)
  await (await bench()).run()
}
process.exit(0)
