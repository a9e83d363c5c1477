-- A driver acts only on the trip their vehicle runs, and GTFS has no vehicle assignment:
-- the vehicle claims the trip with its position. One trip is held by one vehicle at a
-- time, so one driver cannot take over another bus's requests.

-- Before the rule, two vehicles could hold one trip: the one that reported last keeps it.
update vehicle_positions v set trip_id = null, along_m = null
where v.trip_id is not null
  and exists (select 1 from vehicle_positions w
              where w.network_id = v.network_id and w.trip_id = v.trip_id and w.vehicle <> v.vehicle
                and (w.at > v.at or (w.at = v.at and w.vehicle > v.vehicle)));

create unique index vehicle_positions_one_per_trip_idx on vehicle_positions (network_id, trip_id) where trip_id is not null;

-- When along_m was last established. A position that cannot be believed (off the route,
-- or too far ahead for the time elapsed) is recorded but does not move along_m; the next
-- believable one is judged against this instant, not the last report's.
alter table vehicle_positions add column along_at timestamptz;
update vehicle_positions set along_at = at where along_m is not null;
