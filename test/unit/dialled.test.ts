// What each of the line's numbers means once the caller is signed in, and how a number is said.
import { describe, expect, it } from 'vitest';
import { firstStep, spokenGroups } from '../../src/domain/dialled.ts';

describe('the number dialled', () => {
  it('the main number is the usual menu for every tier', () => {
    for (const tier of ['None', 'CatS', 'Cat1', 'Cat2', 'Cat4'] as const) expect(firstStep({ profile: 'main', mainNumber: null }, tier)).toBe('menu');
  });

  it('the Cat4 24-hour number goes to the fault questions for Cat4 only; others are told their number', () => {
    const cat4Line = { profile: 'cat4_24h', mainNumber: '+441632960000' } as const;
    expect(firstStep(cat4Line, 'Cat4')).toBe('fault');
    for (const tier of ['None', 'CatS', 'Cat1', 'Cat2'] as const) expect(firstStep(cat4Line, tier)).toBe('wrongNumberMenu');
  });

  it('the billing number goes to billing for everyone', () => {
    expect(firstStep({ profile: 'billing', mainNumber: null }, 'Cat1')).toBe('billing');
  });

  it('says UK numbers in the groups people use', () => {
    expect(spokenGroups('+441632960000')).toEqual(['01632', '960000']);
    expect(spokenGroups('+448081570024')).toEqual(['0808', '157', '0024']);
    expect(spokenGroups('+442079460123')).toEqual(['020', '7946', '0123']);
    expect(spokenGroups('+441214960123')).toEqual(['0121', '496', '0123']);
    expect(spokenGroups('+15551234567')).toEqual(['15551234567']);
  });
});
