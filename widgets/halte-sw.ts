// The partner screen's service worker: it shows halte's alert pushes as notifications
// and opens (or brings forward) the partner page when one is tapped. No imports: it is
// served as a classic script, the kind every browser accepts as a service worker.

// Only the few worker APIs used here, typed locally: the project compiles with the DOM
// library, which cannot be mixed with the WebWorker one in one program.
interface WindowClientLike {
  url: string
  focus(): Promise<unknown>
  navigate?(url: string): Promise<unknown>
}
interface ExtendableEventLike extends Event {
  waitUntil(p: Promise<unknown>): void
}
interface PushEventLike extends ExtendableEventLike {
  data: { json(): unknown; text(): string } | null
}
interface NotificationEventLike extends ExtendableEventLike {
  notification: Notification & { data: { url?: string } | null }
}
interface WorkerScope {
  location: Location
  registration: ServiceWorkerRegistration
  clients: {
    matchAll(o: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClientLike[]>
    openWindow(url: string): Promise<unknown>
    claim(): Promise<void>
  }
  skipWaiting(): Promise<void>
  addEventListener(type: string, fn: (e: never) => void): void
}

const sw = self as unknown as WorkerScope

interface Payload {
  title?: string
  body?: string
  url?: string
  type?: string
  alert_id?: string
  network?: string
  lang?: string
  // A message of the city to its partners (type 'broadcast').
  broadcast_id?: string
  message?: string
  // A resident's report in a mediator's or police officer's sector (type 'report'): its
  // kind only; what it says is read in the console.
  report_id?: string
  category?: { fr?: string; en?: string }
}

sw.addEventListener('install', () => void sw.skipWaiting())
sw.addEventListener('activate', (e: ExtendableEventLike) => e.waitUntil(sw.clients.claim()))

sw.addEventListener('push', (e: PushEventLike) => {
  let p: Payload = {}
  try {
    p = (e.data?.json() as Payload) ?? {}
  } catch {
    p = { body: e.data?.text() }
  }
  const en = p.lang === 'en' || (!p.lang && typeof navigator !== 'undefined' && navigator.language?.startsWith('en'))
  // halte's alert payloads carry no title: say plainly what it is and what to do. A
  // broadcast is the city's own words, shown as they are.
  const broadcast = p.type === 'broadcast'
  const report = p.type === 'report'
  const kind = (en ? p.category?.en : p.category?.fr) ?? p.category?.fr ?? ''
  const title =
    p.title ??
    (report
      ? en
        ? 'halte: new report in your sector'
        : 'halte : nouveau signalement dans votre secteur'
      : broadcast
      ? en
        ? 'halte: message from the city'
        : 'halte : message de la ville'
      : en
        ? 'halte: someone near your venue needs help'
        : 'halte : une personne a besoin d’aide près de chez vous')
  const body =
    p.body ??
    (report
      ? en
        ? `${kind ? `${kind}. ` : ''}Open the console to read it and say you are on it.`
        : `${kind ? `${kind}. ` : ''}Ouvrez la console pour le lire et le prendre en charge.`
      : broadcast
      ? `${en ? 'Message from the city: ' : 'Message de la ville : '}${p.message ?? ''}`
      : en
        ? 'Open the partner space to say you are on it.'
        : 'Ouvrez l’espace partenaire pour dire « Je m’en occupe ».')
  const url = new URL(p.url ?? `/partner${p.network ? `?network=${encodeURIComponent(p.network)}` : ''}`, sw.location.origin).href
  e.waitUntil(
    sw.registration.showNotification(title, {
      body,
      tag: p.alert_id ?? p.broadcast_id ?? p.report_id ?? 'halte',
      requireInteraction: true,
      data: { url },
    }),
  )
})

sw.addEventListener('notificationclick', (e: NotificationEventLike) => {
  e.notification.close()
  const url = e.notification.data?.url ?? new URL('/partner', sw.location.origin).href
  e.waitUntil(
    (async () => {
      const open = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true })
      // A tab already on that page is brought forward rather than opening another.
      const same = open.find((c) => c.url === url) ?? open.find((c) => new URL(c.url).pathname === new URL(url).pathname)
      if (same) {
        if (same.url !== url) await same.navigate?.(url)
        await same.focus()
        return
      }
      await sw.clients.openWindow(url)
    })(),
  )
})
export {}
