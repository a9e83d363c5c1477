-- The map's box (GET /places?bbox=) shows up to a thousand places per view in a dense
-- city, each as its public GeoJSON feature. Built per request, the features cost the
-- database 20 ms per view at 900 places (the soak: a quarter of its time at 10 views/s).
-- What a place shows the public changes only when the place is written, so the feature
-- is written with it, and a view only joins texts.
--
-- Exactly what publicFeature (src/places/present.ts) says of a refuge; help desks never
-- appear in the box (they are not refuges). Dates in UTC, as every session reads them.

alter table places add column public_feature text;

create function place_public_feature() returns trigger language plpgsql set timezone to 'UTC' as $$
begin
  new.public_feature := json_build_object(
    'type', 'Feature',
    'geometry', json_build_object('type', 'Point', 'coordinates', json_build_array(st_x(new.location::geometry), st_y(new.location::geometry))),
    'properties', case when new.valid_from is null and new.valid_until is null
      then json_build_object('id', new.id, 'name', new.name, 'kind', new.kind, 'address', new.address, 'phone', new.phone,
        'features', new.features, 'opening_hours', new.opening_hours)
      else json_build_object('id', new.id, 'name', new.name, 'kind', new.kind, 'address', new.address, 'phone', new.phone,
        'features', new.features, 'opening_hours', new.opening_hours, 'valid_from', new.valid_from, 'valid_until', new.valid_until)
    end)::text;
  return new;
end $$;

-- Only writes of what the feature shows: the periods' upkeep rewrites every place.
create trigger places_public_feature before insert or update of id, name, kind, address, phone, features, opening_hours, valid_from, valid_until, location
  on places for each row execute function place_public_feature();

update places set name = name;
alter table places alter column public_feature set not null;
