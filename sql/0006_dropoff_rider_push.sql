-- Drop-off riders hear the driver's decision by web push, and a request lives no longer
-- than the trip it was made on.

-- A rider's browser subscription belongs to one request, and goes with it.
alter table push_subscriptions add column dropoff_id uuid references dropoffs (id) on delete cascade;
alter table push_subscriptions drop constraint push_subscriptions_owner_check;
alter table push_subscriptions add constraint push_subscriptions_owner_check
  check (owner in ('place', 'operator', 'alert', 'dropoff'));
create index push_subscriptions_dropoff_idx on push_subscriptions (dropoff_id) where dropoff_id is not null;

alter table outbox add column dropoff_id uuid references dropoffs (id) on delete set null;

-- When the run of the trip the request was made on ends (its last arrival), fixed at
-- creation from the calendar: a later re-import or the same trip_id on the next day
-- must not keep yesterday's request open. Null for requests made before this column.
alter table dropoffs add column trip_ends_at timestamptz;
create index dropoffs_to_expire_idx on dropoffs (trip_ends_at) where status in ('pending', 'accepted');

-- GTFS times are "H:MM:SS" since noon minus 12 h of the service day, and go past 24:00:00
-- for trips that end after midnight. Anything else is not a time (null), never an error.
create function gtfs_time_s(t text) returns integer
  language sql immutable strict parallel safe
  return case when t ~ '^\s*\d{1,3}:\d{2}:\d{2}\s*$'
    then split_part(trim(t), ':', 1)::int * 3600 + split_part(trim(t), ':', 2)::int * 60 + split_part(trim(t), ':', 3)::int
  end;
