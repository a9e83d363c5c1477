import { promises as dns, type LookupAddress } from 'node:dns'
import { Agent } from 'node:https'
import type { LookupFunction } from 'node:net'
import webpush from 'web-push'
import { allowedHostKeys, checkPushEndpoint, isPublicAddress } from './endpoint.ts'
import type { PushSender } from './ports.ts'
import { retryable, retryAfterSeconds } from './ports.ts'

// How a host name becomes addresses; tests give their own.
export type Resolve = (host: string) => Promise<LookupAddress[]>

const systemResolve: Resolve = (host) => dns.lookup(host, { all: true, verbatim: true })

class NonPublicAddress extends Error {
  constructor(host: string, address: string) {
    super(`push endpoint refused: ${host} resolves to ${address}, not a public address; not connected`)
    this.name = 'NonPublicAddress'
  }
}

// The address check runs inside the connection's own lookup, so the addresses checked
// are the ones connected to: a name cannot answer one address to the check and another
// to the connection (DNS rebinding). A name with any non-public address is refused
// whole, since the connection may try each of them.
function guardedLookup(resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname)
      .then((found) => {
        const family = options.family === 4 || options.family === 6 ? options.family : options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : 0
        const addresses = family ? found.filter((a) => a.family === family) : found
        const bad = found.find((a) => !isPublicAddress(a.address))
        if (bad) throw new NonPublicAddress(hostname, bad.address)
        const [first] = addresses
        if (!first) throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' })
        if (options.all) callback(null, addresses)
        else callback(null, first.address, first.family)
      })
      .catch((err: NodeJS.ErrnoException) => callback(err, ''))
  }
}

// Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm (RFC 8291) through the
// web-push package. Push services are reached over TLS only; a test or staging push
// service with its own CA is trusted through NODE_EXTRA_CA_CERTS or `ca`, and must be
// listed in allowedHosts (HALTE_PUSH_ALLOWED_HOSTS) since it is not public.
export function webPushSender(o: {
  publicKey: string
  privateKey: string
  subject: string
  allowedHosts?: readonly string[]
  ca?: string | Buffer
  resolve?: Resolve
}): PushSender {
  const allowed = allowedHostKeys(o.allowedHosts ?? [])
  const tls = o.ca ? { ca: o.ca } : {}
  const guarded = new Agent({ keepAlive: true, ...tls, lookup: guardedLookup(o.resolve ?? systemResolve) })
  // Only for the hosts the operator listed: those are non-public on purpose.
  const trusted = new Agent({ keepAlive: true, ...tls })
  // A VAPID token signs the push service's origin and an expiry, nothing of the message:
  // one per origin for 12 hours (RFC 8292 allows 24) rather than an ECDSA signature per
  // push, which held up the drain after an outage (1,300 messages queued, soak).
  const tokens = new Map<string, { authorization: string; until: number }>()
  const authorization = (origin: string) => {
    const now = Math.floor(Date.now() / 1000)
    let t = tokens.get(origin)
    if (!t || t.until - now < 3600) {
      const headers = webpush.getVapidHeaders(origin, o.subject, o.publicKey, o.privateKey, 'aes128gcm', now + 12 * 3600)
      t = { authorization: headers.Authorization, until: now + 12 * 3600 }
      tokens.set(origin, t)
    }
    return t.authorization
  }
  return {
    async send(target, payload, opts) {
      // Rows stored before endpoints were checked, or under another allowed list, are
      // refused here too. A refusal is final: retrying would only refuse again.
      const checked = checkPushEndpoint(target.endpoint, allowed)
      if (!checked.ok) return { ok: false, retry: false, error: `push endpoint refused: ${checked.reason.en}; not connected` }
      try {
        // The parsed form goes on, so web-push's own URL parsing sees the host that was checked.
        const res = await webpush.sendNotification({ ...target, endpoint: checked.url.href }, payload, {
          // The token is ours (above); without vapidDetails web-push adds none of its own
          // (halte never sets its global VAPID details).
          headers: { Authorization: authorization(checked.url.origin) },
          TTL: opts.ttlS,
          urgency: 'high',
          contentEncoding: 'aes128gcm',
          ...(opts.topic ? { topic: opts.topic } : {}),
          agent: checked.allowed ? trusted : guarded,
          timeout: 10_000,
        })
        return { ok: true, id: res.headers.location }
      } catch (e) {
        if (e instanceof NonPublicAddress) return { ok: false, retry: false, error: e.message }
        const status = (e as { statusCode?: number }).statusCode
        if (status === 404 || status === 410) return { ok: false, gone: true, retry: false, status, error: `gone (${status})` }
        if (status !== undefined) {
          const retryAfterS = retryAfterSeconds((e as { headers?: Record<string, string> }).headers?.['retry-after'], new Date())
          return { ok: false, retry: retryable(status), status, error: `push service answered ${status}`, ...(retryAfterS === undefined ? {} : { retryAfterS }) }
        }
        // Network errors, timeouts, TLS failures: the push service may be back later.
        return { ok: false, retry: true, error: e instanceof Error ? e.message : String(e) }
      }
    },
  }
}

export function generateVapidKeys() {
  return webpush.generateVAPIDKeys()
}
