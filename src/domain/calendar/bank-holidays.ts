// UK bank holidays: the weekdays an office in each part of the UK is closed, as
// gov.uk/bank-holidays lists them — substitute days and one-off proclamations
// included. The rules come from `date-holidays` (country GB); the few places
// where it differs from gov.uk are corrected below, each with its reason.
import Holidays from 'date-holidays';

export const DIVISIONS = ['england-and-wales', 'scotland', 'northern-ireland'] as const;
export type Division = (typeof DIVISIONS)[number];

export interface BankHoliday {
  /** `YYYY-MM-DD`, UK local date. */
  date: string;
  /** gov.uk's title, with a typographic apostrophe: "New Year’s Day". */
  title: string;
}

const STATE: Record<Division, string> = {
  'england-and-wales': 'ENG',
  scotland: 'SCT',
  'northern-ireland': 'NIR',
};

export const FIRST_YEAR = 1970;
export const LAST_YEAR = 2100;

// date-holidays' names for gov.uk's titles, where they differ beyond the apostrophe.
const GOV_UK_TITLES: Readonly<Record<string, string>> = {
  'January 2nd': '2nd January',
  'Queen’s Platinum Jubilee': 'Platinum Jubilee bank holiday',
  "Queen Elizabeth's Funeral Day": 'Bank Holiday for the State Funeral of Queen Elizabeth II',
  "King Charles III's Coronation": 'Bank holiday for the coronation of King Charles III',
};

interface Correction {
  divisions: readonly Division[];
  /** Drop date-holidays' day on this date (it was moved). */
  remove?: string;
  /** Add (or retitle) this day. */
  add?: BankHoliday;
}

// Where date-holidays 3.37 and gov.uk disagree.
const CORRECTIONS: readonly Correction[] = [
  // 2012: the Spring bank holiday moved from 28 May to 4 June, next to the
  // Diamond Jubilee on 5 June (date-holidays keeps it on 28 May).
  { divisions: DIVISIONS, remove: '2012-05-28', add: { date: '2012-06-04', title: 'Spring bank holiday' } },
  // 2023, Scotland: gov.uk titles Monday 2 January as the New Year's Day
  // substitute and Tuesday 3 January as the 2nd January substitute.
  { divisions: ['scotland'], add: { date: '2023-01-02', title: 'New Year’s Day (substitute day)' } },
  { divisions: ['scotland'], add: { date: '2023-01-03', title: '2nd January (substitute day)' } },
  // 2026, Scotland: proclaimed 4 February 2026 for the men's team's first
  // World Cup finals since 1998; newer than date-holidays 3.37.
  { divisions: ['scotland'], add: { date: '2026-06-15', title: 'World Cup bank holiday' } },
];

const SUBSTITUTE = ' (substitute day)';

const sources = new Map<Division, Holidays>();
const byYear = new Map<string, readonly BankHoliday[]>();
const byDate = new Map<string, ReadonlyMap<string, string>>();

/** The bank holidays of `year` in `division`, Monday to Friday, sorted by date. */
export function bankHolidays(year: number, division: Division): BankHoliday[] {
  return [...holidaysOf(year, division)].map((h) => ({ ...h }));
}

/** The title of the bank holiday on `localDate` (`YYYY-MM-DD`), or null. */
export function bankHolidayOn(localDate: string, division: Division): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(localDate)) {
    throw new RangeError(`bankHolidayOn: expected a date as YYYY-MM-DD, got "${localDate}"`);
  }
  const year = Number(localDate.slice(0, 4));
  const key = `${division}:${year}`;
  let dates = byDate.get(key);
  if (dates === undefined) {
    dates = new Map(holidaysOf(year, division).map((h) => [h.date, h.title]));
    byDate.set(key, dates);
  }
  return dates.get(localDate) ?? null;
}

function holidaysOf(year: number, division: Division): readonly BankHoliday[] {
  if (!Number.isInteger(year) || year < FIRST_YEAR || year > LAST_YEAR) {
    throw new RangeError(`bank holidays are known for ${FIRST_YEAR}–${LAST_YEAR}, not for year ${year}`);
  }
  const key = `${division}:${year}`;
  let list = byYear.get(key);
  if (list === undefined) {
    list = Object.freeze(compute(year, division).map((h) => Object.freeze(h)));
    byYear.set(key, list);
  }
  return list;
}

function source(division: Division): Holidays {
  let hd = sources.get(division);
  if (hd === undefined) {
    hd = new Holidays('GB', STATE[division], { types: ['public'] });
    sources.set(division, hd);
  }
  return hd;
}

function compute(year: number, division: Division): BankHoliday[] {
  const all = source(division)
    .getHolidays(year, 'en')
    .filter((h) => h.type === 'public')
    .map((h) => ({ date: h.date.slice(0, 10), title: govUkTitle(h.name), substitute: h.substitute === true }));

  // date-holidays gives each substitute by its own rule; gov.uk hands the free
  // weekdays out in the order of the holidays they replace (Scotland 2022:
  // Monday 3 January is New Year's Day's, Tuesday 4 January is 2nd January's).
  const originalDate = new Map(all.filter((h) => !h.substitute).map((h) => [h.title, h.date]));
  const subs = all.filter((h) => h.substitute).sort((a, b) => compare(a.date, b.date));
  const replaced = subs
    .map((h) => h.title.slice(0, -SUBSTITUTE.length))
    .sort((a, b) => compare(originalDate.get(a) ?? '', originalDate.get(b) ?? ''));
  subs.forEach((h, i) => {
    h.title = `${replaced[i]}${SUBSTITUTE}`;
  });

  // A holiday on a Saturday or Sunday is replaced by its substitute weekday.
  const days = new Map<string, string>();
  for (const h of all) if (isWeekday(h.date)) days.set(h.date, h.title);
  for (const c of CORRECTIONS) {
    if (!c.divisions.includes(division)) continue;
    if (c.remove?.startsWith(`${year}-`)) days.delete(c.remove);
    if (c.add?.date.startsWith(`${year}-`)) days.set(c.add.date, c.add.title);
  }
  return [...days].map(([date, title]) => ({ date, title })).sort((a, b) => compare(a.date, b.date));
}

function govUkTitle(name: string): string {
  const substitute = name.endsWith(SUBSTITUTE);
  const base = substitute ? name.slice(0, -SUBSTITUTE.length) : name;
  const title = (GOV_UK_TITLES[base] ?? base).replaceAll("'", '’');
  return substitute ? `${title}${SUBSTITUTE}` : title;
}

function isWeekday(date: string): boolean {
  const day = new Date(`${date}T12:00:00Z`).getUTCDay();
  return day !== 0 && day !== 6;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
