// Ports through which the outbox reaches people. Real adapters live beside them
// (web-push.ts, twilio.ts); the doubles here let tests and dry runs see what was sent.

export interface PushTarget {
  endpoint: string
  keys: { p256dh: string; auth: string }
}

export type SendResult =
  | { ok: true; id?: string }
  // gone: the recipient no longer exists (push 404/410): drop it, never retry.
  // retryAfterS: the peer asked for a pause (HTTP Retry-After); never retried sooner.
  | { ok: false; gone?: boolean; retry: boolean; status?: number; error: string; retryAfterS?: number }

export interface PushSender {
  send(target: PushTarget, payload: string, opts: { ttlS: number; topic?: string }): Promise<SendResult>
}

export interface SmsSender {
  // idempotencyKey is stable per outbox row so a peer that deduplicates can.
  send(msg: { from: string; to: string; body: string; idempotencyKey: string }): Promise<SendResult>
}

export interface Sent<T> {
  target: T
  payload: string
}

export function recordingPush(answer: (t: PushTarget) => SendResult = () => ({ ok: true })) {
  const sent: Sent<PushTarget>[] = []
  const sender: PushSender = {
    async send(target, payload) {
      const result = answer(target)
      if (result.ok) sent.push({ target, payload })
      return result
    },
  }
  return { sender, sent }
}

export function recordingSms(answer: () => SendResult = () => ({ ok: true })) {
  const sent: { from: string; to: string; body: string; idempotencyKey: string }[] = []
  const sender: SmsSender = {
    async send(msg) {
      const result = answer()
      if (result.ok) sent.push(msg)
      return result
    },
  }
  return { sender, sent }
}

// Push services and Twilio say "slow down" or "try later" with these.
// Retry-After as seconds, from either form HTTP allows (delay or date); at most an hour,
// so a peer's mistake cannot park a message for days.
export function retryAfterSeconds(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined
  const v = value.trim()
  const s = /^\d+$/.test(v) ? Number(v) : (Date.parse(v) - now.getTime()) / 1000
  return Number.isFinite(s) ? Math.min(3600, Math.max(0, Math.ceil(s))) : undefined
}

export const retryable = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500
