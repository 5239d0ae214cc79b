// Support contract tiers, from the phone-system maintainer's contract levels
// (shared/seeds/004): no support, CatS ad hoc, Cat1 remote, Cat2 extended hours,
// Cat4 24-hour access with on-site attendance.

export const TIERS = ['None', 'CatS', 'Cat1', 'Cat2', 'Cat4'] as const;
export type Tier = (typeof TIERS)[number];

export const PRIORITIES = ['critical', 'standard'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type AccountStatus = 'active' | 'suspended';

/** Ad hoc (CatS / no contract) charge, per incident, in pence before VAT. */
export const AD_HOC_CHARGE_PENCE = 7000;

export interface ContractTerms {
  tier: Tier;
  /** First day covered, `YYYY-MM-DD` (UK local date). */
  startsOn: string;
  /** Last day covered, inclusive; null for an open-ended contract. */
  endsOn: string | null;
}

/**
 * The tier the line treats a caller as having on `localDate` (`YYYY-MM-DD`, UK):
 * a suspended account, or a contract outside its dates, counts as `None`.
 */
export function effectiveTier(
  status: AccountStatus,
  contracts: readonly ContractTerms[],
  localDate: string,
): Tier {
  if (status !== 'active') return 'None';
  let best: Tier = 'None';
  for (const c of contracts) {
    if (c.startsOn > localDate) continue;
    if (c.endsOn !== null && c.endsOn < localDate) continue;
    if (TIERS.indexOf(c.tier) > TIERS.indexOf(best)) best = c.tier;
  }
  return best;
}

export function isTier(value: string): value is Tier {
  return (TIERS as readonly string[]).includes(value);
}

export function isPriority(value: string): value is Priority {
  return (PRIORITIES as readonly string[]).includes(value);
}

const LONDON_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The UK calendar date (`YYYY-MM-DD`) at an instant: contracts run by local days. */
export function londonDate(at: Date): string {
  return LONDON_DATE.format(at);
}
