import type { Db } from '../db/types.ts'
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
}

export async function insertToken(sql: Db, row: NewTokenRow): Promise<{ id: string; token: string }> {
  const token = newToken(row.role)
  const [created] = await sql<{ id: string }[]>`
    insert into tokens (token_hash, role, network_id, place_id, vehicle, label, created_by)
    values (${await hashToken(token)}, ${row.role}, ${row.networkId}, ${row.placeId ?? null},
            ${row.vehicle ?? null}, ${row.label}, ${row.createdBy ?? null})
    returning id`
  return { id: created!.id, token }
}

export async function findPrincipalByToken(sql: Db, token: string): Promise<Principal | null> {
  const [row] = await sql<Principal[]>`
    select id as "tokenId", role, network_id as "networkId", place_id as "placeId", vehicle
    from tokens where token_hash = ${await hashToken(token)} and revoked_at is null`
  return row ?? null
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
