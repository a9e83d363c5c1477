import { z } from '@hono/zod-openapi'

const base64urlBytes = (n: number, what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `${what}: base64url`)
    .refine((v) => decodedLength(v) === n, `${what}: must decode to ${n} bytes`)

function decodedLength(v: string) {
  const s = v.replace(/=+$/, '')
  return Math.floor((s.length * 3) / 4)
}

// RFC 8291: p256dh is an uncompressed P-256 point (65 bytes), auth a 16-byte secret.
// Which endpoints are accepted (public https push services only) depends on the
// configuration: insertSubscription checks it and answers invalid_push_endpoint.
export const pushSubscriptionSchema = z
  .object({
    endpoint: z
      .string()
      .max(2048)
      .refine((v) => URL.canParse(v), 'endpoint: a URL')
      .openapi({ description: 'The push service URL the browser gave: https, a public host, the default port, no credentials.' }),
    expirationTime: z.number().nullable().optional(),
    keys: z.object({ p256dh: base64urlBytes(65, 'p256dh'), auth: base64urlBytes(16, 'auth') }),
  })
  .openapi('PushSubscription')
