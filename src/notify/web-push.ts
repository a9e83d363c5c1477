import type { Agent } from 'node:https'
import webpush from 'web-push'
import type { PushSender } from './ports.ts'
import { retryable } from './ports.ts'

// Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm (RFC 8291) through the
// web-push package. Push services are reached over TLS only; a test or staging push
// service with its own CA is trusted through NODE_EXTRA_CA_CERTS or the agent given here.
export function webPushSender(o: { publicKey: string; privateKey: string; subject: string; agent?: Agent }): PushSender {
  return {
    async send(target, payload, opts) {
      try {
        const res = await webpush.sendNotification(target, payload, {
          vapidDetails: { subject: o.subject, publicKey: o.publicKey, privateKey: o.privateKey },
          TTL: opts.ttlS,
          urgency: 'high',
          contentEncoding: 'aes128gcm',
          ...(opts.topic ? { topic: opts.topic } : {}),
          ...(o.agent ? { agent: o.agent } : {}),
          timeout: 10_000,
        })
        return { ok: true, id: res.headers.location }
      } catch (e) {
        const status = (e as { statusCode?: number }).statusCode
        if (status === 404 || status === 410) return { ok: false, gone: true, retry: false, status, error: `gone (${status})` }
        if (status !== undefined) return { ok: false, retry: retryable(status), status, error: `push service answered ${status}` }
        // Network errors, timeouts, TLS failures: the push service may be back later.
        return { ok: false, retry: true, error: e instanceof Error ? e.message : String(e) }
      }
    },
  }
}

export function generateVapidKeys() {
  return webpush.generateVAPIDKeys()
}
