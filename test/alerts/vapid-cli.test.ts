import webpush from 'web-push'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/process.ts'

describe('npx halte vapid', () => {
  it('prints a key pair that web-push accepts, as environment lines', async () => {
    const child = runCli(['vapid'], { DATABASE_URL: undefined })
    expect(await child.exited).toBe(0)
    const env = Object.fromEntries(
      child
        .output()
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('VAPID_'))
        .map((l) => l.split('=') as [string, string]),
    )
    expect(Buffer.from(env.VAPID_PUBLIC_KEY!, 'base64url')).toHaveLength(65)
    expect(Buffer.from(env.VAPID_PRIVATE_KEY!, 'base64url')).toHaveLength(32)
    const headers = webpush.getVapidHeaders('https://push.example.net', 'mailto:csu@example.org', env.VAPID_PUBLIC_KEY!, env.VAPID_PRIVATE_KEY!, 'aes128gcm')
    expect(headers.Authorization).toMatch(/^vapid t=.+, k=/)
  })
})
