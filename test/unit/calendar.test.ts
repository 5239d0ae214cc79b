import { describe, expect, it } from 'vitest';
import {
  calendarStatus,
  isOpen,
  nextOpening,
  openIntervals,
  type CalendarContext,
  type CalendarName,
} from '../../src/domain/calendar/calendar.ts';

const at = (iso: string) => new Date(iso);

// The office shuts from Christmas Eve lunchtime until Monday 4 January 2027.
const shutdown = { from: at('2026-12-24T12:00:00Z'), to: at('2027-01-04T00:00:00Z'), reason: 'Christmas shutdown' };
const england: CalendarContext = { division: 'england-and-wales', closures: [shutdown] };
const scotland: CalendarContext = { division: 'scotland', closures: [] };
const ulster: CalendarContext = { division: 'northern-ireland', closures: [] };

const OFFICE_HOURS = 'office hours (Mon–Fri 09:00–17:00)';
const OUTSIDE_OFFICE = 'closed: outside office hours (Mon–Fri 09:00–17:00)';
const EXTENDED_HOURS = 'extended hours (every day 07:00–23:00)';
const OUTSIDE_EXTENDED = 'closed: outside extended hours (every day 07:00–23:00)';

interface Row {
  when: string;
  cal: CalendarName;
  ctx?: CalendarContext;
  reason: string;
  /** closesAt when open, nextOpenAt when closed */
  then: string | null;
}

// UK wall-clock times in the comments; instants in UTC.
const rows: Row[] = [
  // A weekday in November (GMT)
  { when: '2026-11-18T08:59:59Z', cal: 'office', reason: OUTSIDE_OFFICE, then: '2026-11-18T09:00:00Z' },
  { when: '2026-11-18T09:00:00Z', cal: 'office', reason: OFFICE_HOURS, then: '2026-11-18T17:00:00Z' },
  { when: '2026-11-18T16:59:00Z', cal: 'office', reason: OFFICE_HOURS, then: '2026-11-18T17:00:00Z' },
  { when: '2026-11-18T16:59:59.999Z', cal: 'office', reason: OFFICE_HOURS, then: '2026-11-18T17:00:00Z' },
  { when: '2026-11-18T17:00:00Z', cal: 'office', reason: OUTSIDE_OFFICE, then: '2026-11-19T09:00:00Z' },
  // Friday evening and the weekend wait for Monday
  { when: '2026-11-20T17:00:00Z', cal: 'office', reason: OUTSIDE_OFFICE, then: '2026-11-23T09:00:00Z' },
  { when: '2026-11-21T12:00:00Z', cal: 'office', reason: 'closed: weekend', then: '2026-11-23T09:00:00Z' },
  // Christmas 2026: Christmas Eve closes at lunchtime for the shutdown; Christmas
  // Day is a Friday; Boxing Day's substitute is Monday 28th; back on 4 January.
  { when: '2026-12-24T10:00:00Z', cal: 'office', reason: OFFICE_HOURS, then: '2026-12-24T12:00:00Z' },
  { when: '2026-12-24T12:00:00Z', cal: 'office', reason: 'closed: Christmas shutdown', then: '2027-01-04T09:00:00Z' },
  { when: '2026-12-25T10:00:00Z', cal: 'office', reason: 'closed: Christmas Day (bank holiday)', then: '2027-01-04T09:00:00Z' },
  { when: '2026-12-28T10:00:00Z', cal: 'office', reason: 'closed: Boxing Day (substitute bank holiday)', then: '2027-01-04T09:00:00Z' },
  { when: '2026-12-30T10:00:00Z', cal: 'office', reason: 'closed: Christmas shutdown', then: '2027-01-04T09:00:00Z' },
  { when: '2027-01-01T10:00:00Z', cal: 'office', reason: 'closed: New Year’s Day (bank holiday)', then: '2027-01-04T09:00:00Z' },
  { when: '2027-01-02T10:00:00Z', cal: 'office', reason: 'closed: Christmas shutdown', then: '2027-01-04T09:00:00Z' },
  { when: '2027-01-04T09:00:00Z', cal: 'office', reason: OFFICE_HOURS, then: '2027-01-04T17:00:00Z' },
  // Without the shutdown, only the bank holidays close it
  { when: '2026-12-28T10:00:00Z', cal: 'office', ctx: { division: 'england-and-wales', closures: [] }, reason: 'closed: Boxing Day (substitute bank holiday)', then: '2026-12-29T09:00:00Z' },
  // BST starts Sunday 29 March 2026: Friday is 09:00 GMT, Monday 09:00 BST = 08:00Z
  { when: '2026-03-27T08:59:59Z', cal: 'office', reason: OUTSIDE_OFFICE, then: '2026-03-27T09:00:00Z' },
  { when: '2026-03-27T16:59:59Z', cal: 'office', reason: OFFICE_HOURS, then: '2026-03-27T17:00:00Z' },
  { when: '2026-03-29T12:00:00Z', cal: 'office', reason: 'closed: weekend', then: '2026-03-30T08:00:00Z' },
  { when: '2026-03-30T07:59:59Z', cal: 'office', reason: OUTSIDE_OFFICE, then: '2026-03-30T08:00:00Z' },
  { when: '2026-03-30T08:00:00Z', cal: 'office', reason: OFFICE_HOURS, then: '2026-03-30T16:00:00Z' },
  { when: '2026-03-30T16:00:00Z', cal: 'office', reason: OUTSIDE_OFFICE, then: '2026-03-31T08:00:00Z' },
  // BST ends Sunday 25 October 2026: Friday 17:00 BST = 16:00Z, Monday 09:00 GMT
  { when: '2026-10-23T15:59:59Z', cal: 'office', reason: OFFICE_HOURS, then: '2026-10-23T16:00:00Z' },
  { when: '2026-10-23T16:00:00Z', cal: 'office', reason: OUTSIDE_OFFICE, then: '2026-10-26T09:00:00Z' },
  { when: '2026-10-26T08:30:00Z', cal: 'office', reason: OUTSIDE_OFFICE, then: '2026-10-26T09:00:00Z' },
  // Divisions
  { when: '2026-11-30T10:00:00Z', cal: 'office', ctx: scotland, reason: 'closed: St Andrew’s Day (bank holiday)', then: '2026-12-01T09:00:00Z' },
  { when: '2026-11-30T10:00:00Z', cal: 'office', reason: OFFICE_HOURS, then: '2026-11-30T17:00:00Z' },
  { when: '2026-06-15T10:00:00Z', cal: 'office', ctx: scotland, reason: 'closed: World Cup bank holiday', then: '2026-06-16T08:00:00Z' },
  { when: '2026-07-13T10:00:00Z', cal: 'office', ctx: ulster, reason: 'closed: Battle of the Boyne (Orangemen’s Day) (substitute bank holiday)', then: '2026-07-14T08:00:00Z' },
  { when: '2026-08-31T10:00:00Z', cal: 'office', reason: 'closed: Summer bank holiday', then: '2026-09-01T08:00:00Z' },
  { when: '2026-03-17T10:00:00Z', cal: 'office', ctx: ulster, reason: 'closed: St Patrick’s Day (bank holiday)', then: '2026-03-18T09:00:00Z' },
  // Extended cover: every day 07:00–23:00, bank holidays and shutdowns included
  { when: '2026-12-25T06:59:59Z', cal: 'extended', reason: OUTSIDE_EXTENDED, then: '2026-12-25T07:00:00Z' },
  { when: '2026-12-25T07:00:00Z', cal: 'extended', reason: EXTENDED_HOURS, then: '2026-12-25T23:00:00Z' },
  { when: '2026-12-30T10:00:00Z', cal: 'extended', reason: EXTENDED_HOURS, then: '2026-12-30T23:00:00Z' },
  { when: '2026-12-25T23:00:00Z', cal: 'extended', reason: OUTSIDE_EXTENDED, then: '2026-12-26T07:00:00Z' },
  // ... on the days the clocks change: 07:00 BST = 06:00Z; 07:00 GMT = 07:00Z
  { when: '2026-03-29T05:59:59Z', cal: 'extended', reason: OUTSIDE_EXTENDED, then: '2026-03-29T06:00:00Z' },
  { when: '2026-03-29T06:00:00Z', cal: 'extended', reason: EXTENDED_HOURS, then: '2026-03-29T22:00:00Z' },
  { when: '2026-03-28T22:30:00Z', cal: 'extended', reason: EXTENDED_HOURS, then: '2026-03-28T23:00:00Z' },
  { when: '2026-10-24T22:30:00Z', cal: 'extended', reason: OUTSIDE_EXTENDED, then: '2026-10-25T07:00:00Z' },
  { when: '2026-10-25T06:30:00Z', cal: 'extended', reason: OUTSIDE_EXTENDED, then: '2026-10-25T07:00:00Z' },
  { when: '2026-10-25T22:59:59Z', cal: 'extended', reason: EXTENDED_HOURS, then: '2026-10-25T23:00:00Z' },
];

describe('calendar status at the edges', () => {
  it.each(rows)('$cal at $when: $reason', ({ when, cal, ctx = england, reason, then }) => {
    const status = calendarStatus(cal, at(when), ctx);
    const open = !reason.startsWith('closed');
    expect(status).toEqual({
      open,
      reason,
      closesAt: open && then ? at(then) : null,
      nextOpenAt: !open && then ? at(then) : null,
    });
    expect(isOpen(cal, at(when), ctx)).toBe(open);
    expect(nextOpening(cal, at(when), ctx)).toEqual(open ? at(when) : at(then!));
  });

  it('24×7 cover is always open, shutdowns and bank holidays included', () => {
    for (const when of ['2026-12-25T03:00:00Z', '2026-12-30T10:00:00Z', '2026-03-29T01:30:00Z']) {
      expect(calendarStatus('always', at(when), england)).toEqual({
        open: true,
        reason: '24-hour cover (every day, all day)',
        nextOpenAt: null,
        closesAt: null,
      });
      expect(isOpen('always', at(when), england)).toBe(true);
      expect(nextOpening('always', at(when), england)).toEqual(at(when));
    }
  });
});

describe('open intervals', () => {
  const spans = (cal: CalendarName, from: string, to: string, ctx = england) =>
    openIntervals(cal, at(from), at(to), ctx).map((i) => `${i.start.toISOString()} – ${i.end.toISOString()}`);

  it('the office over Christmas: three full days, a morning, then the new year', () => {
    expect(spans('office', '2026-12-21T00:00:00Z', '2027-01-04T12:00:00Z')).toEqual([
      '2026-12-21T09:00:00.000Z – 2026-12-21T17:00:00.000Z',
      '2026-12-22T09:00:00.000Z – 2026-12-22T17:00:00.000Z',
      '2026-12-23T09:00:00.000Z – 2026-12-23T17:00:00.000Z',
      '2026-12-24T09:00:00.000Z – 2026-12-24T12:00:00.000Z',
      '2027-01-04T09:00:00.000Z – 2027-01-04T12:00:00.000Z',
    ]);
  });

  it('is clipped to [from, to)', () => {
    expect(spans('office', '2026-11-18T10:30:00Z', '2026-11-19T10:00:00Z')).toEqual([
      '2026-11-18T10:30:00.000Z – 2026-11-18T17:00:00.000Z',
      '2026-11-19T09:00:00.000Z – 2026-11-19T10:00:00.000Z',
    ]);
    expect(spans('office', '2026-11-18T17:00:00Z', '2026-11-19T09:00:00Z')).toEqual([]);
    expect(spans('office', '2026-11-19T09:00:00Z', '2026-11-18T09:00:00Z')).toEqual([]);
  });

  it('a closure in the middle of a day splits it', () => {
    const fireDrill = { from: at('2026-11-18T11:00:00Z'), to: at('2026-11-18T11:30:00Z'), reason: 'fire drill' };
    expect(spans('office', '2026-11-18T00:00:00Z', '2026-11-19T00:00:00Z', { division: 'england-and-wales', closures: [fireDrill] })).toEqual([
      '2026-11-18T09:00:00.000Z – 2026-11-18T11:00:00.000Z',
      '2026-11-18T11:30:00.000Z – 2026-11-18T17:00:00.000Z',
    ]);
    expect(calendarStatus('office', at('2026-11-18T11:10:00Z'), { division: 'england-and-wales', closures: [fireDrill] })).toEqual({
      open: false,
      reason: 'closed: fire drill',
      nextOpenAt: at('2026-11-18T11:30:00Z'),
      closesAt: null,
    });
  });

  it('overlapping closures count once', () => {
    const closures = [
      { from: at('2026-11-18T10:00:00Z'), to: at('2026-11-18T12:00:00Z'), reason: 'training' },
      { from: at('2026-11-18T11:00:00Z'), to: at('2026-11-18T13:00:00Z'), reason: 'lunch' },
    ];
    expect(spans('office', '2026-11-18T00:00:00Z', '2026-11-19T00:00:00Z', { division: 'england-and-wales', closures })).toEqual([
      '2026-11-18T09:00:00.000Z – 2026-11-18T10:00:00.000Z',
      '2026-11-18T13:00:00.000Z – 2026-11-18T17:00:00.000Z',
    ]);
  });

  it('extended cover follows the wall clock across the change to BST', () => {
    expect(spans('extended', '2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z')).toEqual([
      '2026-03-28T07:00:00.000Z – 2026-03-28T23:00:00.000Z',
      '2026-03-29T06:00:00.000Z – 2026-03-29T22:00:00.000Z',
    ]);
  });

  it('24×7 cover is the whole range', () => {
    expect(spans('always', '2026-12-24T00:00:00Z', '2026-12-26T00:00:00Z')).toEqual([
      '2026-12-24T00:00:00.000Z – 2026-12-26T00:00:00.000Z',
    ]);
  });

  it('an office closed for good has no next opening', () => {
    const forever = { division: 'england-and-wales' as const, closures: [{ from: at('2026-01-01T00:00:00Z'), to: at('2099-01-01T00:00:00Z'), reason: 'closed down' }] };
    expect(() => nextOpening('office', at('2026-06-01T10:00:00Z'), forever)).toThrow(/no open time within ten years/);
    expect(calendarStatus('office', at('2026-06-01T10:00:00Z'), forever)).toEqual({
      open: false,
      reason: 'closed: closed down',
      nextOpenAt: null,
      closesAt: null,
    });
  });

  it('refuses an invalid date', () => {
    expect(() => isOpen('office', new Date('not a date'), england)).toThrow(RangeError);
  });
});
