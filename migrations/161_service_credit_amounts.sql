-- Service credits with amounts (seed 000 §5.2, "automatic service credits"): what a
-- breach of a contracted target is worth is data, per tier, set by an admin. A
-- percentage rule needs the contract's monthly fee; a fixed rule does not. A monthly
-- cap, as a share of the fee, keeps one bad month from costing more than the contract.
create table service_credit_rules (
  tier                 text primary key check (tier in ('Cat1', 'Cat2', 'Cat4')),
  basis                text not null check (basis in ('percent', 'fixed')),
  percent              numeric(5, 2) check (percent > 0 and percent <= 100),
  amount_pence         integer check (amount_pence > 0),
  monthly_cap_percent  numeric(5, 2) check (monthly_cap_percent > 0 and monthly_cap_percent <= 100),
  updated_at           timestamptz not null,
  updated_by           text not null check (btrim(updated_by) <> ''),
  check ((basis = 'percent') = (percent is not null)),
  check ((basis = 'fixed') = (amount_pence is not null))
);

-- The contract's monthly fee before VAT, in pence; null when not recorded.
alter table contracts add column monthly_fee_pence integer check (monthly_fee_pence >= 0);

-- The statement reads breaches by the month they happened.
create index sla_timers_credited on sla_timers (breached_at) where service_credit;
