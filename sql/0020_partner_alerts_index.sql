-- A partner's screen lists the alerts sent to its place (and a place's deletion cascades
-- here): both look rows up by place, which the primary key (alert_id first) cannot serve.
create index alert_recipients_place_idx on alert_recipients (place_id, alert_id);
