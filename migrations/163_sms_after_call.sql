-- Whether the line may text the account's callers after a call (the reference and the
-- promised time). On by default: it repeats only what the caller was just told.
alter table accounts add column sms_after_call boolean not null default true;
