-- A ticket has an owner: the console user (engineer or supervisor) who looks after it.
alter table tickets add column assigned_to bigint references users (id) on delete set null;
alter table tickets add column assigned_at timestamptz;
create index tickets_assigned on tickets (assigned_to) where assigned_to is not null;

-- A promise to call back (a message taken, a "we will call you back by") is a to-do
-- until someone records that the callback was made.
alter table tickets add column callback_done_at timestamptz;
alter table tickets add column callback_done_by text;
create index tickets_callback_open on tickets (opened_at) where callback_done_at is null and channel = 'phone';
