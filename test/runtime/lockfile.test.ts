import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// `npm ci` is how a city's deployment installs halte: it refuses a lockfile out of step
// with package.json (npm 11 also wants every optional platform package listed).
describe('lockfile', () => {
  it('npm ci accepts package-lock.json as committed', async () => {
    const { stdout, stderr } = await promisify(execFile)('npm', ['ci', '--dry-run', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: process.cwd(),
      env: { ...process.env, npm_config_loglevel: 'error' },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((e: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`npm ci refused the lockfile: ${e.stderr ?? ''}${e.stdout ?? ''}${e.message}`)
    })
    expect(`${stdout}${stderr}`).not.toMatch(/not in sync|missing from lock/i)
  }, 120_000)
})
