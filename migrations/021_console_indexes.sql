-- The console's SLA filters look for the few timers in a state (breached, paused,
-- running past due) before reading calls; without this they read every timer.
create index sla_timers_state on sla_timers (state, ticket_id);

-- The console's ticket list pages by (opened_at, id), newest first.
create index tickets_opened_recent on tickets (opened_at desc, id desc);
