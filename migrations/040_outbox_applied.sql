-- Writes the line journaled while Postgres was unreachable (src/resilience/), by the
-- uuid each was given. A write is applied in the same transaction as its row here,
-- so replaying a journal twice, or after a lost acknowledgement, applies it once.
-- Rows older than the retention job's horizon are pruned (src/workers/retention.ts).
create table outbox_applied (
  id          uuid primary key,
  op          text not null check (btrim(op) <> ''),
  applied_at  timestamptz not null default now()
);
create index outbox_applied_at on outbox_applied (applied_at);
