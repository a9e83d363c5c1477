-- Alerts raised by people in danger, their lifecycle, and the durable outbox through
-- which every push and SMS they cause is sent.

alter table networks add column escalation_delay_s integer not null default 120
  check (escalation_delay_s between 15 and 3600);
-- The supervision centre's phone for escalations; absent, escalation pushes only.
alter table networks add column oncall_sms_number text;

create table alerts (
  id uuid primary key default gen_random_uuid(),
  network_id uuid not null references networks (id) on delete cascade,
  status text not null default 'open'
    check (status in ('open', 'acknowledged', 'resolved', 'cancelled', 'false_alarm')),
  source text not null check (source in ('web', 'sms')),
  -- Precise data, erased after the network's retention period (erased_at set).
  location geography(Point, 4326),
  accuracy_m integer,
  message text,
  phone text,
  -- Kept after erasure: matching (opt-out, rate limits) never needs the number itself.
  phone_hash text,
  access_token_hash text unique,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  escalated_at timestamptz,
  erased_at timestamptz
);
create index alerts_network_status_idx on alerts (network_id, status, created_at desc);
create index alerts_to_escalate_idx on alerts (created_at) where status = 'open' and escalated_at is null;
create index alerts_to_erase_idx on alerts (created_at) where erased_at is null;

-- Every transition with who and when; the identity is the SSE cursor of the operators' stream.
create table alert_events (
  id bigint generated always as identity primary key,
  alert_id uuid not null references alerts (id) on delete cascade,
  network_id uuid not null,
  kind text not null,
  from_status text,
  to_status text not null,
  actor_role text not null,
  actor_token_id uuid,
  actor_place_id uuid,
  note text,
  at timestamptz not null
);
create index alert_events_network_idx on alert_events (network_id, id);
create index alert_events_alert_idx on alert_events (alert_id, id);

-- Places told about an alert: they, and only they, may acknowledge it as partners.
create table alert_recipients (
  alert_id uuid not null references alerts (id) on delete cascade,
  place_id uuid not null references places (id) on delete cascade,
  distance_m integer not null,
  primary key (alert_id, place_id)
);

-- The access token of a replayed request is sealed with a key derived from the
-- Idempotency-Key itself: only whoever holds the key can read it back.
create table alert_idempotency (
  network_id uuid not null references networks (id) on delete cascade,
  key_hash text not null,
  body_hash text not null,
  -- Checked at commit: the key is claimed first, before the alert it names exists.
  alert_id uuid not null references alerts (id) on delete cascade deferrable initially deferred,
  sealed_token text not null,
  created_at timestamptz not null,
  primary key (network_id, key_hash)
);

create table alert_reads (
  id bigint generated always as identity primary key,
  network_id uuid not null,
  alert_id uuid,
  actor_role text not null,
  actor_token_id uuid,
  what text not null,
  at timestamptz not null
);
create index alert_reads_alert_idx on alert_reads (alert_id);

create table push_subscriptions (
  id uuid primary key default gen_random_uuid(),
  network_id uuid not null references networks (id) on delete cascade,
  owner text not null check (owner in ('place', 'operator', 'alert')),
  place_id uuid references places (id) on delete cascade,
  token_id uuid references tokens (id) on delete cascade,
  alert_id uuid references alerts (id) on delete cascade,
  endpoint text not null,
  p256dh text not null,
  auth text not null,
  created_at timestamptz not null,
  constraint push_subscriptions_endpoint_key unique (endpoint)
);
create index push_subscriptions_place_idx on push_subscriptions (place_id);
create index push_subscriptions_operator_idx on push_subscriptions (network_id) where owner = 'operator';

-- One row per message to send. Claimed with a lease (locked_until): a dispatcher that
-- dies after claiming leaves the row to be claimed again once the lease runs out.
create table outbox (
  id bigint generated always as identity primary key,
  network_id uuid not null,
  channel text not null check (channel in ('push', 'sms')),
  alert_id uuid references alerts (id) on delete set null,
  subscription_id uuid,
  to_number text,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'sent', 'failed', 'dropped')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  locked_until timestamptz,
  last_error text,
  created_at timestamptz not null,
  sent_at timestamptz
);
create index outbox_due_idx on outbox (next_attempt_at, id) where status = 'pending';
create index outbox_alert_idx on outbox (alert_id);

-- Inbound SMS already handled (Twilio retries a webhook it did not see answered).
create table sms_inbound (
  message_sid text primary key,
  network_id uuid,
  alert_id uuid references alerts (id) on delete set null,
  reply text not null,
  received_at timestamptz not null
);

create table sms_optouts (
  network_id uuid not null references networks (id) on delete cascade,
  phone_hash text not null,
  at timestamptz not null,
  primary key (network_id, phone_hash)
);

-- Fixed-window counters; old windows are deleted by the retention job.
create table rate_limits (
  bucket text not null,
  window_start timestamptz not null,
  hits integer not null,
  primary key (bucket, window_start)
);
