import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { runCli } from '../helpers/process.ts'

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({ PORT: 8787, HALTE_DATA_DIR: './.halte', LOG_LEVEL: 'info', HALTE_DB_POOL: 10 })
    expect(c.DATABASE_URL).toBeUndefined()
  })

  it('names every wrong variable', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', HALTE_ADMIN_TOKEN: 'short', HALTE_DB_POOL: '0' })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      const vars = (e as ConfigError).issues.map((i) => i.variable).sort()
      expect(vars).toEqual(['DATABASE_URL', 'HALTE_ADMIN_TOKEN', 'HALTE_DB_POOL', 'LOG_LEVEL', 'PORT'])
      expect((e as Error).message).toMatch(/PORT: /)
    }
  })

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', HALTE_ADMIN_TOKEN: '' }).DATABASE_URL).toBeUndefined()
  })

  it('a wrong variable stops `halte serve` with a message naming it', async () => {
    const child = runCli(['serve'], { PORT: '99999', DATABASE_URL: undefined, HALTE_DATA_DIR: '/nonexistent' })
    expect(await child.exited).toBe(1)
    expect(child.output()).toMatch(/PORT: .*65535/)
    expect(child.output()).not.toMatch(/listening/)
  })
})
