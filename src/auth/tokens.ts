import type { Db } from '../db/types.ts'
import { HalteError } from '../errors.ts'
import { resolveSectors } from '../sectors/queries.ts'
import type { Principal, Role } from './principal.ts'

// Tokens: "halte_<role>_<43 chars of base64url>", 256 random bits. Only their SHA-256
// is stored; the clear token is returned once, at creation.

export function newToken(role: Role): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return `halte_${role}_${base64url(bytes)}`
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))
  return hex(new Uint8Array(digest))
}

// Compare two secrets without leaking where they differ: both are hashed first so the
// comparison runs over equal lengths whatever the inputs.
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([hashToken(a), hashToken(b)])
  let diff = 0
  for (let i = 0; i < ha.length; i++) diff |= ha.charCodeAt(i) ^ hb.charCodeAt(i)
  return diff === 0
}

export interface NewTokenRow {
  role: Role
  label: string
  networkId: string | null
  placeId?: string | null
  vehicle?: string | null
  createdBy?: string | null
  expiresAt?: Date | null
}

export async function insertToken(
  sql: Db,
  row: NewTokenRow,
): Promise<{ id: string; token: string; expiresAt: Date | null }> {
  const token = newToken(row.role)
  const [created] = await sql<{ id: string }[]>`
    insert into tokens (token_hash, role, network_id, place_id, vehicle, label, created_by, expires_at)
    values (${await hashToken(token)}, ${row.role}, ${row.networkId}, ${row.placeId ?? null},
            ${row.vehicle ?? null}, ${row.label}, ${row.createdBy ?? null}, ${row.expiresAt ?? null})
    returning id`
  return { id: created!.id, token, expiresAt: row.expiresAt ?? null }
}

// How stale last_used_at may get. A city needs to know which tokens still serve, to the
// day rather than the millisecond; writing it on every request would turn each
// authenticated read (a driver's position every few seconds) into a write.
export const LAST_USE_RESOLUTION_MS = 60_000

interface TokenRow {
  tokenId: string
  role: Role
  networkId: string | null
  placeId: string | null
  vehicle: string | null
  expiresAt: Date | null
  lastUsedAt: Date | null
}

// The principal a token stands for, 'expired' for a token past its date, null for an
// unknown or revoked one. Records the use when the last record is a minute old.
export async function findPrincipalByToken(sql: Db, token: string, now: Date): Promise<Principal | 'expired' | null> {
  const [row] = await sql<TokenRow[]>`
    select id as "tokenId", role, network_id as "networkId", place_id as "placeId", vehicle,
           expires_at as "expiresAt", last_used_at as "lastUsedAt"
    from tokens where token_hash = ${await hashToken(token)} and revoked_at is null`
  if (!row) return null
  const expiresAt = row.expiresAt ? new Date(row.expiresAt) : null
  if (expiresAt && expiresAt.getTime() <= now.getTime()) return 'expired'
  if (!row.lastUsedAt || now.getTime() - new Date(row.lastUsedAt).getTime() >= LAST_USE_RESOLUTION_MS) {
    // The guard repeats the check in the database, so instances that race on the same
    // token write once between them.
    await sql`
      update tokens set last_used_at = ${now}
      where id = ${row.tokenId}
        and (last_used_at is null or last_used_at <= ${new Date(now.getTime() - LAST_USE_RESOLUTION_MS)})`
  }
  return {
    role: row.role,
    tokenId: row.tokenId,
    networkId: row.networkId,
    placeId: row.placeId,
    vehicle: row.vehicle,
    expiresAt,
  }
}

// A token never outlives the token that issued it, or a leaked short-lived operator
// token could mint itself a permanent heir. Without an asked date, the new token ends
// with its issuer. An issuer without expiry (the configured admin token, or an operator
// token the city chose to keep open) may issue tokens without expiry: a driver's tablet
// or a supervision screen that stops at a date nobody chose, in the middle of a night
// shift, would do more harm than a long-lived token that can be listed and revoked.
export function grantedExpiry(issuer: Principal, asked: Date | null, now: Date): Date | null {
  if (asked && asked.getTime() <= now.getTime()) {
    throw new HalteError(
      400,
      'validation_failed',
      { fr: 'La date d’expiration est déjà passée.', en: 'The expiry date is already past.' },
      { errors: [{ path: 'expires_at', message: 'must be in the future' }] },
    )
  }
  const limit = issuer.expiresAt ?? null
  if (!limit) return asked
  if (!asked) return limit
  if (asked.getTime() > limit.getTime()) {
    throw new HalteError(
      403,
      'token_outlives_creator',
      {
        fr: `Ce jeton expire le ${limit.toISOString()} : il ne peut pas créer de jeton valable plus longtemps.`,
        en: `This token expires at ${limit.toISOString()}: it cannot issue a token that lasts longer.`,
      },
      { extra: { max_expires_at: limit.toISOString() } },
    )
  }
  return asked
}

export interface TokenInfo {
  id: string
  role: Role
  network_id: string | null
  label: string
  vehicle: string | null
  place_id: string | null
  created_at: string
  created_by: string | null
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
  // Mediator and police tokens: their sectors' names (empty: the whole network).
  sectors?: string[]
}

type TokenInfoRow = Omit<TokenInfo, 'created_at' | 'expires_at' | 'last_used_at' | 'revoked_at' | 'sectors'> & {
  sectors?: string[] | null
  created_at: Date
  expires_at: Date | null
  last_used_at: Date | null
  revoked_at: Date | null
}

// Never the hash: a listing shows what a token is for and whether it still serves.
const infoColumns = (sql: Db) => sql`
  id, role, network_id, label, vehicle, place_id, created_by, created_at, expires_at, last_used_at, revoked_at`

// Dates as the token's creation answer gives them, to the millisecond in UTC.
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString())
const toInfo = ({ sectors, ...r }: TokenInfoRow): TokenInfo => ({
  ...r,
  ...(sectors ? { sectors } : {}),
  created_at: iso(r.created_at)!,
  expires_at: iso(r.expires_at),
  last_used_at: iso(r.last_used_at),
  revoked_at: iso(r.revoked_at),
})

// networkId undefined lists every token, admin ones included (the command line only).
export async function listTokens(sql: Db, networkId?: string): Promise<TokenInfo[]> {
  const rows = await sql<TokenInfoRow[]>`
    select ${infoColumns(sql)},
      case when role in ('mediator', 'police') then (
        select coalesce(json_agg(s.name order by s.name), '[]'::json) from token_sectors ts join sectors s on s.id = ts.sector_id
        where ts.token_id = tokens.id) end as sectors
    from tokens
    where ${networkId === undefined ? sql`true` : sql`network_id = ${networkId}`}
    order by created_at, id`
  return rows.map(toInfo)
}

// Revoking twice keeps the first date. networkId, when given, confines the revocation to
// that network's tokens, so a network's operator never reaches an admin or a stranger.
// The push subscriptions the token registered go with it: a lost phone must stop
// hearing of alerts, and where they are, the moment its token is revoked.
export async function revokeToken(
  sql: Db,
  id: string,
  opts: { networkId?: string; now: Date; by?: string | null },
): Promise<TokenInfo | null> {
  const scope = opts.networkId === undefined ? sql`true` : sql`network_id = ${opts.networkId}`
  const [row] = await sql<TokenInfoRow[]>`
    with revoked as (
      update tokens set revoked_at = coalesce(revoked_at, ${opts.now}),
                        revoked_by = case when revoked_at is null then ${opts.by ?? null}::uuid else revoked_by end
      where id = ${id} and ${scope}
      returning ${infoColumns(sql)}
    ), forgotten as (
      delete from push_subscriptions s using revoked r
      where s.token_id = r.id and s.owner in ('place', 'operator', 'field')
    )
    select * from revoked`
  return row ? toInfo(row) : null
}

// The sectors a field token is scoped to, by name or id; one that matches none is refused.
export async function sectorsNamed(sql: Db, networkId: string, refs: string[]) {
  const { found, unknown } = await resolveSectors(sql, networkId, refs)
  if (unknown.length) {
    throw new HalteError(
      422,
      'unknown_sector',
      { fr: `Secteur(s) inconnu(s) dans ce réseau : ${unknown.join(', ')}.`, en: `No such sector in this network: ${unknown.join(', ')}.` },
      { errors: [{ path: 'sectors', message: `unknown: ${unknown.join(', ')}` }], extra: { unknown } },
    )
  }
  return found
}

function hex(bytes: Uint8Array) {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
}

function base64url(bytes: Uint8Array) {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}
