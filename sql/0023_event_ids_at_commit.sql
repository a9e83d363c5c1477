-- Streams resume from the id of the last event they read, so ids must become visible in
-- the order they are drawn (see 0021). Until now an event's id was drawn under a lock,
-- the network's row for alert events, the trip's row for drop-off events, held from the
-- insert to the commit: every statement the transaction ran after the insert, and every
-- round trip between the server and the database, was spent holding it. On a busy
-- machine those round trips wait behind the event loop, and the soak saw alert events
-- wait 0.9 s each for that lock, holding pool connections that searches then lacked.
--
-- Now the lock is taken, and the final id drawn, by a constraint trigger deferred to the
-- commit itself: the lock is held only while the commit completes, with no round trip.
-- The id drawn at insert is provisional; the commit replaces it with a fresh one under
-- the lock, so ids become visible in the order they were finally drawn.

create function alert_event_id_at_commit() returns trigger language plpgsql as $$
begin
  perform 1 from networks where id = new.network_id for no key update;
  update alert_events set id = default where id = new.id;
  return null;
end $$;

create constraint trigger alert_events_id_at_commit after insert on alert_events
  deferrable initially deferred for each row execute function alert_event_id_at_commit();

create function dropoff_event_id_at_commit() returns trigger language plpgsql as $$
begin
  insert into dropoff_event_order (network_id, trip_id) values (new.network_id, new.trip_id)
    on conflict (network_id, trip_id) do update set trip_id = excluded.trip_id;
  update dropoff_events set id = default where id = new.id;
  return null;
end $$;

create constraint trigger dropoff_events_id_at_commit after insert on dropoff_events
  deferrable initially deferred for each row execute function dropoff_event_id_at_commit();
