import { describe, expect, it } from 'vitest';
import { TIERS, type Priority, type Tier } from '../../src/domain/contracts.ts';
import {
  DEFAULT_POLICY,
  earnsServiceCredit,
  SLA_TARGET_NAMES,
  targetsFor,
  type SlaTargetName,
} from '../../src/domain/sla/policy.ts';

const summary = (tier: Tier, priority: Priority | null, kind: Parameters<typeof targetsFor>[2]) =>
  targetsFor(tier, priority, kind).map((t) => `${t.name} ${t.minutes / 60}h ${t.calendar}${t.startsOn === 'opened' ? '' : ' from ' + t.startsOn}`);

describe('the targets a new fault ticket gets', () => {
  it.each<[Tier, Priority | null, string[]]>([
    ['Cat1', 'critical', ['response 8h office']],
    ['Cat1', 'standard', ['response 8h office']],
    ['Cat2', 'critical', ['response 4h extended']],
    ['Cat2', 'standard', ['response 4h extended']],
    ['Cat4', 'critical', ['response 2h always', 'resolution 4h always', 'onsite 24h always from onsite_decided']],
    ['Cat4', 'standard', ['response 8h office', 'onsite 24h always from onsite_decided']],
    ['Cat4', null, ['response 8h office', 'onsite 24h always from onsite_decided']], // unknown priority is standard
    ['CatS', 'critical', []],
    ['CatS', 'standard', []],
    ['None', 'critical', []],
    ['None', null, []],
  ])('%s %s: %j', (tier, priority, expected) => {
    expect(summary(tier, priority, 'fault')).toEqual(expected);
  });
});

describe('complaints, billing and messages', () => {
  it.each(TIERS)('a complaint from a %s customer: acknowledge, resolve, escalate, tell of ADR', (tier) => {
    expect(summary(tier, null, 'complaint')).toEqual([
      'complaint_ack 4h office',
      'complaint_resolution 40h office', // 5 working days of 8 office hours
      'complaint_escalation 16h office', // 48 hours as two working days
      'adr_notice 1344h always', // 8 weeks
    ]);
  });

  it.each(TIERS)('billing and messages from a %s customer have no target', (tier) => {
    expect(targetsFor(tier, 'critical', 'billing')).toEqual([]);
    expect(targetsFor(tier, null, 'message')).toEqual([]);
  });

  it('a ticket gets its own copy of the targets', () => {
    const mine = targetsFor('Cat1', null, 'fault');
    mine.pop();
    expect(targetsFor('Cat1', null, 'fault')).toHaveLength(1);
    expect(Object.isFrozen(DEFAULT_POLICY.faults.Cat4.critical)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.faults.Cat4.critical[0])).toBe(true);
  });

  it('another policy can be passed in', () => {
    const generous = {
      ...DEFAULT_POLICY,
      id: 'generous',
      faults: { ...DEFAULT_POLICY.faults, Cat1: { critical: [], standard: [] } },
    };
    expect(targetsFor('Cat1', 'standard', 'fault', generous)).toEqual([]);
  });
});

describe('automatic service credits for SLA breaches (seed 000 §5.2)', () => {
  const credited: SlaTargetName[] = ['response', 'resolution', 'onsite'];

  it.each(TIERS.flatMap((tier) => SLA_TARGET_NAMES.map((target) => [tier, target] as const)))(
    '%s, %s breached',
    (tier, target) => {
      const expected = ['Cat1', 'Cat2', 'Cat4'].includes(tier) && credited.includes(target);
      expect(earnsServiceCredit(tier, target)).toBe(expected);
    },
  );
});
