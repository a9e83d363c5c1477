import { createECDH } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetwork, type TestApp, testApp } from '../helpers/app.ts'

// Published vectors and payloads for the peers alerts talk to: Twilio's signature,
// a real inbound SMS, and RFC 8291's Web Push encryption example.
const DATA = '../shared/data'
const SIGNATURES = `${DATA}/twilio/twilio_signature_vectors.json`
const INBOUND = `${DATA}/twilio/inbound_sms_fr_csml_studio.json`
const RFC8291 = `${DATA}/webpush/rfc8291_appendix_a.json`
for (const path of [SIGNATURES, INBOUND, RFC8291]) if (!existsSync(path)) console.log(`skipping tests that need ${path}: absent`)

interface Vector {
  name: string
  url: string
  params: string | Record<string, string | string[]>
  signature: string
  valid: boolean
}

describe.skipIf(!existsSync(SIGNATURES))('Twilio signature vectors (twilio-node)', () => {
  const file = existsSync(SIGNATURES) ? JSON.parse(readFileSync(SIGNATURES, 'utf8')) : { vectors: [] }
  it.each((file.vectors as Vector[]).map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const params = typeof v.params === 'string' ? file[v.params] : v.params
    // The same call the webhook makes.
    expect(twilio.validateRequest(file.auth_token, v.signature, v.url, params)).toBe(v.valid)
  })
})

describe.skipIf(!existsSync(INBOUND))('a real inbound SMS payload (+33)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await testApp({ env: { TWILIO_AUTH_TOKEN: '12345', PUBLIC_BASE_URL: 'https://halte.example.org/' } })
  })
  afterAll(() => t?.close())

  it('is checked, routed by To and answered with a request for a location and 17/112/114', async () => {
    const { payload } = JSON.parse(readFileSync(INBOUND, 'utf8')) as { payload: Record<string, unknown> }
    const params = Object.fromEntries(Object.entries(payload).filter(([k, v]) => !k.startsWith('_') && typeof v === 'string')) as Record<string, string>
    await createNetwork(t, { slug: 'paris', sms_number: params.To })
    const signature = twilio.getExpectedTwilioSignature('12345', 'https://halte.example.org/webhooks/twilio/sms', params)
    const res = await t.request('/webhooks/twilio/sms', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    })
    expect(res.status).toBe(200)
    expect(await res.text()).toMatch(/<Response><Message>Urgence : appelez le 17 ou le 112, SMS au 114\. Où etes-vous \?/)
    const [alert] = await t.db.sql`select source, message from alerts`
    expect(alert).toEqual({ source: 'sms', message: 'Hello' })
  })
})

describe.skipIf(!existsSync(RFC8291))('RFC 8291 Appendix A with the encryption library web-push uses', () => {
  const v = existsSync(RFC8291) ? JSON.parse(readFileSync(RFC8291, 'utf8')) : null
  const ece = createRequire(import.meta.url)('http_ece') as {
    encrypt(b: Buffer, p: Record<string, unknown>): Buffer
    decrypt(b: Buffer, p: Record<string, unknown>): Buffer
  }
  const b = (s: string) => Buffer.from(s, 'base64url')
  const ecdh = (priv: string) => {
    const k = createECDH('prime256v1')
    k.setPrivateKey(b(priv))
    return k
  }

  it('decrypts the published body with the user agent keys', () => {
    const plain = ece.decrypt(b(v.output.body), { version: 'aes128gcm', privateKey: ecdh(v.inputs.ua_private), authSecret: b(v.inputs.auth_secret) })
    expect(plain.toString('utf8')).toBe(v.inputs.plaintext_utf8)
  })

  it('encrypts to the published body from the application server keys and salt', () => {
    const body = ece.encrypt(b(v.inputs.plaintext), {
      version: 'aes128gcm',
      privateKey: ecdh(v.inputs.as_private),
      dh: b(v.inputs.ua_public),
      authSecret: b(v.inputs.auth_secret),
      salt: b(v.inputs.salt),
      rs: v.record_size,
    })
    expect(body.toString('base64url')).toBe(v.output.body)
  })
})
