import twilio from 'twilio'
import type { SmsSender } from './ports.ts'
import type RequestClient from 'twilio/lib/base/RequestClient.js'

type RequestOptions<T> = RequestClient.RequestOptions<T>
import { retryable } from './ports.ts'

const TWILIO_API = 'https://api.twilio.com'

// The twilio client has no base-URL option: its HTTP client rewrites the request URI
// so staging and tests can point it at their own peer (TWILIO_API_URL).
class RedirectingClient extends twilio.RequestClient {
  constructor(private readonly base: string) {
    super()
  }
  override request<T>(opts: RequestOptions<T>) {
    const uri = opts.uri.startsWith(TWILIO_API) ? this.base.replace(/\/$/, '') + opts.uri.slice(TWILIO_API.length) : opts.uri
    return super.request<T>({ ...opts, uri })
  }
}

export function twilioSender(o: { accountSid: string; authToken: string; apiUrl?: string }): SmsSender {
  const client = twilio(o.accountSid, o.authToken, o.apiUrl ? { httpClient: new RedirectingClient(o.apiUrl) } : {})
  return {
    async send(msg) {
      try {
        const m = await client.messages.create({ from: msg.from, to: msg.to, body: msg.body })
        return { ok: true, id: m.sid }
      } catch (e) {
        const status = (e as { status?: number }).status
        if (typeof status === 'number') return { ok: false, retry: retryable(status), status, error: `twilio answered ${status}` }
        return { ok: false, retry: true, error: e instanceof Error ? e.message : String(e) }
      }
    },
  }
}
