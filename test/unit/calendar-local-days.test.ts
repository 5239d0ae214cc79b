import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DAY_MS, dayNumberAt, localDay, localTimeOn, ZONE } from '../../src/domain/calendar/local-days.ts';

const dayOf = (date: string) => localDay(Date.parse(`${date}T00:00:00Z`) / DAY_MS);

describe('UK local days', () => {
  it('agree with Luxon on every day 2012–2040, at every whole and half hour', () => {
    const first = Date.UTC(2012, 0, 1) / DAY_MS;
    const last = Date.UTC(2040, 11, 31) / DAY_MS;
    for (let n = first; n <= last; n++) {
      const day = localDay(n);
      const lux = DateTime.fromObject(
        { year: Number(day.date.slice(0, 4)), month: Number(day.date.slice(5, 7)), day: Number(day.date.slice(8, 10)) },
        { zone: ZONE },
      );
      expect(day.startMs).toBe(lux.toMillis());
      expect(day.weekday).toBe(lux.weekday);
      // every time on a clock-change day; the opening hours on the others
      const times = day.offsetMs === null ? [0, 0.5, 1, 1.5, 2, 2.5, 3, 7, 9, 17, 23] : [7, 9, 17, 23];
      for (const t of times) {
        const hour = Math.floor(t);
        const minute = (t - hour) * 60;
        if (day.date.slice(5, 7) === '10' && hour === 1) continue; // happens twice: see below
        expect(localTimeOn(day, hour, minute)).toBe(DateTime.fromObject({ ...lux.toObject(), hour, minute }, { zone: ZONE }).toMillis());
      }
    }
  });

  it.each([
    ['2026-03-29', 'BST starts at 01:00 GMT', 23],
    ['2026-10-25', 'BST ends at 02:00 BST', 25],
    ['2026-06-15', 'an ordinary summer day', 24],
    ['2026-12-25', 'an ordinary winter day', 24],
  ])('%s (%s) is %i hours long', (date, _why, hours) => {
    const day = dayOf(date);
    expect((localDay(day.number + 1).startMs - day.startMs) / 3_600_000).toBe(hours);
  });

  it.each([
    ['2026-03-28T23:59:59.999Z', '2026-03-28'],
    ['2026-03-29T00:00:00Z', '2026-03-29'],
    ['2026-06-14T22:59:59.999Z', '2026-06-14'], // 23:59:59.999 BST
    ['2026-06-14T23:00:00Z', '2026-06-15'], // midnight BST
    ['2026-10-25T23:30:00Z', '2026-10-25'],
    ['2026-10-26T00:00:00Z', '2026-10-26'],
  ])('%s falls on the UK date %s', (instant, date) => {
    expect(localDay(dayNumberAt(Date.parse(instant))).date).toBe(date);
  });

  it('01:30 on the night the clocks go back is the first, BST, 01:30', () => {
    expect(new Date(localTimeOn(dayOf('2026-10-25'), 1, 30)).toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('01:30 on the night the clocks go forward does not exist: it lands after the gap', () => {
    expect(new Date(localTimeOn(dayOf('2026-03-29'), 1, 30)).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('09:00 is 09:00Z in winter and 08:00Z in summer', () => {
    expect(new Date(localTimeOn(dayOf('2026-01-15'), 9, 0)).toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(new Date(localTimeOn(dayOf('2026-07-15'), 9, 0)).toISOString()).toBe('2026-07-15T08:00:00.000Z');
  });
});
