-- The call log's engineer filter ("calls on which this engineer was rung") as an index
-- read. The timeline's engineer-rung entries say which calls, but not in the log's order
-- (the call's start, newest first): a busy engineer's thousands of calls were fetched by
-- id and sorted for every page. This keeps each (engineer, call) pair once with the call's
-- start, filled by a trigger on call_events as the entry is written (whichever path writes
-- it: a step, the outbox replaying one), so a page is a range of one index.
-- engineer_id is the entry's text as written, as the filter compared it before.
create table call_engineer_rungs (
  engineer_id text not null,
  call_id     uuid not null references calls (id) on delete cascade,
  started_at  timestamptz not null,
  primary key (engineer_id, call_id)
);

insert into call_engineer_rungs (engineer_id, call_id, started_at)
select distinct e.detail ->> 'engineerId', e.call_id, c.started_at
  from call_events e join calls c on c.id = e.call_id
 where e.type = 'engineer-rung' and e.detail ->> 'engineerId' is not null
on conflict do nothing;

create index call_engineer_rungs_recent on call_engineer_rungs (engineer_id, started_at desc, call_id desc);

create function call_engineer_rungs_add() returns trigger language plpgsql as $$
begin
  if new.detail ->> 'engineerId' is not null then
    insert into call_engineer_rungs (engineer_id, call_id, started_at)
    select new.detail ->> 'engineerId', c.id, c.started_at from calls c where c.id = new.call_id
    on conflict do nothing;
  end if;
  return null;
end $$;

create trigger call_events_engineer_rung after insert on call_events
  for each row when (new.type = 'engineer-rung') execute function call_engineer_rungs_add();
