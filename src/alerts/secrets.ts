// Small Web Crypto helpers (runtime-free: Node and Workers alike).

const enc = new TextEncoder()

export function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(text))))
}

// Phone numbers are only ever matched (opt-out, the same person texting again, rate
// limits), so a keyed hash is all that is stored. The key is a server secret: keyed
// with anything public (the network's id, as before) a copy of the database gives the
// numbers back by trying every one (a million in seconds). The network stays in the
// message so that one phone is not linkable across networks.
export async function phoneHash(secret: string, networkId: string, phone: string): Promise<string> {
  return hmacHex(secret, `halte-phone:${networkId}:${normalisePhone(phone)}`)
}

// How hashes made before the secret existed were keyed; only ever matched, so that an
// opt-out given then is still honoured, and re-keyed at once (see rekeyPhone).
export async function legacyPhoneHash(networkId: string, phone: string): Promise<string> {
  return hmacHex(`halte-phone:${networkId}`, normalisePhone(phone))
}

export interface HashSecrets {
  current: string
  previous?: string | undefined
}

// On Node the runtime fills HALTE_HASH_SECRET in (from a file of its own when unset);
// on Workers it is a secret binding. Without it nothing can be matched safely.
export function hashSecrets(config: { HALTE_HASH_SECRET?: string | undefined; HALTE_HASH_SECRET_PREVIOUS?: string | undefined }): HashSecrets {
  if (!config.HALTE_HASH_SECRET) throw new Error('HALTE_HASH_SECRET is not set: phone numbers cannot be hashed')
  return { current: config.HALTE_HASH_SECRET, previous: config.HALTE_HASH_SECRET_PREVIOUS }
}

// The hash to store, and those an older row may carry for the same phone: under the
// previous secret while a rotation runs, and under the legacy scheme.
export async function phoneHashes(secrets: HashSecrets, networkId: string, phone: string): Promise<{ current: string; older: string[] }> {
  const current = await phoneHash(secrets.current, networkId, phone)
  const older = [await legacyPhoneHash(networkId, phone)]
  if (secrets.previous && secrets.previous !== secrets.current) older.unshift(await phoneHash(secrets.previous, networkId, phone))
  return { current, older }
}

async function hmacHex(key: string, text: string): Promise<string> {
  const k = await crypto.subtle.importKey('raw', enc.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return hex(new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(text))))
}

export function normalisePhone(phone: string): string {
  return phone.replace(/[^\d+]/g, '')
}

// Canonical JSON (sorted keys) so that the same body always hashes the same.
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

async function sealKey(secret: string) {
  const raw = await crypto.subtle.digest('SHA-256', enc.encode(`halte-seal:${secret}`))
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
}

export async function seal(secret: string, text: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const data = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await sealKey(secret), enc.encode(text)))
  return `${b64(iv)}.${b64(data)}`
}

export async function unseal(secret: string, sealed: string): Promise<string> {
  const [iv = '', data = ''] = sealed.split('.')
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: unb64(iv) }, await sealKey(secret), unb64(data))
  return new TextDecoder().decode(plain)
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
const unb64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0))
