-- The city's field work: sectors of a network, the field roles (mediators, municipal
-- police) scoped to sectors, who is on duty, the contacts mediators count, and the
-- hand-offs of an alert to police or emergency services.

-- geometry, not geography: GeoJSON (RFC 7946) draws a polygon's edges as straight lines
-- in longitude/latitude, which is what planar geometry computes; geography would bend
-- them along great circles and put a point near a long edge in the wrong sector. It also
-- gives ST_IsValid/ST_MakeValid to check imports. Containment is all sectors are for, so
-- planar degrees lose nothing; a GiST index serves sectorAt().
create table sectors (
  id uuid primary key default gen_random_uuid(),
  network_id uuid not null references networks (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  area geometry(MultiPolygon, 4326) not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint sectors_network_name_key unique (network_id, name)
);
create index sectors_area_idx on sectors using gist (area);

alter table tokens drop constraint tokens_role_check;
alter table tokens add constraint tokens_role_check
  check (role in ('admin', 'operator', 'partner', 'driver', 'mediator', 'police'));

-- A field token's sectors; none: the whole network. A sector still named by a live token
-- cannot be dropped by an import (restrict): its people would silently start hearing the
-- whole network, or nothing.
create table token_sectors (
  token_id uuid not null references tokens (id) on delete cascade,
  sector_id uuid not null references sectors (id) on delete restrict,
  primary key (token_id, sector_id)
);
create index token_sectors_sector_idx on token_sectors (sector_id);

-- On duty since, until (12 h unless renewed). Off duty: no row.
create table field_duty (
  token_id uuid primary key references tokens (id) on delete cascade,
  network_id uuid not null references networks (id) on delete cascade,
  since timestamptz not null,
  until timestamptz not null
);
create index field_duty_network_idx on field_duty (network_id, until);

-- "Personne rencontrée": when, which sector, what kind. No name, no free text, and not
-- the point either: a mediator's location trail is nobody's business. The sector's name
-- is kept so counts survive a re-import that redraws or drops the sector.
create table field_contacts (
  id bigint generated always as identity primary key,
  network_id uuid not null references networks (id) on delete cascade,
  sector_id uuid references sectors (id) on delete set null,
  sector_name text,
  kind text not null check (kind in ('conversation', 'orientation', 'conflict_mediation', 'assistance', 'other')),
  at timestamptz not null,
  token_id uuid references tokens (id) on delete set null,
  created_at timestamptz not null
);
create index field_contacts_network_at_idx on field_contacts (network_id, at);

-- To whom an alert was handed, when, by whom. The note travels in the alert's events
-- (erased with them); this row is what evaluation counts.
create table alert_handoffs (
  id bigint generated always as identity primary key,
  alert_id uuid not null references alerts (id) on delete cascade,
  network_id uuid not null references networks (id) on delete cascade,
  to_service text not null check (to_service in ('police_nationale', 'police_municipale', 'samu', 'pompiers', 'other')),
  actor_role text not null,
  actor_token_id uuid,
  at timestamptz not null
);
create index alert_handoffs_alert_idx on alert_handoffs (alert_id);

-- Field tokens subscribe to push as operators do, under an owner of their own: the
-- operators' fan-out (owner 'operator') must not reach them with the whole network.
alter table push_subscriptions drop constraint push_subscriptions_owner_check;
alter table push_subscriptions add constraint push_subscriptions_owner_check
  check (owner in ('place', 'operator', 'alert', 'dropoff', 'field'));
alter table push_subscriptions drop constraint push_subscriptions_owner_endpoint_key;
alter table push_subscriptions drop column owner_id;
alter table push_subscriptions add column owner_id uuid generated always as (
  case owner
    when 'place' then place_id
    when 'operator' then token_id
    when 'field' then token_id
    when 'alert' then alert_id
    when 'dropoff' then dropoff_id
  end) stored;
alter table push_subscriptions add constraint push_subscriptions_owner_endpoint_key unique (owner, owner_id, endpoint);
create index push_subscriptions_field_idx on push_subscriptions (token_id) where owner = 'field';
