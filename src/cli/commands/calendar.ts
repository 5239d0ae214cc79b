// support-line calendar holidays | status
import { bankHolidays, DIVISIONS, FIRST_YEAR, LAST_YEAR } from '../../domain/calendar/bank-holidays.ts';
import { CALENDARS, calendarStatus } from '../../domain/calendar/calendar.ts';
import { instant, integer, oneOf, parse, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';

export async function calendarCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'holidays') {
    const o = parse(rest, { year: { type: 'string' }, division: { type: 'string' } });
    const year = integer(o.year, 'year', FIRST_YEAR, LAST_YEAR);
    const division = oneOf(o.division, DIVISIONS, 'division', ctx.config.OFFICE_DIVISION);
    ctx.out(bankHolidays(year, division));
    return;
  }
  if (sub === 'status') {
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
    return;
  }
  throw new UsageError('calendar: expected "holidays" or "status"');
}
