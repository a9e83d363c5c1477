import { defineConfig } from 'vitest/config'

// With DATABASE_URL the suite runs on that PostgreSQL+PostGIS, each file in its own
// schema; without it, on the embedded PGlite+PostGIS, each file in its own instance.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The soak loads the whole machine for a minute: it runs alone, after the rest
    // (vitest.soak.config.ts), so that neither disturbs the other's figures or timeouts.
    exclude: ['test/soak/**', '**/node_modules/**'],
    globalSetup: ['test/setup/global.ts'],
    pool: 'forks',
    // As in production (see src/runtime/utc.ts); the hours tests also switch zones themselves.
    env: { TZ: 'UTC' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
})
