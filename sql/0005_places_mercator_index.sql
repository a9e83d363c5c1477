-- Nearest-place searches order by distance through a GiST index. On geography that
-- ordering computes sphere distances for every index entry it visits (~12 ms at a
-- dense city centre with a million places). Web Mercator is conformal, so within a
-- search radius its distances are true distances times one scale factor: ordering by
-- them is ordering by true distance, and planar index distances are cheap. The exact
-- geodesic distance is still what is filtered on and shown.
alter table places
  add column merc geometry(Point, 3857) generated always as (st_transform(location::geometry, 3857)) stored;

drop index places_active_location_idx;
create index places_active_merc_idx on places using gist (merc) where status = 'active';
