// What a month of breaches costs, by the tier's rule: a Cat2 practice paying £120 a
// month, three response breaches, 10% a breach capped at 25% of the fee.
import { describe, expect, it } from 'vitest';
import { creditAmount, pounds, type CreditRule } from '../../src/domain/sla/credits.ts';

const cat2: CreditRule = { tier: 'Cat2', basis: 'percent', percent: 10, amountPence: null, monthlyCapPercent: 25 };
const cat4Fixed: CreditRule = { tier: 'Cat4', basis: 'fixed', percent: null, amountPence: 5000, monthlyCapPercent: null };

describe('service credit amounts', () => {
  it('a percentage of the fee per breach, stopped at the monthly cap', () => {
    expect(creditAmount(cat2, 12_000, 1)).toEqual({ perBreachPence: 1200, totalPence: 1200, capped: false, missing: null });
    expect(creditAmount(cat2, 12_000, 3)).toEqual({ perBreachPence: 1200, totalPence: 3000, capped: true, missing: null });
  });

  it('a fixed sum per breach needs no fee; with no cap it is simply counted', () => {
    expect(creditAmount(cat4Fixed, null, 4)).toMatchObject({ perBreachPence: 5000, totalPence: 20_000, capped: false });
  });

  it('says why there is no amount rather than inventing one', () => {
    expect(creditAmount(null, 12_000, 2)).toMatchObject({ totalPence: null, missing: 'no rule' });
    expect(creditAmount(cat2, null, 2)).toMatchObject({ totalPence: null, missing: 'no monthly fee' });
  });

  it('rounds to whole pence, half up, as an invoice line would', () => {
    expect(creditAmount({ ...cat2, percent: 7.5, monthlyCapPercent: null }, 9_999, 1).perBreachPence).toBe(750);
    expect(pounds(1250)).toBe('£12.50');
  });
});
