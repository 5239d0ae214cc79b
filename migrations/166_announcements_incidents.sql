-- Major incidents: a parent ticket (one SLA clock for the fault) that callers' own
-- tickets join, and the announcements callers hear right after the greeting.
create table incidents (
  id           bigserial primary key,
  ticket_id    bigint not null unique references tickets (id),
  title        text not null check (btrim(title) <> ''),
  created_by   text not null,
  created_at   timestamptz not null,
  resolved_at  timestamptz,
  resolved_by  text
);

-- A caller's ticket that joined an incident (pressed 1, or linked by a supervisor).
alter table tickets add column incident_id bigint references incidents (id);
create index tickets_incident on tickets (incident_id) where incident_id is not null;

create table announcements (
  id              bigserial primary key,
  kind            text not null check (kind in ('incident', 'maintenance')),
  message         text not null check (btrim(message) <> '' and length(message) <= 600),
  starts_at       timestamptz not null,
  ends_at         timestamptz not null check (ends_at > starts_at),
  -- Scope: every field null means every caller. Set fields all have to match.
  account_ids     bigint[] check (account_ids is null or cardinality(account_ids) > 0),
  service         text check (service in ('phones', 'broadband')),
  dialled_number  text check (dialled_number ~ '^\+[1-9][0-9]{6,14}$'),
  incident_id     bigint references incidents (id),
  -- The Asterisk sound rendered from the message when it was posted; null: not rendered.
  sound           text,
  created_by      text not null,
  created_at      timestamptz not null,
  withdrawn_at    timestamptz,
  withdrawn_by    text
);
create index announcements_live on announcements (ends_at) where withdrawn_at is null;

-- What each account takes from us, for announcements scoped to a service.
alter table accounts add column services text[] not null default '{phones,broadband}'
  check (services <@ array['phones', 'broadband']::text[]);

-- The text to each caller who joined an incident, when it is resolved.
alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check
  check (kind in ('warning', 'breach', 'escalation', 'adr_task', 'escalation_failed', 'caller_sms', 'adr_notice', 'assignee_sms', 'incident_resolved'));
