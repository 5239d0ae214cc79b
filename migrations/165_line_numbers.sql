-- The line's own numbers (issue 17): which number a caller dialled decides how the call
-- starts (src/domain/dialled.ts). E.164, one row a number.
create table line_numbers (
  number      text primary key check (number ~ '^\+[1-9][0-9]{6,14}$'),
  profile     text not null check (profile in ('main', 'cat4_24h', 'billing')),
  label       text not null check (label <> ''),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
