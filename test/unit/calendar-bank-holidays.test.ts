import { describe, expect, it } from 'vitest';
import { bankHolidayOn, bankHolidays, DIVISIONS, type Division } from '../../src/domain/calendar/bank-holidays.ts';

// The days gov.uk/bank-holidays lists, 2012–2027 (month-day), substitute days and
// proclaimed one-offs included.
const GOV_UK: Record<Division, Record<number, string>> = {
  'england-and-wales': {
    2012: '01-02 04-06 04-09 05-07 06-04 06-05 08-27 12-25 12-26',
    2013: '01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26',
    2014: '01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26',
    2015: '01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28',
    2016: '01-01 03-25 03-28 05-02 05-30 08-29 12-26 12-27',
    2017: '01-02 04-14 04-17 05-01 05-29 08-28 12-25 12-26',
    2018: '01-01 03-30 04-02 05-07 05-28 08-27 12-25 12-26',
    2019: '01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26',
    2020: '01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28',
    2021: '01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28',
    2022: '01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27',
    2023: '01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26',
    2024: '01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26',
    2025: '01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26',
    2026: '01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28',
    2027: '01-01 03-26 03-29 05-03 05-31 08-30 12-27 12-28',
  },
  scotland: {
    2012: '01-02 01-03 04-06 05-07 06-04 06-05 08-06 11-30 12-25 12-26',
    2013: '01-01 01-02 03-29 05-06 05-27 08-05 12-02 12-25 12-26',
    2014: '01-01 01-02 04-18 05-05 05-26 08-04 12-01 12-25 12-26',
    2015: '01-01 01-02 04-03 05-04 05-25 08-03 11-30 12-25 12-28',
    2016: '01-01 01-04 03-25 05-02 05-30 08-01 11-30 12-26 12-27',
    2017: '01-02 01-03 04-14 05-01 05-29 08-07 11-30 12-25 12-26',
    2018: '01-01 01-02 03-30 05-07 05-28 08-06 11-30 12-25 12-26',
    2019: '01-01 01-02 04-19 05-06 05-27 08-05 12-02 12-25 12-26',
    2020: '01-01 01-02 04-10 05-08 05-25 08-03 11-30 12-25 12-28',
    2021: '01-01 01-04 04-02 05-03 05-31 08-02 11-30 12-27 12-28',
    2022: '01-03 01-04 04-15 05-02 06-02 06-03 08-01 09-19 11-30 12-26 12-27',
    2023: '01-02 01-03 04-07 05-01 05-08 05-29 08-07 11-30 12-25 12-26',
    2024: '01-01 01-02 03-29 05-06 05-27 08-05 12-02 12-25 12-26',
    2025: '01-01 01-02 04-18 05-05 05-26 08-04 12-01 12-25 12-26',
    2026: '01-01 01-02 04-03 05-04 05-25 06-15 08-03 11-30 12-25 12-28',
    2027: '01-01 01-04 03-26 05-03 05-31 08-02 11-30 12-27 12-28',
  },
  'northern-ireland': {
    2012: '01-02 03-19 04-06 04-09 05-07 06-04 06-05 07-12 08-27 12-25 12-26',
    2013: '01-01 03-18 03-29 04-01 05-06 05-27 07-12 08-26 12-25 12-26',
    2014: '01-01 03-17 04-18 04-21 05-05 05-26 07-14 08-25 12-25 12-26',
    2015: '01-01 03-17 04-03 04-06 05-04 05-25 07-13 08-31 12-25 12-28',
    2016: '01-01 03-17 03-25 03-28 05-02 05-30 07-12 08-29 12-26 12-27',
    2017: '01-02 03-17 04-14 04-17 05-01 05-29 07-12 08-28 12-25 12-26',
    2018: '01-01 03-19 03-30 04-02 05-07 05-28 07-12 08-27 12-25 12-26',
    2019: '01-01 03-18 04-19 04-22 05-06 05-27 07-12 08-26 12-25 12-26',
    2020: '01-01 03-17 04-10 04-13 05-08 05-25 07-13 08-31 12-25 12-28',
    2021: '01-01 03-17 04-02 04-05 05-03 05-31 07-12 08-30 12-27 12-28',
    2022: '01-03 03-17 04-15 04-18 05-02 06-02 06-03 07-12 08-29 09-19 12-26 12-27',
    2023: '01-02 03-17 04-07 04-10 05-01 05-08 05-29 07-12 08-28 12-25 12-26',
    2024: '01-01 03-18 03-29 04-01 05-06 05-27 07-12 08-26 12-25 12-26',
    2025: '01-01 03-17 04-18 04-21 05-05 05-26 07-14 08-25 12-25 12-26',
    2026: '01-01 03-17 04-03 04-06 05-04 05-25 07-13 08-31 12-25 12-28',
    2027: '01-01 03-17 03-26 03-29 05-03 05-31 07-12 08-30 12-27 12-28',
  },
};

const yearTable = DIVISIONS.flatMap((division) =>
  Object.entries(GOV_UK[division]).map(([year, days]) => ({ division, year: Number(year), days })),
);

describe('bank holidays match gov.uk, 2012–2027', () => {
  it.each(yearTable)('$division $year', ({ division, year, days }) => {
    expect(bankHolidays(year, division).map((h) => h.date)).toEqual(days.split(' ').map((d) => `${year}-${d}`));
  });
});

describe('what the office is closed for, by name', () => {
  it.each<[string, Division, string | null]>([
    // substitute days
    ['2015-12-28', 'england-and-wales', 'Boxing Day (substitute day)'],
    ['2020-12-28', 'england-and-wales', 'Boxing Day (substitute day)'],
    ['2021-12-27', 'england-and-wales', 'Christmas Day (substitute day)'],
    ['2021-12-28', 'england-and-wales', 'Boxing Day (substitute day)'],
    ['2022-01-03', 'england-and-wales', 'New Year’s Day (substitute day)'],
    ['2022-12-27', 'england-and-wales', 'Christmas Day (substitute day)'],
    ['2026-12-28', 'england-and-wales', 'Boxing Day (substitute day)'],
    ['2027-12-27', 'england-and-wales', 'Christmas Day (substitute day)'],
    ['2027-12-28', 'england-and-wales', 'Boxing Day (substitute day)'],
    // Easter: Good Friday everywhere, Easter Monday not in Scotland
    ['2026-04-03', 'england-and-wales', 'Good Friday'],
    ['2026-04-06', 'england-and-wales', 'Easter Monday'],
    ['2026-04-06', 'scotland', null],
    ['2027-03-26', 'scotland', 'Good Friday'],
    ['2027-03-29', 'northern-ireland', 'Easter Monday'],
    // Scotland: 2 January and St Andrew's Day, with their substitutes
    ['2026-01-02', 'scotland', '2nd January'],
    ['2026-01-02', 'england-and-wales', null],
    ['2027-01-04', 'scotland', '2nd January (substitute day)'],
    ['2022-01-03', 'scotland', 'New Year’s Day (substitute day)'],
    ['2022-01-04', 'scotland', '2nd January (substitute day)'],
    ['2026-11-30', 'scotland', 'St Andrew’s Day'],
    ['2026-11-30', 'england-and-wales', null],
    ['2025-12-01', 'scotland', 'St Andrew’s Day (substitute day)'],
    ['2024-12-02', 'scotland', 'St Andrew’s Day (substitute day)'],
    ['2026-08-03', 'scotland', 'Summer bank holiday'],
    ['2026-08-31', 'scotland', null],
    ['2026-06-15', 'scotland', 'World Cup bank holiday'],
    ['2026-06-15', 'england-and-wales', null],
    // Northern Ireland: St Patrick's Day and the Battle of the Boyne
    ['2026-03-17', 'northern-ireland', 'St Patrick’s Day'],
    ['2026-03-17', 'england-and-wales', null],
    ['2024-03-18', 'northern-ireland', 'St Patrick’s Day (substitute day)'],
    ['2027-07-12', 'northern-ireland', 'Battle of the Boyne (Orangemen’s Day)'],
    ['2026-07-13', 'northern-ireland', 'Battle of the Boyne (Orangemen’s Day) (substitute day)'],
    ['2026-07-13', 'scotland', null],
    // proclaimed one-offs, in every division
    ['2012-06-04', 'england-and-wales', 'Spring bank holiday'],
    ['2012-05-28', 'england-and-wales', null],
    ['2012-06-05', 'scotland', 'Queen’s Diamond Jubilee'],
    ['2020-05-08', 'england-and-wales', 'Early May bank holiday (VE day)'],
    ['2020-05-04', 'england-and-wales', null],
    ['2022-06-03', 'northern-ireland', 'Platinum Jubilee bank holiday'],
    ['2022-09-19', 'england-and-wales', 'Bank Holiday for the State Funeral of Queen Elizabeth II'],
    ['2022-09-19', 'scotland', 'Bank Holiday for the State Funeral of Queen Elizabeth II'],
    ['2023-05-08', 'england-and-wales', 'Bank holiday for the coronation of King Charles III'],
    ['2023-05-08', 'northern-ireland', 'Bank holiday for the coronation of King Charles III'],
    // titles use the typographic apostrophe
    ['2026-01-01', 'england-and-wales', 'New Year’s Day'],
    // an ordinary day, and a Saturday holiday replaced by its substitute
    ['2026-11-18', 'england-and-wales', null],
    ['2026-12-26', 'england-and-wales', null],
  ])('%s in %s: %s', (date, division, title) => {
    expect(bankHolidayOn(date, division)).toBe(title);
  });
});

describe('the list itself', () => {
  it('is sorted, Monday to Friday only, for every division 2012–2040', () => {
    for (const division of DIVISIONS) {
      for (let year = 2012; year <= 2040; year++) {
        const days = bankHolidays(year, division);
        expect(days.length).toBeGreaterThanOrEqual(8);
        const dates = days.map((h) => h.date);
        expect(dates).toEqual([...dates].sort());
        for (const d of dates) {
          expect(d.startsWith(`${year}-`)).toBe(true);
          expect([1, 2, 3, 4, 5]).toContain(new Date(`${d}T12:00:00Z`).getUTCDay());
        }
        expect(days.every((h) => !h.title.includes("'"))).toBe(true);
      }
    }
  });

  it('is not changed by a caller changing what it was given', () => {
    const first = bankHolidays(2026, 'england-and-wales');
    first.pop();
    first[0]!.title = 'Changed';
    expect(bankHolidays(2026, 'england-and-wales')).toHaveLength(8);
    expect(bankHolidayOn('2026-01-01', 'england-and-wales')).toBe('New Year’s Day');
  });

  it.each([1969, 2101, 2026.5, Number.NaN])('refuses year %s with a RangeError', (year) => {
    expect(() => bankHolidays(year, 'england-and-wales')).toThrow(RangeError);
    expect(() => bankHolidays(year, 'england-and-wales')).toThrow(/1970–2100/);
  });

  it('refuses a date that is not YYYY-MM-DD', () => {
    expect(() => bankHolidayOn('25/12/2026', 'england-and-wales')).toThrow(RangeError);
  });
});
