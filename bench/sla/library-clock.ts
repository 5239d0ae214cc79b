// The same due times computed the way a team would with moment-business-time: one
// locale per set of working hours and holidays (the office per UK division, with any
// whole-day closure added as holidays; extended hours every day 07:00–23:00), the
// 24×7 calendar as plain elapsed time, and pauses counted off by hand with workingDiff.
//
// moment-business-time reads the *global* locale (moment.localeData()), not the
// instance's, so the locale is switched before each computation, and local time must
// be UK time: the process's TZ is set to Europe/London while it runs.
import moment from 'moment';
import 'moment-business-time';
import { bankHolidays, DIVISIONS, type Division } from '../../src/domain/calendar/bank-holidays.ts';
import type { SlaCase } from './cases.ts';
import { CLOSURE_SETS, ZONE } from './cases.ts';

const YEARS = [2024, 2025, 2026, 2027, 2028];
const WEEKDAYS_9_TO_5 = ['09:00:00', '17:00:00'];
const EVERY_DAY_7_TO_11 = ['07:00:00', '23:00:00'];

function defineOnce(name: string, spec: moment.LocaleSpecification): void {
  if (!moment.locales().includes(name)) moment.defineLocale(name, { parentLocale: 'en', ...spec });
}

function officeLocale(division: Division, closureSet: string | null): string {
  return `sl-office-${division}-${closureSet ?? 'open'}`;
}

/** Defines every locale the cases use; restores the caller's locale. */
export function configureLibrary(): void {
  const before = moment.locale();
  for (const division of DIVISIONS) {
    const holidays = YEARS.flatMap((y) => bankHolidays(y, division).map((h) => h.date));
    for (const set of [null, ...CLOSURE_SETS]) {
      defineOnce(officeLocale(division, set?.id ?? null), {
        workinghours: { 0: null, 1: WEEKDAYS_9_TO_5, 2: WEEKDAYS_9_TO_5, 3: WEEKDAYS_9_TO_5, 4: WEEKDAYS_9_TO_5, 5: WEEKDAYS_9_TO_5, 6: null },
        holidays: [...holidays, ...(set?.wholeDays ?? [])],
      });
    }
  }
  defineOnce('sl-extended', {
    workinghours: Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((d) => [d, EVERY_DAY_7_TO_11])),
    holidays: [],
  });
  moment.locale(before);
}

/** Runs `fn` with the process in UK local time and restores TZ and the locale after. */
export function inUkTime<T>(fn: () => T): T {
  const tz = process.env['TZ'];
  const locale = moment.locale();
  process.env['TZ'] = ZONE;
  try {
    return fn();
  } finally {
    if (tz === undefined) delete process.env['TZ'];
    else process.env['TZ'] = tz;
    moment.locale(locale);
  }
}

/** The due time by moment-business-time. Call inside inUkTime. */
export function libraryDueAt(c: SlaCase): Date {
  let remaining = c.minutes * 60_000;
  if (c.calendar === 'always') {
    // 24×7 is elapsed time: what a library user writes with plain moment.
    let cursor = moment(c.start);
    for (const p of c.pauses) {
      const before = Math.max(0, moment(p.from).diff(cursor));
      if (remaining <= before) break;
      remaining -= before;
      if (moment(p.to!).isAfter(cursor)) cursor = moment(p.to!);
    }
    return cursor.add(remaining, 'milliseconds').toDate();
  }
  moment.locale(c.calendar === 'office' ? officeLocale(c.division, c.closureSet?.id ?? null) : 'sl-extended');
  let cursor = moment(c.start);
  for (const p of c.pauses) {
    const from = moment(p.from);
    const before = from.isAfter(cursor) ? from.workingDiff(cursor, 'milliseconds') : 0;
    if (remaining <= before) break;
    remaining -= before;
    if (moment(p.to!).isAfter(cursor)) cursor = moment(p.to!);
  }
  return cursor.addWorkingTime(remaining, 'milliseconds').toDate();
}
