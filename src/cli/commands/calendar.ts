// support-line calendar holidays | status
import { bankHolidays, DIVISIONS, FIRST_YEAR, LAST_YEAR } from '../../domain/calendar/bank-holidays.ts';
import { CALENDARS, calendarStatus } from '../../domain/calendar/calendar.ts';
import { dispatch, instant, integer, oneOf, parse } from '../args.ts';
import type { CliContext } from '../context.ts';

export const calendarCommand = dispatch<CliContext>('calendar', {
  async holidays(ctx, rest) {
    const o = parse(rest, { year: { type: 'string' }, division: { type: 'string' } });
    const year = integer(o.year, 'year', FIRST_YEAR, LAST_YEAR);
    const division = oneOf(o.division, DIVISIONS, 'division', ctx.config.OFFICE_DIVISION);
    ctx.out(bankHolidays(year, division));
  },
  async status(ctx, rest) {
    const o = parse(rest, { at: { type: 'string' }, calendar: { type: 'string' } });
    const at = instant(o.at, 'at');
    const cal = oneOf(o.calendar, CALENDARS, 'calendar', 'office');
    const s = calendarStatus(cal, at, await ctx.calendar());
    ctx.out({
      calendar: cal,
      at: at.toISOString(),
      open: s.open,
      reason: s.reason,
      nextOpenAt: s.nextOpenAt?.toISOString() ?? null,
      closesAt: s.closesAt?.toISOString() ?? null,
    });
  },
});
