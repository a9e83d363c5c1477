import { createECDH, randomBytes } from 'node:crypto'
import type { TestApp } from '../helpers/app.ts'

// An active refuge at a given point, through the public application and moderation.
export async function activePlace(
  t: TestApp,
  slug: string,
  operator: string,
  o: { lat: number; lon: number; name?: string; hours?: string; address?: string },
) {
  const res = await t.request(`/v1/networks/${slug}/applications`, {
    method: 'POST',
    json: {
      name: o.name ?? `Refuge ${randomBytes(3).toString('hex')}`,
      kind: 'bar',
      address: o.address ?? '1 rue de la Paix',
      location: { lat: o.lat, lon: o.lon },
      opening_hours: o.hours ?? '24/7',
      contact_name: 'Camille',
      charter_accepted: true,
    },
  })
  if (res.status !== 201) throw new Error(`application failed: ${res.status} ${await res.text()}`)
  const { id, partner_token } = (await res.json()) as { id: string; partner_token: string }
  const ok = await t.request(`/v1/networks/${slug}/places/${id}/approve`, { method: 'POST', token: operator })
  if (ok.status !== 200) throw new Error(`approve failed: ${ok.status} ${await ok.text()}`)
  return { id, token: partner_token }
}

// A browser-like subscription: real P-256 keys, so a real library can encrypt to it.
export function subscription(endpoint = `https://push.example.net/send/${randomBytes(8).toString('hex')}`) {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  return {
    endpoint,
    keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') },
  }
}

export { readSse } from '../helpers/sse.ts'
