-- Figures for the safety council: drop-offs refused by a rule, counted without the rider,
-- an alert's sector kept as a name, and the indexes the period's counts read.

-- One row per network, line, refusal code and hour: a counter, never a request. Nothing
-- here says who asked, from where or for which point; the line is the finest place the
-- council sees (a refusal's reason is about the line and the hour, not the rider).
-- route_id is null when the trip named was not found (an unknown trip has no line).
create table dropoff_refusals (
  network_id uuid not null references networks (id) on delete cascade,
  route_id text check (length(route_id) <= 200),
  code text not null check (code ~ '^[a-z_]{1,40}$'),
  hour timestamptz not null,
  count integer not null check (count > 0),
  constraint dropoff_refusals_key unique nulls not distinct (network_id, hour, route_id, code)
);

-- An alert's sector, decided once where it was raised (the smallest covering sector, as
-- sectorAt decides for routing) and kept by name: the point is coarsened and then erased
-- with the rest of the alert's precise data, and sectors are re-imported, but the count
-- per sector must survive both. A trigger, so that every path that writes an alert
-- (web, SMS, a location arriving later) records it; never recomputed once the alert is
-- erased, when only a coarsened point would be left to read.
alter table alerts add column sector_name text;

create function alerts_record_sector() returns trigger language plpgsql as $$
begin
  if new.location is not null and new.erased_at is null
     and (tg_op = 'INSERT' or old.location is null or not st_equals(old.location::geometry, new.location::geometry)) then
    new.sector_name := (
      select s.name from sectors s
      where s.network_id = new.network_id and st_covers(s.area, new.location::geometry)
      order by st_area(s.area), s.name limit 1);
  end if;
  return new;
end
$$;

create trigger alerts_record_sector before insert or update of location on alerts
  for each row execute function alerts_record_sector();

-- Alerts raised before this migration: their sector as the sectors stand now.
update alerts a set sector_name = (
  select s.name from sectors s
  where s.network_id = a.network_id and st_covers(s.area, a.location::geometry)
  order by st_area(s.area), s.name limit 1)
where a.location is not null and a.erased_at is null;

-- The period's counts read a network's rows by date.
create index alerts_network_created_idx on alerts (network_id, created_at);
create index alert_events_first_ack_idx on alert_events (alert_id, at) where to_status = 'acknowledged';
create index dropoffs_network_created_idx on dropoffs (network_id, created_at);
