import { describe, expect, it } from 'vitest';
import type { CalendarContext, CalendarName } from '../../src/domain/calendar/calendar.ts';
import {
  dueAt,
  isPaused,
  openMinutesBetween,
  SlaClockPausedError,
  warnAt,
  type Pause,
} from '../../src/domain/sla/clock.ts';

const at = (iso: string) => new Date(iso);
const HOUR = 60;

const england: CalendarContext = { division: 'england-and-wales', closures: [] };
const shutdown = { from: at('2026-12-24T12:00:00Z'), to: at('2027-01-04T00:00:00Z'), reason: 'Christmas shutdown' };
const englandWithShutdown: CalendarContext = { division: 'england-and-wales', closures: [shutdown] };

interface Case {
  rule: string;
  cal: CalendarName;
  start: string;
  minutes: number;
  due: string;
  ctx?: CalendarContext;
}

// UK wall-clock times in the rules; instants in UTC (GMT in winter, BST = UTC+1).
const cases: Case[] = [
  {
    rule: 'Cat1 opened Friday 16:30: 30 minutes on Friday and 7½ hours on Monday',
    cal: 'office', start: '2026-11-20T16:30:00Z', minutes: 8 * HOUR, due: '2026-11-23T16:30:00Z',
  },
  {
    rule: 'Cat1 opened Monday 09:00 runs out at 17:00 that day, not at the next opening',
    cal: 'office', start: '2026-11-23T09:00:00Z', minutes: 8 * HOUR, due: '2026-11-23T17:00:00Z',
  },
  {
    rule: 'a complaint acknowledged within 4 working hours, opened 13:00, is due at 17:00',
    cal: 'office', start: '2026-11-23T13:00:00Z', minutes: 4 * HOUR, due: '2026-11-23T17:00:00Z',
  },
  {
    rule: 'opened on Saturday, the clock waits for Monday 09:00',
    cal: 'office', start: '2026-11-21T11:00:00Z', minutes: 4 * HOUR, due: '2026-11-23T13:00:00Z',
  },
  {
    rule: 'opened at 17:00 on a weekday, the clock waits for 09:00 next day',
    cal: 'office', start: '2026-11-18T17:00:00Z', minutes: 1 * HOUR, due: '2026-11-19T10:00:00Z',
  },
  {
    rule: 'a 0-minute target opened on Saturday is due at the next opening',
    cal: 'office', start: '2026-11-21T11:00:00Z', minutes: 0, due: '2026-11-23T09:00:00Z',
  },
  {
    rule: 'Cat1 over Christmas 2026: Thursday 24th, then Friday 25th, the weekend and Monday 28th (substitute) are closed',
    cal: 'office', start: '2026-12-24T15:00:00Z', minutes: 8 * HOUR, due: '2026-12-29T15:00:00Z',
  },
  {
    rule: 'Cat1 during the Christmas shutdown waits for Monday 4 January',
    cal: 'office', start: '2026-12-24T15:00:00Z', minutes: 8 * HOUR, due: '2027-01-04T17:00:00Z', ctx: englandWithShutdown,
  },
  {
    rule: 'Cat1 opened Friday 16:00 GMT before BST starts: 1 hour Friday, 7 hours Monday to 16:00 BST',
    cal: 'office', start: '2026-03-27T16:00:00Z', minutes: 8 * HOUR, due: '2026-03-30T15:00:00Z',
  },
  {
    rule: 'Cat1 opened Friday 16:00 BST before BST ends: 1 hour Friday, 7 hours Monday to 16:00 GMT',
    cal: 'office', start: '2026-10-23T15:00:00Z', minutes: 8 * HOUR, due: '2026-10-26T16:00:00Z',
  },
  {
    rule: 'Cat2 on Christmas Day: extended cover includes bank holidays',
    cal: 'extended', start: '2026-12-25T10:00:00Z', minutes: 4 * HOUR, due: '2026-12-25T14:00:00Z',
  },
  {
    rule: 'Cat2 opened 21:00 on Christmas Day: 2 hours to 23:00, 2 more from 07:00 on Boxing Day',
    cal: 'extended', start: '2026-12-25T21:00:00Z', minutes: 4 * HOUR, due: '2026-12-26T09:00:00Z',
  },
  {
    rule: 'Cat2 carries on through the office shutdown',
    cal: 'extended', start: '2026-12-30T10:00:00Z', minutes: 4 * HOUR, due: '2026-12-30T14:00:00Z', ctx: englandWithShutdown,
  },
  {
    rule: 'Cat2 opened Saturday 22:00 GMT the night BST starts: 1 hour, then from 07:00 BST (06:00Z) Sunday',
    cal: 'extended', start: '2026-03-28T22:00:00Z', minutes: 4 * HOUR, due: '2026-03-29T09:00:00Z',
  },
  {
    rule: 'Cat2 opened Saturday 22:00 BST the night BST ends: 1 hour, then from 07:00 GMT Sunday',
    cal: 'extended', start: '2026-10-24T21:00:00Z', minutes: 4 * HOUR, due: '2026-10-25T10:00:00Z',
  },
  {
    rule: 'Cat2 on the Sunday BST starts: 07:00–23:00 BST is 16 hours',
    cal: 'extended', start: '2026-03-29T00:00:00Z', minutes: 16 * HOUR, due: '2026-03-29T22:00:00Z',
  },
  {
    rule: 'Cat2 on the Sunday BST ends: 07:00–23:00 GMT is 16 hours',
    cal: 'extended', start: '2026-10-25T00:00:00Z', minutes: 16 * HOUR, due: '2026-10-25T23:00:00Z',
  },
  {
    rule: 'Cat4 critical, 2 hours from 00:30 GMT the night BST starts: due 03:30 BST, two real hours later',
    cal: 'always', start: '2026-03-29T00:30:00Z', minutes: 2 * HOUR, due: '2026-03-29T02:30:00Z',
  },
  {
    rule: 'Cat4 critical, 2 hours from 01:30 BST the night BST ends: due 02:30 GMT, two real hours later',
    cal: 'always', start: '2026-10-25T00:30:00Z', minutes: 2 * HOUR, due: '2026-10-25T02:30:00Z',
  },
  {
    rule: 'Cat4 critical resolution, 4 hours over Christmas Day during the shutdown',
    cal: 'always', start: '2026-12-25T10:00:00Z', minutes: 4 * HOUR, due: '2026-12-25T14:00:00Z', ctx: englandWithShutdown,
  },
  {
    rule: 'Cat4 on-site, 24 hours from the decision, across the night BST starts (a 23-hour local day)',
    cal: 'always', start: '2026-03-28T12:00:00Z', minutes: 24 * HOUR, due: '2026-03-29T12:00:00Z',
  },
  {
    rule: 'a complaint resolved within 5 working days, opened Wednesday 14:00, is due the next Wednesday 14:00',
    cal: 'office', start: '2026-11-18T14:00:00Z', minutes: 40 * HOUR, due: '2026-11-25T14:00:00Z',
  },
  {
    rule: 'a complaint opened Monday 21 December 10:00: 31 hours by Christmas Eve, 8 on the 29th, 1 on the 30th',
    cal: 'office', start: '2026-12-21T10:00:00Z', minutes: 40 * HOUR, due: '2026-12-30T10:00:00Z',
  },
  {
    rule: 'a complaint escalated to management within 48 hours, weekend or not',
    cal: 'always', start: '2026-11-20T16:30:00Z', minutes: 48 * HOUR, due: '2026-11-22T16:30:00Z',
  },
  {
    rule: 'the customer told of alternative dispute resolution 8 weeks (56 real days) after the complaint',
    cal: 'always', start: '2026-03-01T12:00:00Z', minutes: 8 * 7 * 24 * HOUR, due: '2026-04-26T12:00:00Z',
  },
];

describe('when a target is due', () => {
  it.each(cases)('$rule', ({ cal, start, minutes, due, ctx = england }) => {
    expect(dueAt(cal, at(start), minutes, ctx).toISOString()).toBe(at(due).toISOString());
    expect(openMinutesBetween(cal, at(start), at(due), ctx)).toBe(minutes);
  });

  it('in Scotland, St Andrew’s Day does not count; in England it does', () => {
    const start = at('2026-11-27T13:00:00Z'); // Friday 13:00
    expect(dueAt('office', start, 8 * HOUR, { division: 'scotland', closures: [] })).toEqual(at('2026-12-01T13:00:00Z'));
    expect(dueAt('office', start, 8 * HOUR, england)).toEqual(at('2026-11-30T13:00:00Z'));
  });

  it.each([-1, 1.5, Number.NaN, Infinity])('refuses a target of %s minutes', (minutes) => {
    expect(() => dueAt('office', at('2026-11-23T09:00:00Z'), minutes, england)).toThrow(RangeError);
  });
});

describe('the 75% warning', () => {
  it('Cat1 opened Friday 16:30: 6 of 8 hours are gone at 14:30 on Monday', () => {
    expect(warnAt('office', at('2026-11-20T16:30:00Z'), 8 * HOUR, england)).toEqual(at('2026-11-23T14:30:00Z'));
  });

  it('Cat4 critical response: 90 minutes into 2 hours', () => {
    expect(warnAt('always', at('2026-11-20T16:30:00Z'), 2 * HOUR, england)).toEqual(at('2026-11-20T18:00:00Z'));
  });

  it('a different fraction can be asked for', () => {
    expect(warnAt('office', at('2026-11-20T16:30:00Z'), 8 * HOUR, england, [], 0.5)).toEqual(at('2026-11-23T12:30:00Z'));
    expect(warnAt('office', at('2026-11-20T16:30:00Z'), 8 * HOUR, england, [], 1)).toEqual(at('2026-11-23T16:30:00Z'));
  });

  it('moves with a pause like the due time', () => {
    const pauses = [{ from: at('2026-11-23T10:00:00Z'), to: at('2026-11-23T11:00:00Z') }];
    expect(warnAt('office', at('2026-11-20T16:30:00Z'), 8 * HOUR, england, pauses)).toEqual(at('2026-11-23T15:30:00Z'));
  });

  it('refuses a fraction outside 0–1', () => {
    expect(() => warnAt('office', at('2026-11-20T16:30:00Z'), 8 * HOUR, england, [], 1.5)).toThrow(RangeError);
  });
});

describe('pausing the clock (waiting for the customer to give remote access)', () => {
  const opened = at('2026-11-23T09:00:00Z'); // Monday 09:00; 8 office hours run out at 17:00

  it.each<[string, Pause[], string]>([
    ['no pause: due Monday 17:00', [], '2026-11-23T17:00:00Z'],
    ['paused 10:00–12:00 on Monday: two open hours later, Tuesday 11:00', [{ from: at('2026-11-23T10:00:00Z'), to: at('2026-11-23T12:00:00Z') }], '2026-11-24T11:00:00Z'],
    ['paused overnight, entirely outside office hours: nothing moves', [{ from: at('2026-11-23T17:30:00Z'), to: at('2026-11-24T08:30:00Z') }], '2026-11-23T17:00:00Z'],
    ['paused over the weekend before it opened: nothing moves', [{ from: at('2026-11-21T10:00:00Z'), to: at('2026-11-23T09:00:00Z') }], '2026-11-23T17:00:00Z'],
    ['paused 16:00 Monday to 10:00 Tuesday: one open hour each side, Tuesday 11:00', [{ from: at('2026-11-23T16:00:00Z'), to: at('2026-11-24T10:00:00Z') }], '2026-11-24T11:00:00Z'],
    ['two overlapping pauses, 10:00–11:00 and 10:30–12:00, count once', [
      { from: at('2026-11-23T10:00:00Z'), to: at('2026-11-23T11:00:00Z') },
      { from: at('2026-11-23T10:30:00Z'), to: at('2026-11-23T12:00:00Z') },
    ], '2026-11-24T11:00:00Z'],
    ['a pause that ended before the ticket was opened: nothing moves', [{ from: at('2026-11-20T10:00:00Z'), to: at('2026-11-20T12:00:00Z') }], '2026-11-23T17:00:00Z'],
  ])('%s', (_rule, pauses, due) => {
    expect(dueAt('office', opened, 8 * HOUR, england, pauses)).toEqual(at(due));
    expect(openMinutesBetween('office', opened, at(due), england, pauses)).toBe(8 * HOUR);
  });

  it('on 24×7 cover a 30-minute pause moves the due time 30 minutes', () => {
    const pauses = [{ from: at('2026-11-21T10:30:00Z'), to: at('2026-11-21T11:00:00Z') }];
    expect(dueAt('always', at('2026-11-21T10:00:00Z'), 2 * HOUR, england, pauses)).toEqual(at('2026-11-21T12:30:00Z'));
  });

  it('while a pause is still running there is no due time', () => {
    const pauses = [{ from: at('2026-11-23T10:00:00Z'), to: null }];
    expect(isPaused(pauses)).toBe(true);
    expect(() => dueAt('office', opened, 8 * HOUR, england, pauses)).toThrow(SlaClockPausedError);
    expect(() => warnAt('office', opened, 8 * HOUR, england, pauses)).toThrow(SlaClockPausedError);
    // ...and the clock stands still where it stopped
    expect(openMinutesBetween('office', opened, at('2026-11-25T17:00:00Z'), england, pauses)).toBe(60);
  });

  it('a target that ran out before the pause began keeps its due time', () => {
    const pauses = [{ from: at('2026-11-23T17:30:00Z'), to: null }];
    expect(dueAt('office', opened, 8 * HOUR, england, pauses)).toEqual(at('2026-11-23T17:00:00Z'));
    expect(dueAt('office', opened, 8 * HOUR, england, [{ from: at('2026-11-23T17:00:00Z'), to: null }])).toEqual(
      at('2026-11-23T17:00:00Z'),
    );
  });

  it('on resuming, the due time is later by the paused open time', () => {
    const running = [{ from: at('2026-11-23T10:00:00Z'), to: null }];
    const resumed = [{ from: at('2026-11-23T10:00:00Z'), to: at('2026-11-23T14:30:00Z') }];
    expect(isPaused(running)).toBe(true);
    expect(isPaused(resumed)).toBe(false);
    expect(dueAt('office', opened, 8 * HOUR, england, resumed)).toEqual(at('2026-11-24T13:30:00Z'));
  });

  it('refuses a pause that ends before it starts', () => {
    const pauses = [{ from: at('2026-11-23T12:00:00Z'), to: at('2026-11-23T10:00:00Z') }];
    expect(() => dueAt('office', opened, 8 * HOUR, england, pauses)).toThrow(RangeError);
  });
});

describe('open minutes between two instants', () => {
  it.each<[string, CalendarName, string, string, number]>([
    ['a whole office week', 'office', '2026-11-23T00:00:00Z', '2026-11-30T00:00:00Z', 40 * HOUR],
    ['Christmas week 2026 in the office (two bank holidays)', 'office', '2026-12-21T00:00:00Z', '2027-01-04T00:00:00Z', 7 * 8 * HOUR],
    ['the extended day BST starts', 'extended', '2026-03-29T00:00:00Z', '2026-03-30T00:00:00Z', 16 * HOUR],
    ['the whole day BST starts, 24×7: 23 hours', 'always', '2026-03-29T00:00:00Z', '2026-03-29T23:00:00Z', 23 * HOUR],
    ['the whole day BST ends, 24×7: 25 hours', 'always', '2026-10-24T23:00:00Z', '2026-10-26T00:00:00Z', 25 * HOUR],
    ['30 seconds of office time', 'office', '2026-11-23T09:00:00Z', '2026-11-23T09:00:30Z', 0.5],
    ['backwards is nothing', 'office', '2026-11-24T09:00:00Z', '2026-11-23T09:00:00Z', 0],
  ])('%s', (_rule, cal, from, to, minutes) => {
    expect(openMinutesBetween(cal, at(from), at(to), england)).toBe(minutes);
  });
});
