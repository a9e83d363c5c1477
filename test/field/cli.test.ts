import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, createToken, type TestApp, testApp } from '../helpers/app.ts'
import { runCli } from '../helpers/process.ts'
import { importSectors } from './fixtures.ts'

// `halte token create --role mediator --sectors A,B`: the same scoping as the API.
let t: TestApp
const env = () => ({ DATABASE_URL: t.db.url, HALTE_DB_SCHEMA: t.db.schema, LOG_LEVEL: 'warn' })

beforeAll(async () => {
  t = await testApp()
  await createNetwork(t, { slug: 'lille' })
  const operator = await createToken(t, 'lille', { role: 'operator', label: 'CSU' })
  expect((await importSectors(t, 'lille', operator)).status).toBe(200)
})
afterAll(async () => {
  await t?.close()
})

describe('halte token create for field roles', () => {
  it('scopes a mediator token to the sectors named', async () => {
    const create = runCli(['token', 'create', '--role', 'mediator', '--network', 'lille', '--label', 'Médiatrice CLI', '--sectors', 'Centre, port'], env())
    expect(await create.exited, create.output()).toBe(0)
    const token = create.output().trim().split('\n').at(-1)!
    expect(token).toMatch(/^halte_mediator_/)
    const duty = await t.request('/v1/field/duty', { token })
    expect(((await duty.json()) as { sectors: string[] }).sectors).toEqual(['Centre', 'Port'])
  })

  it('a police token without sectors covers the whole network', async () => {
    const create = runCli(['token', 'create', '--role', 'police', '--network', 'lille', '--label', 'PM CLI'], env())
    expect(await create.exited, create.output()).toBe(0)
    const token = create.output().trim().split('\n').at(-1)!
    expect(((await (await t.request('/v1/field/duty', { token })).json()) as { sectors: string[] }).sectors).toEqual([])
  })

  it('refuses an unknown sector, and sectors on another role, creating nothing', async () => {
    const unknown = runCli(['token', 'create', '--role', 'mediator', '--network', 'lille', '--label', 'X1', '--sectors', 'Lune'], env())
    expect(await unknown.exited).toBe(1)
    expect(unknown.output()).toContain('No sector "Lune"')
    const operator = runCli(['token', 'create', '--role', 'operator', '--network', 'lille', '--label', 'X2', '--sectors', 'Centre'], env())
    expect(await operator.exited).toBe(1)
    expect(operator.output()).toContain('--sectors is for mediator and police tokens only')
    const [n] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from tokens where label in ('X1', 'X2')`
    expect(n!.n).toBe(0)
  })
})
