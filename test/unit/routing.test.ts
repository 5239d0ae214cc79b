// Every cell of the routing table: tier × priority × time of day.
import { describe, expect, it } from 'vitest';
import { coverCalendar, decideRoute } from '../../src/domain/routing.ts';
import type { Priority, Tier } from '../../src/domain/contracts.ts';

const calendar = { division: 'england-and-wales' as const, closures: [] };
const christmas = {
  division: 'england-and-wales' as const,
  closures: [{ from: new Date('2026-12-24T12:00:00Z'), to: new Date('2027-01-04T09:00:00Z'), reason: 'Christmas shutdown' }],
};

const WEEKDAY_NOON = '2026-11-24T12:00:00Z'; // Tuesday, office open
const WEEKDAY_8PM = '2026-11-24T20:00:00Z'; // office closed, extended open
const WEEKDAY_3AM = '2026-11-24T03:00:00Z'; // everything but 24x7 closed
const BANK_HOLIDAY_NOON = '2026-12-28T12:00:00Z'; // Boxing Day substitute

describe('cover calendars', () => {
  it.each([
    ['None', 'standard', 'office'],
    ['CatS', 'critical', 'office'],
    ['Cat1', 'critical', 'office'],
    ['Cat2', 'standard', 'extended'],
    ['Cat2', 'critical', 'extended'],
    ['Cat4', 'critical', 'always'],
    ['Cat4', 'standard', 'office'],
  ] as [Tier, Priority, string][])('%s %s is covered in %s', (tier, priority, cal) => {
    expect(coverCalendar(tier, priority)).toBe(cal);
  });
});

describe('a fault report', () => {
  const table: [Tier, Priority, string, string][] = [
    ['None', 'critical', WEEKDAY_NOON, 'desk'],
    ['None', 'critical', WEEKDAY_8PM, 'voicemail'],
    ['CatS', 'standard', WEEKDAY_NOON, 'desk'],
    ['CatS', 'critical', WEEKDAY_3AM, 'voicemail'],
    ['Cat1', 'critical', WEEKDAY_NOON, 'desk'],
    ['Cat1', 'critical', WEEKDAY_8PM, 'voicemail'],
    ['Cat1', 'standard', BANK_HOLIDAY_NOON, 'voicemail'],
    ['Cat2', 'standard', WEEKDAY_NOON, 'desk'],
    ['Cat2', 'standard', WEEKDAY_8PM, 'oncall'],
    ['Cat2', 'critical', BANK_HOLIDAY_NOON, 'oncall'],
    ['Cat2', 'critical', WEEKDAY_3AM, 'voicemail'],
    ['Cat4', 'critical', WEEKDAY_NOON, 'desk'],
    ['Cat4', 'critical', WEEKDAY_8PM, 'oncall'],
    ['Cat4', 'critical', WEEKDAY_3AM, 'oncall'],
    ['Cat4', 'critical', BANK_HOLIDAY_NOON, 'oncall'],
    ['Cat4', 'standard', WEEKDAY_NOON, 'desk'],
    ['Cat4', 'standard', WEEKDAY_3AM, 'voicemail'],
  ];
  it.each(table)('%s %s at %s → %s', (tier, priority, at, route) => {
    const d = decideRoute({ tier, priority, menu: 'fault', at: new Date(at), calendar });
    expect(d.route).toBe(route);
    expect(d.reason.length).toBeGreaterThan(10);
  });

  it('treats a Christmas shutdown as out of hours: Cat4 critical goes on call, Cat1 leaves a message', () => {
    const at = new Date('2026-12-29T11:00:00Z');
    expect(decideRoute({ tier: 'Cat4', priority: 'critical', menu: 'fault', at, calendar: christmas }).route).toBe('oncall');
    const cat1 = decideRoute({ tier: 'Cat1', priority: 'standard', menu: 'fault', at, calendar: christmas });
    expect(cat1.route).toBe('voicemail');
    expect(cat1.reason).toMatch(/Christmas shutdown/);
  });
});

describe('complaints and billing', () => {
  it.each([
    ['complaint', WEEKDAY_NOON, 'desk'],
    ['complaint', WEEKDAY_8PM, 'voicemail'],
    ['billing', WEEKDAY_NOON, 'desk'],
    ['billing', WEEKDAY_3AM, 'voicemail'],
  ] as const)('%s at %s → %s, whatever the tier', (menu, at, route) => {
    expect(decideRoute({ tier: 'Cat4', priority: null, menu, at: new Date(at), calendar }).route).toBe(route);
  });
});
