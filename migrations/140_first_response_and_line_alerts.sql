-- A call the desk answers is the ticket's first response, like an engineer's 1:
-- responded_desk names the desk (responded_by stays the engineer, when it was one).
alter table tickets add column responded_desk text check (responded_desk in ('support', 'billing'));
alter table tickets add constraint tickets_responded_once check (responded_by is null or responded_desk is null);

-- Notifications the line itself sends, beside the SLA watcher's:
--   escalation_failed — no engineer on the ladder accepted a call: the duty manager is told at once;
--   caller_sms        — after the call, the customer's text with the reference and the promised time;
--   adr_notice        — at 8 weeks, the customer's letter/SMS naming the ADR scheme.
alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check
  check (kind in ('warning', 'breach', 'escalation', 'adr_task', 'escalation_failed', 'caller_sms', 'adr_notice'));
