-- A push endpoint belongs to whoever subscribed it. It used to be unique across the
-- table, so posting an alert with an operator's endpoint moved that subscription to the
-- alert and the operator stopped hearing of alerts. Now each owner has its own row: the
-- same browser may hear of its own alert, its drop-off and, as an operator, of the network.

-- Who owns the row, whatever its kind, so one unique key and one cap cover all four.
alter table push_subscriptions add column owner_id uuid generated always as (
  case owner
    when 'place' then place_id
    when 'operator' then token_id
    when 'alert' then alert_id
    when 'dropoff' then dropoff_id
  end) stored;

alter table push_subscriptions drop constraint push_subscriptions_endpoint_key;
-- Also how an owner's subscriptions are counted against the cap (its leading columns).
alter table push_subscriptions add constraint push_subscriptions_owner_endpoint_key unique (owner, owner_id, endpoint);
