import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIVISIONS } from '../../src/domain/calendar/bank-holidays.ts';
import { CALENDARS, isOpen, type CalendarContext } from '../../src/domain/calendar/calendar.ts';
import { dueAt, openMinutesBetween, warnAt, type Pause } from '../../src/domain/sla/clock.ts';

const FROM = Date.UTC(2012, 0, 1);
const TO = Date.UTC(2039, 11, 1);
const HOUR_MS = 3_600_000;

// Starts anywhere in 2012–2039 to the millisecond, so they hit clock changes,
// bank holidays and opening and closing edges alike.
const start = fc.integer({ min: FROM, max: TO }).map((ms) => new Date(ms));
const minutes = fc.integer({ min: 0, max: 12_000 });
const calendar = fc.constantFrom(...CALENDARS);
const division = fc.constantFrom(...DIVISIONS);

// Up to three closed pauses and one office closure, within a fortnight of the start.
const near = (base: Date) => fc.integer({ min: -2 * 24 * HOUR_MS, max: 14 * 24 * HOUR_MS }).map((d) => base.getTime() + d);
const span = fc.integer({ min: 1, max: 3 * 24 * HOUR_MS });
const scenario = fc
  .record({ cal: calendar, division, start, minutes })
  .chain((s) =>
    fc.record({
      pauses: fc.array(fc.tuple(near(s.start), span), { maxLength: 3 }),
      closure: fc.option(fc.tuple(near(s.start), span)),
    }).map(({ pauses, closure }) => ({
      ...s,
      pauses: pauses.map(([from, length]): Pause => ({ from: new Date(from), to: new Date(from + length) })),
      ctx: {
        division: s.division,
        closures: closure ? [{ from: new Date(closure[0]), to: new Date(closure[0] + closure[1]), reason: 'shutdown' }] : [],
      } satisfies CalendarContext,
    })),
  );

describe('the SLA clock, for any start and target', () => {
  it('counts exactly the target between the start and the due time', () => {
    fc.assert(
      fc.property(scenario, ({ cal, start, minutes, ctx, pauses }) => {
        const due = dueAt(cal, start, minutes, ctx, pauses);
        expect(openMinutesBetween(cal, start, due, ctx, pauses)).toBe(minutes);
      }),
      { numRuns: 400 },
    );
  });

  it('gives a later (or the same) due time for a longer target', () => {
    fc.assert(
      fc.property(scenario, minutes, ({ cal, start, minutes: a, ctx, pauses }, b) => {
        const [shorter, longer] = a <= b ? [a, b] : [b, a];
        expect(dueAt(cal, start, shorter, ctx, pauses).getTime()).toBeLessThanOrEqual(
          dueAt(cal, start, longer, ctx, pauses).getTime(),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('runs out while the calendar is open (or exactly at its closing)', () => {
    fc.assert(
      fc.property(calendar, division, start, fc.integer({ min: 1, max: 12_000 }), (cal, div, at, m) => {
        const ctx = { division: div, closures: [] };
        const due = dueAt(cal, at, m, ctx);
        expect(due.getTime()).toBeGreaterThan(at.getTime());
        expect(isOpen(cal, new Date(due.getTime() - 1), ctx)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('warns no later than it is due, and at three quarters of the time', () => {
    fc.assert(
      fc.property(scenario, ({ cal, start, minutes, ctx, pauses }) => {
        const warn = warnAt(cal, start, minutes, ctx, pauses);
        expect(warn.getTime()).toBeLessThanOrEqual(dueAt(cal, start, minutes, ctx, pauses).getTime());
        expect(openMinutesBetween(cal, start, warn, ctx, pauses)).toBe(minutes * 0.75);
      }),
      { numRuns: 200 },
    );
  });
});
