-- A person's rights (access, erasure), legal holds on alerts, and the records the ethics
-- committee reads back: erasures and the retention job's runs, counts only.

-- Who erased an alert's personal data: the retention job, its requester (access token),
-- or the sender of "SUPPRIMER" by SMS. The row itself stays for the counts.
alter table alerts add column erased_by text
  check (erased_by in ('retention', 'requester', 'sms'));

-- A drop-off erased at its rider's request has no point left at all, nor a token.
alter table dropoffs
  alter column snapped drop not null,
  alter column access_token_hash drop not null,
  add column erased_at timestamptz;

-- A judicial requisition keeps one alert's record past the retention period, until a
-- date (a year at most); lifting it, or its end, lets the next retention run erase it.
-- Rows are never deleted: who held, why, until when and who lifted stay in the audit.
create table alert_holds (
  id uuid primary key default gen_random_uuid(),
  alert_id uuid not null references alerts (id) on delete cascade,
  network_id uuid not null references networks (id) on delete cascade,
  reason text not null check (length(reason) between 1 and 500),
  reference text not null check (length(reference) between 1 and 200),
  until date not null,
  actor_role text not null,
  actor_token_id uuid,
  created_at timestamptz not null,
  lifted_at timestamptz,
  lifted_role text,
  lifted_token_id uuid
);
-- One standing hold per alert: a new requisition replaces the standing one's terms.
create unique index alert_holds_standing_idx on alert_holds (alert_id) where lifted_at is null;
create index alert_holds_network_idx on alert_holds (network_id, created_at);

-- Every erasure a person or partner asked for: what kind, when, by whom, how many rows
-- of what. Never the erased values; the subject's id only where its row stays anyway
-- (an alert, a drop-off, a place), none for an SMS sender (it would link their alerts).
create table erasures (
  id bigint generated always as identity primary key,
  network_id uuid references networks (id) on delete cascade,
  kind text not null check (kind in ('alert', 'dropoff', 'phone', 'partner')),
  requested_by text not null check (requested_by in ('requester', 'partner', 'sms')),
  subject_id uuid,
  counts jsonb not null default '{}'::jsonb,
  at timestamptz not null
);
create index erasures_at_idx on erasures (at);

-- Each run of a retention job, even one that found nothing, with what it erased or coarsened
-- (counts per kind); the committee checks that the job runs and what it does.
create table retention_runs (
  id bigint generated always as identity primary key,
  job text not null,
  ran_at timestamptz not null,
  counts jsonb not null
);
create index retention_runs_at_idx on retention_runs (ran_at);
