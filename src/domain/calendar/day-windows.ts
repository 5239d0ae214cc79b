// Each calendar's opening hours on one local day, as UTC instants, worked out
// once per (calendar, division, day) and remembered.
import { bankHolidayOn, DIVISIONS, type Division } from './bank-holidays.ts';
import { localDay, localTimeOn } from './local-days.ts';

export interface Hours {
  /** Local wall-clock opening and closing, hours after midnight. */
  readonly opens: number;
  readonly closes: number;
  readonly weekdaysOnly: boolean;
  readonly closedOnBankHolidays: boolean;
  /** Whether announced closures (a Christmas shutdown) close it too. */
  readonly honoursClosures: boolean;
  /** How the hours read in a status line. */
  readonly label: string;
}

export const HOURS = {
  // Seed 004: "Working hours are 9-5 Mon-Fri except holidays"; closures are its
  // "office shutdowns, e.g. some days over Christmas".
  office: {
    opens: 9,
    closes: 17,
    weekdaysOnly: true,
    closedOnBankHolidays: true,
    honoursClosures: true,
    label: 'office hours (Mon–Fri 09:00–17:00)',
  },
  // Seed 004, Cat2: "cover extended to 7am - 11pm", every day of the year.
  extended: {
    opens: 7,
    closes: 23,
    weekdaysOnly: false,
    closedOnBankHolidays: false,
    honoursClosures: false,
    label: 'extended hours (every day 07:00–23:00)',
  },
} as const satisfies Record<string, Hours>;

export type HoursName = keyof typeof HOURS;

export type DayWindow =
  | { readonly open: true; readonly start: number; readonly end: number }
  | { readonly open: false; readonly closedFor: 'weekend' | { readonly bankHoliday: string } };

// One map of days per (calendar, division); hours that ignore bank holidays
// share one map across divisions. Looked up without building a key string.
const cache = Object.fromEntries(
  (Object.keys(HOURS) as HoursName[]).map((name) => {
    const shared = new Map<number, DayWindow>();
    const perDivision = Object.fromEntries(
      DIVISIONS.map((d) => [d, HOURS[name].closedOnBankHolidays ? new Map<number, DayWindow>() : shared]),
    );
    return [name, perDivision];
  }),
) as Record<HoursName, Record<Division, Map<number, DayWindow>>>;

export function dayWindow(name: HoursName, division: Division, dayNumber: number): DayWindow {
  const perDay = cache[name][division];
  let window = perDay.get(dayNumber);
  if (window === undefined) {
    window = compute(HOURS[name], division, dayNumber);
    perDay.set(dayNumber, window);
  }
  return window;
}

function compute(hours: Hours, division: Division, dayNumber: number): DayWindow {
  const day = localDay(dayNumber);
  if (hours.closedOnBankHolidays) {
    const title = bankHolidayOn(day.date, division);
    if (title !== null) return { open: false, closedFor: { bankHoliday: title } };
  }
  if (hours.weekdaysOnly && day.weekday > 5) return { open: false, closedFor: 'weekend' };
  return {
    open: true,
    start: localTimeOn(day, hours.opens, 0),
    end: localTimeOn(day, hours.closes, 0),
  };
}
