import type { Db } from '../db/types.ts'
import type { HalteError } from '../errors.ts'
import type { Network } from '../networks/schemas.ts'
import { refusal } from './rules.ts'

// A GTFS feed describes a timetable for a span of dates. Past its last date no trip
// runs, and every drop-off request would be refused as an unknown trip: an operator must
// learn before that day that a new feed is due, and a rider after it why.

// An operator needs two weeks to get a new feed from the transit authority.
export const FEED_WARNING_DAYS = 14

export type FeedState = 'current' | 'ending_soon' | 'expired'

export interface FeedValidity {
  // First and last service day of the calendar (calendar.txt spans and added dates).
  start_date: string | null
  end_date: string | null
  // Days from today (the network's date) to end_date: 0 the last day, negative once over.
  days_left: number | null
  state: FeedState
}

interface Row {
  network_id: string
  slug: string
  start_date: string | null
  end_date: string | null
  days_left: number | null
}

function stateOf(daysLeft: number | null): FeedState {
  // A feed without any calendar runs no trip at all.
  if (daysLeft === null || daysLeft < 0) return 'expired'
  return daysLeft <= FEED_WARNING_DAYS ? 'ending_soon' : 'current'
}

// The feed in force of each network (or of one), with its dates in the network's zone.
async function validities(sql: Db, now: Date, networkId: string | null): Promise<Row[]> {
  return sql<Row[]>`
    with feeds as (
      select distinct on (f.network_id) f.network_id, f.id
      from gtfs_feeds f
      where ${networkId}::uuid is null or f.network_id = ${networkId}::uuid
      order by f.network_id, f.id desc
    ), spans as (
      select feeds.network_id,
        (select min(d) from (select start_date as d from transit_calendar c where c.feed_id = feeds.id
                             union all select date from transit_calendar_dates cd where cd.feed_id = feeds.id and cd.exception_type = 1) x) as start_date,
        (select max(d) from (select end_date as d from transit_calendar c where c.feed_id = feeds.id
                             union all select date from transit_calendar_dates cd where cd.feed_id = feeds.id and cd.exception_type = 1) x) as end_date
      from feeds
    )
    select n.id::text as network_id, n.slug,
      to_char(spans.start_date, 'YYYY-MM-DD') as start_date, to_char(spans.end_date, 'YYYY-MM-DD') as end_date,
      (spans.end_date - (${now}::timestamptz at time zone n.timezone)::date)::int as days_left
    from spans join networks n on n.id = spans.network_id
    order by n.slug`
}

const asValidity = (r: Row): FeedValidity => ({
  start_date: r.start_date,
  end_date: r.end_date,
  days_left: r.days_left,
  state: stateOf(r.days_left),
})

// null: the network has no feed.
export async function feedValidity(sql: Db, networkId: string, now: Date): Promise<FeedValidity | null> {
  const [row] = await validities(sql, now, networkId)
  return row ? asValidity(row) : null
}

// What the import report and the operator's view say of a feed that ends.
export function validityWarning(v: FeedValidity): string | null {
  if (v.state === 'expired') {
    return v.end_date
      ? `The feed's calendar ended on ${v.end_date}: no trip runs, every drop-off request is refused (timetable_expired). Import a current feed. / Le calendrier du flux a pris fin le ${v.end_date} : aucune course ne circule, toute demande de descente est refusée. Importez un flux à jour.`
      : 'The feed has no calendar: no trip runs. / Le flux n’a pas de calendrier : aucune course ne circule.'
  }
  if (v.state === 'ending_soon') {
    return `The feed's calendar ends on ${v.end_date} (in ${v.days_left} day(s)): ask the transit authority for the next one. / Le calendrier du flux se termine le ${v.end_date} (dans ${v.days_left} jour(s)) : demandez le suivant au réseau de transport.`
  }
  return null
}

// Asked only once a trip was found not to run at `at`: was it because the whole
// timetable is over? `at` past the feed's last day says so.
export async function refuseIfExpired(sql: Db, network: Network, at: Date): Promise<void> {
  const v = await feedValidity(sql, network.id, at)
  if (v?.state !== 'expired') return
  throw timetableExpired(network, v.end_date)
}

export function timetableExpired(network: Network, endDate: string | null): HalteError {
  const since = endDate ? { fr: ` depuis le ${endDate}`, en: ` since ${endDate}` } : { fr: '', en: '' }
  return refusal(network, 'timetable_expired', {
    fr: `Les horaires de ce réseau ne sont plus à jour${since.fr} : la demande ne peut pas être vérifiée. Demandez directement au conducteur.`,
    en: `This network's timetable is out of date${since.en}: the request cannot be checked. Ask the driver directly.`,
  })
}

// Prometheus lines: one series per network with a feed.
export async function feedMetrics(sql: Db, now: Date): Promise<string[]> {
  const rows = await validities(sql, now, null)
  const label = (slug: string) => slug.replace(/[\\"\n]/g, '')
  return [
    '# HELP halte_transit_feed_days_left Days until the GTFS calendar in force ends (negative: ended).',
    '# TYPE halte_transit_feed_days_left gauge',
    ...rows.filter((r) => r.days_left !== null).map((r) => `halte_transit_feed_days_left{network="${label(r.slug)}"} ${r.days_left}`),
    `# HELP halte_transit_feed_expiring 1 when the GTFS calendar in force has ended or ends within ${FEED_WARNING_DAYS} days.`,
    '# TYPE halte_transit_feed_expiring gauge',
    ...rows.map((r) => `halte_transit_feed_expiring{network="${label(r.slug)}"} ${stateOf(r.days_left) === 'current' ? 0 : 1}`),
  ]
}
