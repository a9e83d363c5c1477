-- Rapid mobilisation: an operator's short message to every active partner (and field
-- team on duty) of a sector or of a circle, by push and SMS through the outbox; who
-- received what and who acknowledged it. The broadcast row is also the audit record
-- (who, when, which target, how many) and what the rate limits count.

create table broadcasts (
  id uuid primary key default gen_random_uuid(),
  network_id uuid not null references networks (id) on delete cascade,
  message text not null check (length(message) between 1 and 280),
  -- The target: a sector, kept by name too so the record survives a re-import that
  -- redraws or drops it (hence no foreign key), or a circle.
  sector_id uuid,
  sector_name text,
  center geography(Point, 4326),
  radius_m integer check (radius_m between 1 and 5000),
  push boolean not null,
  sms boolean not null,
  actor_role text not null,
  actor_token_id uuid,
  places_count integer not null default 0,
  field_count integer not null default 0,
  created_at timestamptz not null,
  check ((sector_name is not null) <> (center is not null and radius_m is not null))
);
create index broadcasts_network_idx on broadcasts (network_id, created_at desc);

-- A place (partner) or a field token (mediator, police) told of a broadcast.
create table broadcast_recipients (
  id bigint generated always as identity primary key,
  broadcast_id uuid not null references broadcasts (id) on delete cascade,
  place_id uuid references places (id) on delete cascade,
  token_id uuid references tokens (id) on delete cascade,
  acknowledged_at timestamptz,
  check ((place_id is null) <> (token_id is null)),
  unique (broadcast_id, place_id),
  unique (broadcast_id, token_id)
);
create index broadcast_recipients_place_idx on broadcast_recipients (place_id);
create index broadcast_recipients_token_idx on broadcast_recipients (token_id) where token_id is not null;

-- Which outbox rows carry a recipient's copy: their states are the delivery report. One
-- SMS may serve several recipients (two places that gave the same mobile get one text).
create table broadcast_messages (
  outbox_id bigint not null references outbox (id) on delete cascade,
  recipient_id bigint not null references broadcast_recipients (id) on delete cascade,
  channel text not null check (channel in ('push', 'sms')),
  primary key (outbox_id, recipient_id)
);
create index broadcast_messages_recipient_idx on broadcast_messages (recipient_id);
