// What a month's service credits come to for one account: the tier's rule (a share
// of the monthly fee, or a fixed sum, per breach) times the breaches that earned a
// credit, capped at a share of the fee. Pure: the statement's store reads the rows.
import type { Tier } from '../contracts.ts';

export interface CreditRule {
  tier: Tier;
  basis: 'percent' | 'fixed';
  /** Per breach, a percentage of the monthly fee (basis percent). */
  percent: number | null;
  /** Per breach, in pence (basis fixed). */
  amountPence: number | null;
  /** The month's credits never exceed this share of the fee (needs a fee). */
  monthlyCapPercent: number | null;
}

export interface CreditAmount {
  /** What one breach is worth; null when it cannot be worked out (see `missing`). */
  perBreachPence: number | null;
  totalPence: number | null;
  /** True when the monthly cap cut the total. */
  capped: boolean;
  /** Why there is no amount: no rule for the tier, or a percentage rule with no fee recorded. */
  missing: 'no rule' | 'no monthly fee' | null;
}

export function creditAmount(rule: CreditRule | null, monthlyFeePence: number | null, breaches: number): CreditAmount {
  if (!rule) return { perBreachPence: null, totalPence: null, capped: false, missing: 'no rule' };
  let per: number;
  if (rule.basis === 'fixed') {
    per = rule.amountPence ?? 0;
  } else {
    if (monthlyFeePence === null) return { perBreachPence: null, totalPence: null, capped: false, missing: 'no monthly fee' };
    // Whole pence, rounded half up: what an invoice line shows.
    per = Math.round((monthlyFeePence * (rule.percent ?? 0)) / 100);
  }
  const uncapped = per * breaches;
  const cap = rule.monthlyCapPercent !== null && monthlyFeePence !== null ? Math.round((monthlyFeePence * rule.monthlyCapPercent) / 100) : null;
  const total = cap !== null ? Math.min(uncapped, cap) : uncapped;
  return { perBreachPence: per, totalPence: total, capped: cap !== null && uncapped > cap, missing: null };
}

/** "£12.50". */
export function pounds(pence: number): string {
  return `£${(pence / 100).toFixed(2)}`;
}
