// Small Web Crypto helpers (runtime-free: Node and Workers alike).

const enc = new TextEncoder()

export function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(text))))
}

// Phone numbers are only ever matched (opt-out, rate limit), so a keyed hash per
// network is enough and a leaked table does not list who called.
export async function phoneHash(networkId: string, phone: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', enc.encode(`halte-phone:${networkId}`), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ])
  return hex(new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(normalisePhone(phone)))))
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
