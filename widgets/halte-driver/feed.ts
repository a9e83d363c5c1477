// The driver's list of open requests, fed from two sources that may overlap: the stream's
// events (every change, resumed from Last-Event-ID after a break) and, after each
// (re)connection, the current list. Keyed by request id, so nothing shows twice; what
// the stream closed (declined, done, expired) is remembered, so a list read a moment
// earlier cannot bring it back.

export interface FeedItem {
  id: string
  status: 'pending' | 'accepted' | 'declined' | 'done' | 'expired'
  distance_along_m: number
  after_stop: { id: string; name: string }
  before_stop: { id: string; name: string }
  after_stop_m: number
  text: string
  ahead_m: number | null
}

const OPEN = new Set(['pending', 'accepted'])
const RANK: Record<string, number> = { pending: 0, accepted: 1 }

export class Feed {
  private items = new Map<string, FeedItem>()
  private closed = new Set<string>()

  // A change, as the stream or a decision's answer tells it: the newest word on this id.
  apply(item: FeedItem) {
    if (OPEN.has(item.status)) {
      if (!this.closed.has(item.id)) this.items.set(item.id, { ...this.items.get(item.id), ...item })
    } else {
      this.items.delete(item.id)
      this.closed.add(item.id)
    }
  }

  // The current list: adds what is missing, never undoes a later change.
  merge(list: FeedItem[]) {
    for (const item of list) {
      if (this.closed.has(item.id) || !OPEN.has(item.status)) continue
      const known = this.items.get(item.id)
      if (!known || (RANK[item.status] ?? 0) >= (RANK[known.status] ?? 0)) this.items.set(item.id, item)
    }
  }

  clear() {
    this.items.clear()
    this.closed.clear()
  }

  // Nearest ahead first: the bus only moves forward along its line.
  list(): FeedItem[] {
    return [...this.items.values()].sort((a, b) => a.distance_along_m - b.distance_along_m)
  }
}
