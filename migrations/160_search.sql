-- Search by phone number finds a caller's calls without scanning the call log.
create index if not exists calls_from_number on calls (from_number, started_at desc);
