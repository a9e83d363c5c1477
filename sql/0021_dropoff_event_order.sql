-- Drop-off events are read per trip (a cab's feed, cursor "<trip>:<id>"), so their ids
-- need to become visible in the order they were drawn only within a trip. One row per
-- trip to lock while an event is written, instead of the network's row: with that one,
-- every request and decision of the network, and every alert event, waited for each
-- other's commit (the soak: 13 ms per event insert on average, most of it waiting).
create table dropoff_event_order (
  network_id uuid not null references networks (id) on delete cascade,
  trip_id text not null,
  primary key (network_id, trip_id)
);
