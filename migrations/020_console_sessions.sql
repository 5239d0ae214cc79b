-- The supervisor console: server-side sign-in sessions, one-time passwords, and
-- the indexes the call log and an engineer's own view are read by.

-- A password handed out by `support-line users add` or a reset works once: the
-- first sign-in must choose a new one.
alter table users add column must_change_password boolean not null default false;
alter table users add column password_changed_at timestamptz;

-- The cookie carries a random token; only its SHA-256 is stored, so a copy of this
-- table cannot be replayed as a session.
create table console_sessions (
  id            text primary key check (id ~ '^[0-9a-f]{64}$'),
  user_id       bigint not null references users (id) on delete cascade,
  -- The synchroniser token every state change must send back (form field or header).
  csrf_token    text not null check (length(csrf_token) >= 32),
  created_at    timestamptz not null,
  last_seen_at  timestamptz not null,
  -- Idle expiry, pushed forward as the session is used, never past absolute_expires_at.
  expires_at    timestamptz not null,
  absolute_expires_at timestamptz not null,
  ip            text,
  user_agent    text,
  check (expires_at <= absolute_expires_at)
);
create index console_sessions_user on console_sessions (user_id);
create index console_sessions_expiry on console_sessions (expires_at);

-- "Calls where this engineer was rung": the engineer's own call log.
create index call_events_engineer_rung on call_events ((detail ->> 'engineerId'), call_id)
  where type = 'engineer-rung';

-- Filtered call-log pages walk (started_at, id) within one carrier or account.
create index calls_carrier_recent on calls (carrier, started_at desc, id desc);
drop index calls_account_recent;
create index calls_account_recent on calls (account_id, started_at desc, id desc);

create index tickets_responded_by on tickets (responded_by) where responded_by is not null;
