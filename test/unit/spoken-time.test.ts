import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { num, prompt, utteranceText } from '../../src/domain/prompts.ts';
import { describeDue, describeSpokenDue, spokenDue } from '../../src/domain/spoken-time.ts';

const at = (iso: string) => new Date(iso);
const said = (due: string, now: string) => describeSpokenDue(at(due), at(now));

// "An engineer will call you back by …"
describe('a due time as the caller hears it', () => {
  it.each<[string, string, string, string]>([
    ['5 pm said at 3 am is not 5 am', '2026-11-20T17:00:00Z', '2026-11-20T03:00:00Z', '5 p.m. today'],
    ['5 am said at 3 am', '2026-11-20T05:00:00Z', '2026-11-20T03:00:00Z', '5 a.m. today'],
    ['eleven tomorrow morning', '2026-11-21T11:00:00Z', '2026-11-20T16:30:00Z', '11 a.m. tomorrow'],
    ['half past two tomorrow afternoon', '2026-11-21T14:30:00Z', '2026-11-20T16:30:00Z', 'half past 2 tomorrow afternoon'],
    ['half past four this afternoon', '2026-11-20T16:30:00Z', '2026-11-20T09:10:00Z', 'half past 4 this afternoon'],
    ['10 pm, never "22 o\'clock"', '2026-11-20T22:00:00Z', '2026-11-20T20:00:00Z', '10 p.m. today'],
    ['midnight is the end of today, never "0 o\'clock tomorrow"', '2026-11-21T00:00:00Z', '2026-11-20T21:00:00Z', 'midnight tonight'],
    ['midnight a day later', '2026-11-22T00:00:00Z', '2026-11-20T21:00:00Z', 'midnight tomorrow night'],
    ['midnight further off names the day it ends', '2026-12-15T00:00:00Z', '2026-12-10T09:00:00Z', 'midnight at the end of Monday the 14th of December'],
    ['noon with the weekday and an ordinal day', '2026-12-14T12:00:00Z', '2026-12-10T09:00:00Z', 'noon on Monday the 14th of December'],
    ['noon today', '2026-11-20T12:00:00Z', '2026-11-20T09:00:00Z', 'noon today'],
    ['five past nine, never "9 oh 5"', '2026-11-20T09:05:00Z', '2026-11-20T08:00:00Z', '5 past 9 this morning'],
    ['seven minutes past twelve, never "12 oh 7"', '2026-11-20T12:07:00Z', '2026-11-20T08:00:00Z', '7 minutes past 12 this afternoon'],
    ['one minute to six', '2026-11-20T17:59:00Z', '2026-11-20T08:00:00Z', '1 minute to 6 this afternoon'],
    ['quarter to ten in the evening', '2026-11-20T21:45:00Z', '2026-11-20T08:00:00Z', 'quarter to 10 this evening'],
    ['quarter to midnight is still this evening', '2026-11-20T23:45:00Z', '2026-11-20T08:00:00Z', 'quarter to 12 this evening'],
    ['twenty to one in the early hours', '2026-11-21T00:40:00Z', '2026-11-20T22:00:00Z', '20 to 1 tomorrow morning'],
    ['the Cat1 callback opened Friday 16:30, due Monday 16:30', '2026-11-23T16:30:00Z', '2026-11-20T16:30:00Z', 'half past 4 in the afternoon on Monday the 23rd of November'],
    ['in summer the time is BST', '2026-06-16T10:00:00Z', '2026-06-16T08:00:00Z', '11 a.m. today'],
    ['today is the UK date: 00:30 BST is already the 15th', '2026-06-15T10:00:00Z', '2026-06-14T23:30:00Z', '11 a.m. today'],
    ['across the new year', '2027-01-04T13:00:00Z', '2026-12-24T15:00:00Z', '1 p.m. on Monday the 4th of January'],
    ['the 1st, 2nd, 3rd, 21st, 22nd and 31st', '2026-12-31T10:00:00Z', '2026-12-24T15:00:00Z', '10 a.m. on Thursday the 31st of December'],
  ])('%s', (_what, due, now, text) => {
    expect(said(due, now)).toBe(text);
    expect(text).not.toMatch(/o'clock|\boh\b/);
  });

  it('says numbers as numbers and every word as a rendered prompt (Asterisk plays number:N between sound files)', () => {
    expect(spokenDue(at('2026-11-21T14:30:00Z'), at('2026-11-20T16:30:00Z'))).toEqual([
      prompt('word-half-past'),
      num(2),
      prompt('word-tomorrow'),
      prompt('word-afternoon'),
    ]);
    expect(spokenDue(at('2026-12-14T12:00:00Z'), at('2026-12-10T09:00:00Z'))).toEqual([
      prompt('word-noon'),
      prompt('word-on'),
      prompt('day-monday'),
      prompt('word-the'),
      prompt('ordinal-14'),
      prompt('word-of'),
      prompt('month-december'),
    ]);
  });

  it('the ordinal of every day of the month', () => {
    const ordinals = Array.from({ length: 31 }, (_, i) =>
      said(`2027-01-${String(i + 1).padStart(2, '0')}T10:00:00Z`, '2026-12-20T10:00:00Z').match(/the (\d+\w\w) of/)?.[1],
    );
    expect(ordinals.slice(0, 4)).toEqual(['1st', '2nd', '3rd', '4th']);
    expect(ordinals.slice(10, 13)).toEqual(['11th', '12th', '13th']);
    expect(ordinals.slice(20, 24)).toEqual(['21st', '22nd', '23rd', '24th']);
    expect(ordinals[30]).toBe('31st');
  });

  it('the day words: today, tomorrow, then the weekday and date for every weekday', () => {
    const now = '2026-11-16T08:00:00Z'; // Monday
    const days = [0, 1, 2, 3, 4, 5, 6, 7].map((d) => said(`2026-11-${16 + d}T15:00:00Z`, now));
    expect(days).toEqual([
      '3 p.m. today',
      '3 p.m. tomorrow',
      '3 p.m. on Wednesday the 18th of November',
      '3 p.m. on Thursday the 19th of November',
      '3 p.m. on Friday the 20th of November',
      '3 p.m. on Saturday the 21st of November',
      '3 p.m. on Sunday the 22nd of November',
      '3 p.m. on Monday the 23rd of November',
    ]);
  });

  // Every minute of a day, said today, tomorrow and on a later date, is read back to the
  // same clock time by a listener who knows only the words: nothing is ambiguous.
  it.each([
    ['a winter day', '2026-11-20'],
    ['a summer (BST) day', '2026-06-16'],
  ])('every minute of %s reads back to the same time', (_what, date) => {
    const start = DateTime.fromISO(`${date}T00:00`, { zone: 'Europe/London' });
    const nowBefore = start.minus({ minutes: 1 }).toJSDate(); // 23:59 the day before
    for (let minute = 0; minute < 24 * 60; minute++) {
      const due = start.plus({ minutes: minute });
      const text = describeSpokenDue(due.toJSDate(), nowBefore);
      // The hour is on the 12-hour clock: never "13 p.m.", "past 17" or "0".
      expect(text, text).not.toMatch(/o'clock|\boh\b|\b(1[3-9]|2\d|0) [ap]\.m\.|\b(past|to) (1[3-9]|2\d|0)\b/);
      const heard = listen(text);
      const expected = due.hour === 0 && due.minute === 0 ? 'previous-day 24:00' : due.toFormat('HH:mm');
      expect(heard, text).toBe(expected);
    }
  });

  it('the staff text keeps the 24-hour clock (alerts and the console)', () => {
    expect(describeDue(at('2026-11-23T16:30:00Z'), at('2026-11-20T16:30:00Z'))).toBe('16:30 on Monday 23 November');
  });

  it('reads naturally as text-to-speech', () => {
    expect(utteranceText([prompt('callback-by'), ...spokenDue(at('2026-11-20T17:00:00Z'), at('2026-11-20T10:00:00Z'))])).toBe(
      'An engineer will call you back by 5 p.m. today',
    );
  });
});

/** A listener's reading of the words: the 24-hour time they mean (midnight: the end of the day named). */
function listen(text: string): string {
  if (text.startsWith('midnight')) return 'previous-day 24:00';
  const pad = (n: number) => String(n).padStart(2, '0');
  const period = /morning/.test(text) ? 'am' : /afternoon|evening/.test(text) ? 'pm' : null;
  const to24 = (h: number, ampm: 'am' | 'pm') => (ampm === 'am' ? h % 12 : (h % 12) + 12);
  let m = /^noon/.exec(text);
  if (m) return '12:00';
  m = /^(\d+) (a|p)\.m\./.exec(text);
  if (m) return `${pad(to24(Number(m[1]), m[2] === 'a' ? 'am' : 'pm'))}:00`;
  if (!period) throw new Error(`no part of the day in "${text}"`);
  m = /^(half past|quarter past|(\d+) (?:minutes? )?past) (\d+)/.exec(text);
  if (m) {
    const minutes = m[1] === 'half past' ? 30 : m[1] === 'quarter past' ? 15 : Number(m[2]);
    return `${pad(to24(Number(m[3]), period))}:${pad(minutes)}`;
  }
  m = /^(quarter to|(\d+) (?:minutes? )?to) (\d+)/.exec(text);
  if (m) {
    const before = m[1] === 'quarter to' ? 15 : Number(m[2]);
    // "quarter to 12 this evening" is 23:45; "quarter to 1 this afternoon" is 12:45.
    const hour = Number(m[3]) - 1;
    const h24 = period === 'am' ? hour % 12 : hour === 0 ? 12 : (hour % 12) + 12;
    return `${pad(h24 === 24 ? 12 : h24)}:${pad(60 - before)}`;
  }
  throw new Error(`cannot read "${text}"`);
}
