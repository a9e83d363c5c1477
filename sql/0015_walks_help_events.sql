-- Help services, event mode and exploratory walks (issue 13).

-- Help services (victim support, rights, conciliation) are places with opening hours
-- like refuges, but never presented as refuges: where to go next, not where to hide
-- now. What each helps with is a fixed list so a search by need finds them all; the
-- schedule note says it as the desk does ("permanence mardi 14:00, Maison de la
-- tranquillité").
alter table places
  add column helps_with text[] not null default '{}'
    check (helps_with <@ array['victims', 'domestic_violence', 'sexual_violence', 'discrimination', 'legal_advice',
      'mediation', 'lgbti', 'rights', 'youth', 'elderly']::text[]),
  add column schedule_note text check (length(schedule_note) <= 300),
  -- Event mode: a temporary refuge or welcome point (a festival) is served only
  -- between these two instants; null on both sides for a permanent place.
  add column valid_from timestamptz,
  add column valid_until timestamptz,
  add constraint places_validity_check check (valid_from is null or valid_until is null or valid_until > valid_from),
  -- A refuge proposed from an exploratory walk's finding.
  add column proposed_from_walk uuid;

-- A refuge proposed by an operator from a walk's finding waits for the venue to accept
-- the charter: until then it has no acceptance date (only such proposals lack one).
alter table places alter column charter_accepted_at drop not null;

-- The help desks of a network, read as a short list (tens per city): a plain index.
create index places_support_services_idx on places (network_id) where kind = 'support_service' and status = 'active';

-- An exploratory walk: a group walks a route with the city and notes what makes it
-- feel unsafe or safe. Participants hold one shared code, valid for the walk's day and
-- the next, that lets them add findings to this walk and nothing else. The sector is
-- the name the operator gave: sectors as polygons are another part of the issue.
create table walks (
  id uuid primary key default gen_random_uuid(),
  network_id uuid not null references networks (id) on delete cascade,
  title text not null check (length(title) between 1 and 200),
  walk_date date not null,
  sector text check (length(sector) <= 100),
  group_name text check (length(group_name) <= 200),
  code_hash text not null unique,
  code_expires_at timestamptz not null,
  created_at timestamptz not null,
  created_by uuid
);
create index walks_network_idx on walks (network_id, walk_date desc);

create table walk_findings (
  id uuid primary key default gen_random_uuid(),
  walk_id uuid not null references walks (id) on delete cascade,
  location geography(Point, 4326) not null,
  category text not null,
  positive boolean not null,
  note text check (length(note) <= 1000),
  created_at timestamptz not null,
  -- What the finding became, when an operator took it further.
  proposed_place_id uuid references places (id) on delete set null,
  -- The report made from it (reports are another part of the issue: no foreign key, so
  -- this file does not depend on theirs).
  report_id uuid
);
create index walk_findings_walk_idx on walk_findings (walk_id, created_at);
