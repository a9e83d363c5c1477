-- Refuges ("Où est Angela ?" partner places), their exceptional closures and the
-- record of every moderation decision.

alter table networks add column area geography(MultiPolygon, 4326);

create table places (
  id uuid primary key default gen_random_uuid(),
  network_id uuid not null references networks (id) on delete cascade,
  status text not null default 'pending'
    check (status in ('pending', 'active', 'rejected', 'suspended', 'withdrawn')),
  name text not null,
  kind text not null,
  address text not null,
  location geography(Point, 4326) not null,
  phone text,
  email text,
  features text[] not null default '{}',
  opening_hours text not null,
  hours_warnings text[] not null default '{}',
  contact_name text,
  charter_accepted_at timestamptz not null,
  training_date date,
  trained_staff integer check (trained_staff >= 0),
  -- "Open now" is answered from these materialised periods (the library's reading of
  -- opening_hours in the network's zone, minus closures) while the asked instant lies
  -- in [periods_from, periods_to); outside, the library is asked directly.
  open_periods tstzmultirange not null default '{}',
  periods_from timestamptz not null default '-infinity',
  periods_to timestamptz not null default '-infinity',
  -- Values whose reading depends on the position (sunrise, dusk…) are evaluated per place.
  hours_solar boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  decided_at timestamptz,
  decided_by uuid
);

-- Only active places are ever served; the partial index is the one the public queries use.
create index places_active_location_idx on places using gist (location) where status = 'active';
create index places_network_status_idx on places (network_id, status);
create index places_periods_to_idx on places (periods_to) where status = 'active';

alter table tokens
  add constraint tokens_place_fk foreign key (place_id) references places (id) on delete cascade;

create table place_closures (
  id uuid primary key default gen_random_uuid(),
  place_id uuid not null references places (id) on delete cascade,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  reason text,
  created_at timestamptz not null default now(),
  check (ends_at > starts_at)
);
create index place_closures_place_idx on place_closures (place_id, ends_at);

create table place_status_history (
  id bigint generated always as identity primary key,
  place_id uuid not null references places (id) on delete cascade,
  from_status text,
  to_status text not null,
  actor_role text not null,
  actor_token_id uuid,
  reason text,
  at timestamptz not null default now()
);
create index place_status_history_place_idx on place_status_history (place_id, at);
