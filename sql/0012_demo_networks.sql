-- A demo network (fictional places, stops and timetable, for trying the screens) is marked
-- as such, so that recreating it can never touch a real network that took its slug.
alter table networks add column demo boolean not null default false;
