-- What a partner asks to change in what the public is shown of an approved place
-- (name, kind, address, phone, position). A frightened person trusts the name on the
-- door and the number they call: such a change waits here, while the place keeps
-- serving its approved values, until an operator approves or rejects it. Rows are
-- never deleted with their decision, so who asked, who decided and when stays known.

create table place_changes (
  id uuid primary key default gen_random_uuid(),
  place_id uuid not null references places (id) on delete cascade,
  status text not null default 'pending'
    check (status in ('pending', 'approved', 'rejected', 'superseded', 'cancelled')),
  -- Only the fields asked for: { name?, kind?, address?, phone? (null removes it),
  -- location?: { lat, lon } }.
  changes jsonb not null,
  submitted_at timestamptz not null,
  submitted_by uuid,
  decided_at timestamptz,
  decided_role text,
  decided_by uuid,
  reason text,
  check ((status = 'pending') = (decided_at is null))
);

-- One change awaits a decision per place: a later edit replaces it (the earlier one is
-- kept as superseded).
create unique index place_changes_one_pending_idx on place_changes (place_id) where status = 'pending';
create index place_changes_place_idx on place_changes (place_id, submitted_at);
