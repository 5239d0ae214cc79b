-- Tickets through their lifecycle, the SLA watcher's outbox, the console's feed
-- and the complaint tasks (issue 5). Numbered after the issue so that migrations
-- written in parallel by other issues do not share a version.

-- ---------------------------------------------------------------------------
-- Pauses are kept per timer: each timer started at its own time (on-site starts at
-- the decision) and not every timer pauses (the 8-week ADR point never does), so
-- a timer's due time is recomputed from its own start, target and pauses alone.
-- Each element is {"from": ISO, "to": ISO}; the pause in force is `paused_at`.
alter table sla_timers add column pauses jsonb not null default '[]'
  check (jsonb_typeof(pauses) = 'array');

-- Where "resume" returns a ticket that was waiting on the customer.
alter table tickets add column status_before_wait text check (status_before_wait in (
  'new', 'acknowledged', 'onsite_decided', 'onsite', 'caller_abandoned'));

-- `tickets due --within 2h`: running timers by due time.
create index sla_timers_running_due on sla_timers (due_at) where state = 'running';
-- Reports by month.
create index tickets_opened on tickets (opened_at);
-- `calls unaccounted`: calls that never ended.
create index calls_open on calls (started_at) where ended_at is null;

-- ---------------------------------------------------------------------------
-- Tasks a timer creates for a person, e.g. at 8 weeks "tell the customer of their
-- right to alternative dispute resolution" (seed 002); done_at records it was done.
create table ticket_tasks (
  id          bigserial primary key,
  ticket_id   bigint not null references tickets (id) on delete cascade,
  kind        text not null check (kind in ('adr_notice')),
  title       text not null check (btrim(title) <> ''),
  created_at  timestamptz not null,
  done_at     timestamptz,
  done_by     text,
  unique (ticket_id, kind),
  check ((done_at is null) = (done_by is null))
);
create index ticket_tasks_open on ticket_tasks (created_at) where done_at is null;

-- ---------------------------------------------------------------------------
-- The outbox: one row per notification per channel and recipient, written in the
-- same transaction as the warning or breach it tells of. `event_key` names the
-- event (timer 17's breach), so the same event can never be queued twice.
--   pending — not yet delivered; failed — the last attempt failed, retried at
--   next_attempt_at; sent — delivered (next_attempt_at set only for a repeat page).
-- attempts counts every try, failures the tries failed since the last delivery
-- (the backoff), sends the deliveries (the first and any repeat pages).
-- Acknowledged rows are never sent again.
create table notifications (
  id               bigserial primary key,
  event_key        text not null check (btrim(event_key) <> ''),
  kind             text not null check (kind in ('warning', 'breach', 'escalation', 'adr_task')),
  ticket_id        bigint references tickets (id) on delete cascade,
  timer_id         bigint references sla_timers (id) on delete cascade,
  channel          text not null check (channel in ('sms', 'webhook', 'feed')),
  recipient        text not null check (btrim(recipient) <> ''),
  payload          jsonb not null,
  state            text not null default 'pending' check (state in ('pending', 'sent', 'failed')),
  attempts         integer not null default 0 check (attempts >= 0),
  failures         integer not null default 0 check (failures >= 0),
  sends            integer not null default 0 check (sends >= 0),
  next_attempt_at  timestamptz,
  last_error       text,
  sent_at          timestamptz,
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  created_at       timestamptz not null,
  unique (event_key, channel, recipient),
  check ((acknowledged_at is null) = (acknowledged_by is null))
);
create index notifications_due on notifications (next_attempt_at)
  where next_attempt_at is not null and acknowledged_at is null;
create index notifications_ticket on notifications (ticket_id, created_at);

-- The console's feed: what the supervisors see scroll past. Written by the
-- notifier when it delivers a feed notification, once per notification.
create table feed_entries (
  id               bigserial primary key,
  at               timestamptz not null,
  kind             text not null check (btrim(kind) <> ''),
  ticket_id        bigint references tickets (id) on delete cascade,
  reference        text,
  text             text not null,
  detail           jsonb not null default '{}',
  notification_id  bigint unique references notifications (id) on delete set null
);
create index feed_entries_recent on feed_entries (at desc, id desc);
