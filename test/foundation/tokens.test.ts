import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashToken, insertToken } from '../../src/auth/tokens.ts'
import { enqueuePush } from '../../src/notify/outbox.ts'
import { ADMIN_TOKEN, createNetwork, type TestApp, testApp } from '../helpers/app.ts'
import { runCli } from '../helpers/process.ts'

const DAY = 24 * 3600 * 1000
const START = new Date('2026-03-02T09:00:00Z')

let t: TestApp
let now = START
const clock = { now: () => now }
let lyon: { id: string; slug: string }
let nice: { id: string; slug: string }

beforeAll(async () => {
  t = await testApp({ clock })
  lyon = await createNetwork(t, { slug: 'lyon' })
  nice = await createNetwork(t, { slug: 'nice' })
})
afterAll(() => t?.close())

interface Created {
  id: string
  token: string
  expires_at: string | null
}
interface Listed {
  id: string
  role: string
  label: string
  vehicle: string | null
  place_id: string | null
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

async function issue(slug: string, body: Record<string, unknown>, token = ADMIN_TOKEN): Promise<Response> {
  return t.request(`/v1/networks/${slug}/tokens`, { method: 'POST', token, json: body })
}

async function issued(slug: string, body: Record<string, unknown>, token = ADMIN_TOKEN): Promise<Created> {
  const res = await issue(slug, body, token)
  expect(res.status, await res.clone().text()).toBe(201)
  return (await res.json()) as Created
}

const list = (slug: string, token = ADMIN_TOKEN) => t.request(`/v1/networks/${slug}/tokens`, { token })
const revoke = (slug: string, id: string, token = ADMIN_TOKEN) =>
  t.request(`/v1/networks/${slug}/tokens/${id}`, { method: 'DELETE', token })
const listed = async (slug: string) => ((await (await list(slug)).json()) as { tokens: Listed[] }).tokens
const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code

describe('token expiry', () => {
  it('a token works until its expiry, then answers 401 token_expired with WWW-Authenticate', async () => {
    now = START
    const op = await issued(lyon.slug, { role: 'operator', label: 'CSU nuit', expires_in_days: 30 })
    expect(op.expires_at).toBe(new Date(START.getTime() + 30 * DAY).toISOString())
    now = new Date(START.getTime() + 30 * DAY - 1000)
    expect((await list(lyon.slug, op.token)).status).toBe(200)
    now = new Date(START.getTime() + 30 * DAY)
    const res = await list(lyon.slug, op.token)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/)
    expect(await codeOf(res)).toBe('token_expired')
    now = START
  })

  it('expires_at sets the date; a past date or both forms are refused', async () => {
    now = START
    const at = '2026-04-01T00:00:00+02:00'
    const op = await issued(lyon.slug, { role: 'operator', label: 'Astreinte', expires_at: at })
    expect(op.expires_at).toBe(new Date(at).toISOString())
    const past = await issue(lyon.slug, { role: 'operator', label: 'x', expires_at: '2026-03-01T00:00:00Z' })
    expect(past.status).toBe(400)
    const both = await issue(lyon.slug, { role: 'operator', label: 'x', expires_at: at, expires_in_days: 3 })
    expect(both.status).toBe(400)
  })

  it('an operator cannot issue a token that outlives its own; without a date the new one ends with it', async () => {
    now = START
    const op = await issued(lyon.slug, { role: 'operator', label: 'Stagiaire', expires_in_days: 10 })
    const longer = await issue(lyon.slug, { role: 'driver', label: 'Bus 4', vehicle: 'bus-4', expires_in_days: 30 }, op.token)
    expect(longer.status).toBe(403)
    const problem = (await longer.json()) as { code: string; max_expires_at: string }
    expect(problem.code).toBe('token_outlives_creator')
    expect(problem.max_expires_at).toBe(op.expires_at)
    const later = await issue(lyon.slug, { role: 'operator', label: 'Relais', expires_at: '2027-01-01T00:00:00Z' }, op.token)
    expect(later.status).toBe(403)

    const shorter = await issued(lyon.slug, { role: 'driver', label: 'Bus 4', vehicle: 'bus-4', expires_in_days: 5 }, op.token)
    expect(shorter.expires_at).toBe(new Date(START.getTime() + 5 * DAY).toISOString())
    const inherited = await issued(lyon.slug, { role: 'driver', label: 'Bus 5', vehicle: 'bus-5' }, op.token)
    expect(inherited.expires_at).toBe(op.expires_at)

    // When the issuer expires, what it issued without a date has ended too.
    now = new Date(START.getTime() + 10 * DAY)
    expect(await codeOf(await list(lyon.slug, inherited.token))).toBe('token_expired')
    now = START
  })

  it('an operator without expiry may issue tokens without expiry', async () => {
    now = START
    const op = await issued(lyon.slug, { role: 'operator', label: 'CSU' })
    expect(op.expires_at).toBeNull()
    const driver = await issued(lyon.slug, { role: 'driver', label: 'Bus 9', vehicle: 'bus-9' }, op.token)
    expect(driver.expires_at).toBeNull()
  })
})

describe('listing and revoking', () => {
  it('a revoked token answers 401 from its next request on', async () => {
    now = START
    const op = await issued(lyon.slug, { role: 'operator', label: 'Poste 2' })
    const driver = await issued(lyon.slug, { role: 'driver', label: 'Bus 12', vehicle: 'bus-12' }, op.token)
    // Known but not allowed here: 403, not 401.
    expect((await list(lyon.slug, driver.token)).status).toBe(403)
    expect((await revoke(lyon.slug, driver.id, op.token)).status).toBe(204)
    const res = await list(lyon.slug, driver.token)
    expect(res.status).toBe(401)
    expect(await codeOf(res)).toBe('invalid_token')
    // Twice is harmless and keeps the first date.
    now = new Date(START.getTime() + DAY)
    expect((await revoke(lyon.slug, driver.id)).status).toBe(204)
    const row = (await listed(lyon.slug)).find((x) => x.id === driver.id)!
    expect(row.revoked_at).toBe(START.toISOString())
    // An operator may end its own token too.
    expect((await revoke(lyon.slug, op.id, op.token)).status).toBe(204)
    expect((await list(lyon.slug, op.token)).status).toBe(401)
    now = START
  })

  it('revoking a token forgets the push subscriptions it registered', async () => {
    now = START
    const op = await issued(lyon.slug, { role: 'operator', label: 'Téléphone perdu' })
    const kept = await issued(lyon.slug, { role: 'operator', label: 'Poste fixe' })
    for (const [token, n] of [[op.id, 1], [kept.id, 2]] as const) {
      await t.db.sql`
        insert into push_subscriptions (network_id, owner, token_id, endpoint, p256dh, auth, created_at)
        values (${lyon.id}, 'operator', ${token}, ${`https://push.example/${n}`}, 'k', 'a', ${START})`
    }
    expect((await revoke(lyon.slug, op.id)).status).toBe(204)
    const left = await t.db.sql<{ token_id: string }[]>`select token_id from push_subscriptions where network_id = ${lyon.id}`
    expect(left.map((r) => r.token_id)).toEqual([kept.id])
  })

  it("an expired operator token's subscriptions hear of no new alert", async () => {
    now = START
    const network = await createNetwork(t)
    const night = await issued(network.slug, { role: 'operator', label: 'Renfort de nuit', expires_in_days: 1 })
    const day = await issued(network.slug, { role: 'operator', label: 'CSU' })
    for (const [token, n] of [[night.id, 1], [day.id, 2]] as const) {
      await t.db.sql`
        insert into push_subscriptions (network_id, owner, token_id, endpoint, p256dh, auth, created_at)
        values (${network.id}, 'operator', ${token}, ${`https://push.example/op-${n}`}, 'k', 'a', ${START})`
    }
    const message = { networkId: network.id, alertId: null, payload: { kind: 'test' } }
    expect(await enqueuePush(t.db.sql, message, { operatorsOf: network.id }, new Date(START.getTime() + 3600_000))).toBe(2)
    expect(await enqueuePush(t.db.sql, message, { operatorsOf: network.id }, new Date(START.getTime() + 2 * DAY))).toBe(1)
  })

  it('the list shows role, label, vehicle, dates and last use, never the secret', async () => {
    now = START
    const driver = await issued(lyon.slug, { role: 'driver', label: 'Bus 30', vehicle: 'bus-30', expires_in_days: 90 })
    const before = (await listed(lyon.slug)).find((x) => x.id === driver.id)!
    expect(before).toMatchObject({
      role: 'driver',
      label: 'Bus 30',
      vehicle: 'bus-30',
      created_at: expect.any(String),
      expires_at: new Date(START.getTime() + 90 * DAY).toISOString(),
      last_used_at: null,
      revoked_at: null,
    })

    const use = async (at: number) => {
      now = new Date(START.getTime() + at)
      await list(lyon.slug, driver.token)
      return (await listed(lyon.slug)).find((x) => x.id === driver.id)!.last_used_at
    }
    expect(await use(1000)).toBe(new Date(START.getTime() + 1000).toISOString())
    // Recorded at most once a minute: uses in between write nothing.
    expect(await use(30_000)).toBe(new Date(START.getTime() + 1000).toISOString())
    expect(await use(61_000)).toBe(new Date(START.getTime() + 61_000).toISOString())

    const res = await list(lyon.slug)
    const text = await res.text()
    expect(text).not.toContain(driver.token)
    expect(text).not.toContain(driver.token.slice(-43))
    expect(text).not.toContain(await hashToken(driver.token))
    expect(text).not.toMatch(/token_hash|"token"/)
    now = START
  })

  it("an operator cannot list or revoke another network's tokens, nor an admin's", async () => {
    now = START
    const lyonOp = await issued(lyon.slug, { role: 'operator', label: 'CSU Lyon' })
    const niceOp = await issued(nice.slug, { role: 'operator', label: 'CSU Nice' })
    const admin = await insertToken(t.db.sql, { role: 'admin', label: 'Exploitant', networkId: null })

    for (const res of [await list(nice.slug, lyonOp.token), await revoke(nice.slug, niceOp.id, lyonOp.token)]) {
      expect(res.status).toBe(403)
      expect(await codeOf(res)).toBe('wrong_network')
    }
    // Through its own network's address, another network's token or an admin's is not there.
    expect((await revoke(lyon.slug, niceOp.id, lyonOp.token)).status).toBe(404)
    expect((await revoke(lyon.slug, admin.id, lyonOp.token)).status).toBe(404)
    const ids = (await listed(lyon.slug)).map((x) => x.id)
    expect(ids).toContain(lyonOp.id)
    expect(ids).not.toContain(niceOp.id)
    expect(ids).not.toContain(admin.id)

    expect((await list(nice.slug, niceOp.token)).status).toBe(200)
    expect((await list(lyon.slug, admin.token)).status).toBe(200)
  })

  it('partner tokens, issued at application, are listed and revoked like the others', async () => {
    now = START
    const res = await t.request(`/v1/networks/${lyon.slug}/applications`, {
      method: 'POST',
      json: {
        name: 'Bar du Port',
        kind: 'bar',
        address: '3 quai Saint-Antoine, Lyon',
        location: { lat: 45.7625, lon: 4.8306 },
        opening_hours: 'Mo-Su 10:00-02:00',
        contact_name: 'Camille',
        charter_accepted: true,
      },
    })
    expect(res.status, await res.clone().text()).toBe(201)
    const { id: placeId, partner_token } = (await res.json()) as { id: string; partner_token: string }
    const row = (await listed(lyon.slug)).find((x) => x.role === 'partner' && x.label === 'Bar du Port')!
    expect(row).toMatchObject({ place_id: placeId, revoked_at: null })
    expect((await t.request('/v1/partner/place', { token: partner_token })).status).toBe(200)
    expect((await revoke(lyon.slug, row.id)).status).toBe(204)
    expect((await t.request('/v1/partner/place', { token: partner_token })).status).toBe(401)
  })
})

describe('halte token (command line)', () => {
  const env = () => ({ DATABASE_URL: t.db.url, HALTE_DB_SCHEMA: t.db.schema, LOG_LEVEL: 'warn' })

  it('creates a token with an expiry, lists it without its secret, and revokes it', async () => {
    now = new Date()
    const create = runCli(['token', 'create', '--role', 'operator', '--network', 'nice', '--label', 'CLI', '--expires-in', '30d'], env())
    expect(await create.exited, create.output()).toBe(0)
    const token = create.output().trim().split('\n').at(-1)!
    expect(token).toMatch(/^halte_operator_/)
    expect((await list(nice.slug, token)).status).toBe(200)

    const ls = runCli(['token', 'list', '--network', 'nice'], env())
    expect(await ls.exited, ls.output()).toBe(0)
    const out = ls.output()
    expect(out).not.toContain(token.slice(-43))
    const rows = JSON.parse(out.slice(out.indexOf('['))) as Listed[]
    const mine = rows.find((r) => r.label === 'CLI')!
    expect(mine.last_used_at).not.toBeNull()
    const lifetime = new Date(mine.expires_at!).getTime() - new Date(mine.created_at).getTime()
    expect(Math.abs(lifetime - 30 * DAY)).toBeLessThan(60_000)
    expect(rows.every((r) => r.role !== 'admin')).toBe(true)

    const rv = runCli(['token', 'revoke', mine.id], env())
    expect(await rv.exited, rv.output()).toBe(0)
    expect((await list(nice.slug, token)).status).toBe(401)

    const unknown = runCli(['token', 'revoke', crypto.randomUUID()], env())
    expect(await unknown.exited).toBe(1)
    expect(unknown.output()).toMatch(/No token/)
  })

  it('refuses an expiry it cannot read', async () => {
    const bad = runCli(['token', 'create', '--role', 'admin', '--label', 'x', '--expires-in', 'soon'], env())
    expect(await bad.exited).toBe(1)
    expect(bad.output()).toMatch(/--expires-in .*30d/)
  })
})
