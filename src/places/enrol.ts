import type { Sql } from 'postgres'
import { insertToken } from '../auth/tokens.ts'
import { HalteError } from '../errors.ts'
import { parseHours } from '../hours/parse.ts'
import type { Network } from '../networks/schemas.ts'
import { isSolar, refreshPlacePeriods } from './periods.ts'
import { insertPlace, isInsideNetworkArea } from './queries.ts'
import type { Application } from './schemas.ts'

// A new place, however it comes (a venue's application, a city's bulk import): its
// hours read by the library in the network's zone and holidays (refused with the
// parser's message, never stored half-understood), inside the network's area, stored
// with its first status, its history and its partner token in one transaction.
export async function enrolPlace(
  sql: Sql,
  network: Network,
  application: Application,
  o: {
    status: 'pending' | 'active'
    actor: 'public' | 'import' | 'walk'
    reason: string | null
    now: Date
    // A refuge proposed from a walk's finding: the venue has not accepted the charter yet.
    proposedFromWalk?: string
    // More writes that must commit with the place (or refuse it).
    also?: (tx: Sql, placeId: string) => Promise<void>
  },
): Promise<{ id: string; token: string; warnings: string[] }> {
  const { warnings } = parseHours(application.opening_hours, {
    countryCode: network.country_code,
    regionCode: network.region_code,
    lat: application.location.lat,
    lon: application.location.lon,
  })
  if (!(await isInsideNetworkArea(sql, network.id, application.location.lat, application.location.lon))) {
    throw new HalteError(422, 'outside_network_area', {
      fr: `Ce lieu est hors du territoire du réseau « ${network.name} ».`,
      en: `This place is outside the area of network "${network.name}".`,
    })
  }
  const { charter_accepted: _accepted, ...place } = application
  const created = await sql.begin(async (tx) => {
    const { id } = await insertPlace(
      tx,
      network.id,
      {
        ...place,
        status: o.status,
        hours_warnings: warnings,
        hours_solar: isSolar(application.opening_hours),
        proposed_from_walk: o.proposedFromWalk ?? null,
        charter_pending: o.proposedFromWalk !== undefined,
      },
      o.now,
    )
    await tx`insert into place_status_history (place_id, from_status, to_status, actor_role, reason, at)
             values (${id}, null, ${o.status}, ${o.actor}, ${o.reason}, ${o.now})`
    const { token } = await insertToken(tx, { role: 'partner', label: application.name, networkId: network.id, placeId: id })
    if (o.status === 'active') await refreshPlacePeriods(tx, id, network, o.now)
    await o.also?.(tx as unknown as Sql, id)
    return { id, token }
  })
  return { ...created, warnings }
}
