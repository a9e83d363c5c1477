import type { Db } from '../db/types.ts'

// Streams resume from a cursor, the id of the last event read, and read ids in order.
// An id is drawn when its row is inserted but becomes visible only at commit: two
// transactions committing out of id order let a stream read the later id, move its
// cursor past it, and never see the earlier one (soak: 39 drop-off events of 12,113
// never reached their cab). So an event's id is drawn under a lock on its network's row,
// held to the commit: within a network, ids become visible in the order they were drawn.
// A row lock rather than an advisory one, which Hyperdrive's pooling does not carry;
// FOR NO KEY UPDATE, so that rows referring to the network are still written freely.
//
// Used as the first common table expression of the insert, whose rows are selected
// from it: the lock is then taken in the same statement, before the id is drawn, even
// outside a transaction.
export const eventOrder = (sql: Db, networkId: string) =>
  sql`event_order as (select 1 from networks where id = ${networkId} for no key update)`

// The same order within one trip, for the drop-off events a cab's feed reads (by trip):
// requests and decisions on other trips, and alert events, need not wait. The row is
// created on the trip's first event; ON CONFLICT DO UPDATE locks it like FOR UPDATE.
export const tripEventOrder = (sql: Db, networkId: string, tripId: string) =>
  sql`event_order as (
    insert into dropoff_event_order (network_id, trip_id) values (${networkId}, ${tripId})
    on conflict (network_id, trip_id) do update set trip_id = excluded.trip_id
    returning 1)`
