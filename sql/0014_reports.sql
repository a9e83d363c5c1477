-- Residents' reports of unsafe spots (Open311 GeoReport v2), their categories per
-- network, photos and the status history operators write.

-- What a network takes reports about. `visibility` decides whether a report of the
-- category is ever published (public: on the map at a coarsened point; private: to
-- operators only — never a harassment report's location).
create table report_categories (
  id uuid primary key default gen_random_uuid(),
  network_id uuid not null references networks (id) on delete cascade,
  code text not null check (code ~ '^[a-z0-9_]{1,40}$'),
  name_fr text not null check (length(name_fr) between 1 and 120),
  name_en text not null check (length(name_en) between 1 and 120),
  description_fr text not null default '',
  description_en text not null default '',
  visibility text not null check (visibility in ('public', 'private')),
  category_group text not null default '',
  keywords text not null default '',
  active boolean not null default true,
  position integer not null default 100,
  created_at timestamptz not null default now(),
  unique (network_id, code)
);

-- The categories every network starts with, from the cities' own concerns. A function,
-- so that existing networks get them below and every new one through the trigger,
-- whichever path creates it (the API, the demo seed, a restore).
create function seed_report_categories(nid uuid) returns void language sql as $$
  insert into report_categories (network_id, code, name_fr, name_en, description_fr, description_en, visibility, category_group, keywords, position)
  values
    (nid, 'harassment', 'Harcèlement de rue', 'Street harassment', 'Harcèlement, insultes, gestes ou suivi dans l’espace public.', 'Harassment, insults, gestures or being followed in public space.', 'private', 'personnes', 'harcèlement,harassment', 10),
    (nid, 'poor_lighting', 'Éclairage insuffisant', 'Poor lighting', 'Rue, passage ou arrêt mal éclairé la nuit.', 'Street, passage or stop poorly lit at night.', 'public', 'lieux', 'éclairage,lumière,lighting', 20),
    (nid, 'dangerous_spot_night', 'Lieu dangereux la nuit', 'Dangerous spot at night', 'Endroit où l’on ne se sent pas en sécurité la nuit.', 'A place that feels unsafe at night.', 'public', 'lieux', 'insécurité,nuit,night', 30),
    (nid, 'drug_dealing', 'Point de deal', 'Drug dealing spot', 'Trafic de stupéfiants constaté.', 'Drug dealing seen.', 'private', 'personnes', 'deal,stupéfiants,drugs', 40),
    (nid, 'nitrous_oxide', 'Protoxyde d’azote', 'Nitrous oxide', 'Cartouches ou consommation de protoxyde d’azote.', 'Nitrous-oxide canisters or use.', 'public', 'lieux', 'proto,protoxyde,nitrous', 50),
    (nid, 'damage', 'Dégradation', 'Damage', 'Mobilier, abribus ou éclairage dégradé.', 'Damaged street furniture, shelter or lighting.', 'public', 'lieux', 'dégradation,vandalisme,damage', 60),
    (nid, 'noise', 'Bruit', 'Noise', 'Nuisances sonores répétées.', 'Repeated noise nuisance.', 'public', 'lieux', 'bruit,noise', 70),
    (nid, 'abandoned_object', 'Objet abandonné', 'Abandoned object', 'Objet ou dépôt abandonné sur la voie publique.', 'An object left in public space.', 'public', 'lieux', 'encombrant,objet,abandoned', 80),
    (nid, 'other', 'Autre', 'Other', 'Autre signalement.', 'Anything else.', 'private', 'autres', 'autre,other', 90)
  on conflict (network_id, code) do nothing
$$;

select seed_report_categories(id) from networks;

create function seed_report_categories_of_new_network() returns trigger language plpgsql as $$
begin
  perform seed_report_categories(new.id);
  return null;
end
$$;

create trigger networks_seed_report_categories after insert on networks
  for each row execute function seed_report_categories_of_new_network();

create table reports (
  id uuid primary key default gen_random_uuid(),
  network_id uuid not null references networks (id) on delete cascade,
  category_id uuid not null references report_categories (id),
  -- A report taken under a private category stays private even if the category is
  -- later made public: the reporter was told it would not be published.
  private boolean not null,
  status text not null default 'open' check (status in ('open', 'in_progress', 'closed')),
  status_notes text,
  description text not null default '',
  -- Precise, for operators only; public output snaps it to a grid cell's centre.
  location geography(Point, 4326) not null,
  address text,
  -- The reporter's contact, all optional, erased after the network's retention period.
  email text,
  first_name text,
  last_name text,
  phone text,
  device_id text,
  contact_erased_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index reports_network_created_idx on reports (network_id, created_at desc);
create index reports_contact_to_erase_idx on reports (created_at) where contact_erased_at is null;

-- Photos live in the database, stripped of their metadata before they are stored.
create table report_media (
  id uuid primary key default gen_random_uuid(),
  report_id uuid not null references reports (id) on delete cascade,
  content_type text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp')),
  bytes bytea not null,
  created_at timestamptz not null
);
create index report_media_report_idx on report_media (report_id);

-- Who changed what and when: each status change with its public note.
create table report_events (
  id bigint generated always as identity primary key,
  report_id uuid not null references reports (id) on delete cascade,
  network_id uuid not null,
  kind text not null check (kind in ('created', 'status')),
  from_status text,
  to_status text not null,
  public_note text,
  actor_role text not null,
  actor_token_id uuid,
  at timestamptz not null
);
create index report_events_report_idx on report_events (report_id, id);
