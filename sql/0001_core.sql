-- Networks (one city's programme) and the bearer tokens that act on them.
create extension if not exists postgis;

create table networks (
  id uuid primary key default gen_random_uuid(),
  slug text not null,
  name text not null,
  timezone text not null,
  locale text not null,
  country_code text not null,
  region_code text,
  sms_number text,
  alert_radius_m integer not null default 500 check (alert_radius_m between 50 and 10000),
  search_radius_m integer not null default 5000 check (search_radius_m between 100 and 50000),
  retention_days integer not null default 15 check (retention_days between 1 and 365),
  training_valid_months integer not null default 24 check (training_valid_months between 1 and 120),
  dropoff jsonb not null default '{}'::jsonb,
  excluded_zones geography(MultiPolygon, 4326),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint networks_slug_key unique (slug),
  constraint networks_sms_number_key unique (sms_number)
);

-- Tokens are stored as SHA-256 of a 256-bit random secret: enough to look them up,
-- useless to whoever reads the table.
create table tokens (
  id uuid primary key default gen_random_uuid(),
  token_hash text not null unique,
  role text not null check (role in ('admin', 'operator', 'partner', 'driver')),
  network_id uuid references networks (id) on delete cascade,
  place_id uuid,
  vehicle text,
  label text not null,
  created_by uuid,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  check (role = 'admin' or network_id is not null),
  check (role <> 'driver' or vehicle is not null)
);
create index tokens_network_idx on tokens (network_id);
