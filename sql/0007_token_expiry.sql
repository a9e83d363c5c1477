-- Tokens can end: at a date chosen when they are issued, or when someone revokes them.
-- last_used_at tells a city which tokens still serve, so dormant ones can be revoked;
-- it is written at most once a minute per token, never once per request.
alter table tokens add column expires_at timestamptz;
alter table tokens add column last_used_at timestamptz;
alter table tokens add column revoked_by uuid;
