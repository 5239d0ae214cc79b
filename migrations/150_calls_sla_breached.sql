-- The call log's "SLA breached" filter as an index read: a call whose ticket has a
-- breached timer carries sla_breached. A trigger on sla_timers keeps it, whichever
-- path breaches a timer (the SLA watcher, a late acceptance) or undoes one (a
-- recompute), so no writer can forget it. A running timer past due that the watcher
-- has not reached yet is found through sla_timers at read time (src/store/call-log.ts).
alter table calls add column sla_breached boolean not null default false;

update calls c set sla_breached = true
 where exists (select 1 from tickets t join sla_timers st on st.ticket_id = t.id
                where t.call_id = c.id and st.state = 'breached');

create index calls_sla_breached_recent on calls (started_at desc, id desc) where sla_breached;

create function calls_mark_sla_breached() returns trigger language plpgsql as $$
begin
  if new.state = 'breached' then
    update calls set sla_breached = true
     where id = (select call_id from tickets where id = new.ticket_id) and not sla_breached;
  elsif tg_op = 'UPDATE' and old.state = 'breached' then
    update calls set sla_breached = exists (select 1 from sla_timers st where st.ticket_id = new.ticket_id and st.state = 'breached')
     where id = (select call_id from tickets where id = new.ticket_id);
  end if;
  return null;
end $$;

create trigger sla_timers_mark_call after insert or update of state on sla_timers
  for each row execute function calls_mark_sla_breached();
