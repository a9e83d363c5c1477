-- Transit: a network's GTFS feed (one in force at a time), drop-off requests between
-- two stops, the driver's decisions on them, and the last position each vehicle gave.

-- Every GTFS row belongs to one import. A new import loads beside the one in force and
-- deletes it only at the end of its transaction, so a broken feed changes nothing.
create table gtfs_feeds (
  id bigint generated always as identity primary key,
  network_id uuid not null references networks (id) on delete cascade,
  imported_at timestamptz not null default now(),
  report jsonb not null default '{}'::jsonb
);
create index gtfs_feeds_network_idx on gtfs_feeds (network_id, id desc);

create table transit_agencies (
  feed_id bigint not null references gtfs_feeds (id) on delete cascade,
  agency_id text not null,
  name text not null,
  timezone text not null,
  primary key (feed_id, agency_id)
);

create table transit_routes (
  feed_id bigint not null references gtfs_feeds (id) on delete cascade,
  route_id text not null,
  agency_id text,
  short_name text,
  long_name text,
  route_type integer not null,
  primary key (feed_id, route_id)
);

create table transit_stops (
  feed_id bigint not null references gtfs_feeds (id) on delete cascade,
  stop_id text not null,
  name text not null,
  lat double precision,
  lon double precision,
  location geography(Point, 4326),
  primary key (feed_id, stop_id)
);
create index transit_stops_location_idx on transit_stops using gist (location);

-- built_from_stops: the feed gave no shape for some trips; their line joins their stops.
create table transit_shapes (
  feed_id bigint not null references gtfs_feeds (id) on delete cascade,
  shape_id text not null,
  geog geography(LineString, 4326) not null,
  length_m double precision not null,
  built_from_stops boolean not null default false,
  primary key (feed_id, shape_id)
);

-- A pattern is a shape with the stops a trip serves, in order, and each stop's distance
-- along that shape: trips sharing both share one row.
create table transit_patterns (
  feed_id bigint not null references gtfs_feeds (id) on delete cascade,
  pattern_id integer not null,
  shape_id text not null,
  stop_ids text[] not null,
  dists_m double precision[] not null,
  primary key (feed_id, pattern_id)
);

create table transit_trips (
  feed_id bigint not null references gtfs_feeds (id) on delete cascade,
  trip_id text not null,
  route_id text not null,
  service_id text not null,
  shape_id text,
  headsign text,
  pattern_id integer,
  primary key (feed_id, trip_id)
);

create table transit_stop_times (
  feed_id bigint not null references gtfs_feeds (id) on delete cascade,
  trip_id text not null,
  stop_sequence integer not null,
  stop_id text not null,
  arrival_time text,
  departure_time text,
  primary key (feed_id, trip_id, stop_sequence)
);

create table transit_calendar (
  feed_id bigint not null references gtfs_feeds (id) on delete cascade,
  service_id text not null,
  days boolean[] not null, -- Monday first
  start_date date not null,
  end_date date not null,
  primary key (feed_id, service_id)
);

create table transit_calendar_dates (
  feed_id bigint not null references gtfs_feeds (id) on delete cascade,
  service_id text not null,
  date date not null,
  exception_type smallint not null,
  primary key (feed_id, service_id, date)
);

-- The last position a driver reported. Vehicles are not people: kept as given.
create table vehicle_positions (
  network_id uuid not null references networks (id) on delete cascade,
  vehicle text not null,
  trip_id text,
  location geography(Point, 4326) not null,
  along_m double precision,
  at timestamptz not null,
  primary key (network_id, vehicle)
);
create index vehicle_positions_trip_idx on vehicle_positions (network_id, trip_id);

-- Only the point on the route where the rider wants to get off is kept, never the
-- position they sent from; trip and stops are copied so a re-import keeps the record.
create table dropoffs (
  id uuid primary key default gen_random_uuid(),
  network_id uuid not null references networks (id) on delete cascade,
  trip_id text not null,
  route_id text not null,
  access_token_hash text not null,
  status text not null default 'pending'
    check (status in ('pending', 'accepted', 'declined', 'done', 'expired')),
  snapped geography(Point, 4326) not null,
  offset_m double precision not null,
  distance_along_m double precision not null,
  after_stop_id text not null,
  after_stop_name text not null,
  after_stop_m double precision not null,
  before_stop_id text not null,
  before_stop_name text not null,
  created_at timestamptz not null,
  decided_at timestamptz,
  decided_by text,
  decision_reason text check (decision_reason in ('unsafe_spot', 'traffic', 'too_late', 'other')),
  decision_note text,
  decision_location geography(Point, 4326),
  done_at timestamptz,
  done_location geography(Point, 4326),
  expired_at timestamptz,
  -- Past the network's retention period the points are rounded to ~1 km (0.01°).
  coarsened boolean not null default false
);
create index dropoffs_trip_idx on dropoffs (network_id, trip_id) where status in ('pending', 'accepted');

-- Every change a driver's feed must show; its identity is the SSE cursor.
create table dropoff_events (
  id bigint generated always as identity primary key,
  dropoff_id uuid not null references dropoffs (id) on delete cascade,
  network_id uuid not null,
  trip_id text not null,
  at timestamptz not null
);
create index dropoff_events_trip_idx on dropoff_events (network_id, trip_id, id);
