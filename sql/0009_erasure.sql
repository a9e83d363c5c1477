-- Erasure that cannot be undone. Past the retention period every value that could put a
-- person back on the map goes, not only the point itself: distances to refuges (whose
-- positions are public) trilaterate it, and a distance along a known trip shape, or the
-- pair of stops it lies between, places a drop-off more finely than its rounded point.

-- How many refuges were told of an alert survives the erasure of who they were and how
-- far: the recipients list and its distances are deleted with the precise location.
alter table alerts add column notified_places integer;

-- A coarsened drop-off keeps its line, its times and the driver's decision, for the
-- evaluation; where on the line it was goes.
alter table dropoffs
  alter column offset_m drop not null,
  alter column distance_along_m drop not null,
  alter column after_stop_id drop not null,
  alter column after_stop_name drop not null,
  alter column after_stop_m drop not null,
  alter column before_stop_id drop not null,
  alter column before_stop_name drop not null;

-- The purges by age (idempotency keys, SMS deduplication) look rows up by their date.
create index alert_idempotency_created_idx on alert_idempotency (created_at);
create index sms_inbound_received_idx on sms_inbound (received_at);
create index dropoffs_to_coarsen_idx on dropoffs (created_at) where not coarsened;
