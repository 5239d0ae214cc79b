-- The engineer given a Cat4 critical ticket is texted (issue 16): a new notification kind.
alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check
  check (kind in ('warning', 'breach', 'escalation', 'adr_task', 'escalation_failed', 'caller_sms', 'adr_notice', 'assignee_sms'));
