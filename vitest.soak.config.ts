import { defineConfig } from 'vitest/config'
import base from './vitest.config.ts'

// `npm test`'s second step: the one-minute soak, alone on the machine.
export default defineConfig({ test: { ...base.test, include: ['test/soak/**/*.test.ts'], exclude: ['**/node_modules/**'] } })
