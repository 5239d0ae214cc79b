import { describe, expect, it } from 'vitest';
import { num, prompt, utteranceText, type Segment } from '../../src/domain/prompts.ts';
import { describeDue, spokenDue } from '../../src/domain/spoken-time.ts';

const at = (iso: string) => new Date(iso);

// "An engineer will call you back by …"
describe('a due time as the caller hears it', () => {
  it.each<[string, string, string, string, Segment[]]>([
    [
      'eleven tomorrow',
      '2026-11-21T11:00:00Z', '2026-11-20T16:30:00Z',
      '11:00 tomorrow',
      [num(11), prompt('word-oclock'), prompt('word-tomorrow')],
    ],
    [
      'half past four this afternoon',
      '2026-11-20T16:30:00Z', '2026-11-20T09:10:00Z',
      '16:30 today',
      [num(16), num(30), prompt('word-today')],
    ],
    [
      'five past nine, said "nine oh five"',
      '2026-11-20T09:05:00Z', '2026-11-20T08:00:00Z',
      '09:05 today',
      [num(9), prompt('word-oh'), num(5), prompt('word-today')],
    ],
    [
      'more than a day away: the weekday and date',
      '2026-11-23T09:00:00Z', '2026-11-20T16:30:00Z',
      '09:00 on Monday 23 November',
      [num(9), prompt('word-oclock'), prompt('word-on'), prompt('day-monday'), num(23), prompt('month-november')],
    ],
    [
      'the Cat1 callback opened Friday 16:30, due Monday 16:30',
      '2026-11-23T16:30:00Z', '2026-11-20T16:30:00Z',
      '16:30 on Monday 23 November',
      [num(16), num(30), prompt('word-on'), prompt('day-monday'), num(23), prompt('month-november')],
    ],
    [
      'in summer the time is BST',
      '2026-06-16T10:00:00Z', '2026-06-16T08:00:00Z',
      '11:00 today',
      [num(11), prompt('word-oclock'), prompt('word-today')],
    ],
    [
      'today is the UK date: 00:30 BST is already the 15th',
      '2026-06-15T10:00:00Z', '2026-06-14T23:30:00Z',
      '11:00 today',
      [num(11), prompt('word-oclock'), prompt('word-today')],
    ],
    [
      'tomorrow is the next UK date, not the next 24 hours',
      '2026-11-21T00:30:00Z', '2026-11-20T22:00:00Z',
      '00:30 tomorrow',
      [num(0), num(30), prompt('word-tomorrow')],
    ],
    [
      'across the new year',
      '2027-01-04T13:00:00Z', '2026-12-24T15:00:00Z',
      '13:00 on Monday 4 January',
      [num(13), prompt('word-oclock'), prompt('word-on'), prompt('day-monday'), num(4), prompt('month-january')],
    ],
  ])('%s', (_what, due, now, text, segments) => {
    expect(describeDue(at(due), at(now))).toBe(text);
    expect(spokenDue(at(due), at(now))).toEqual(segments);
  });

  it('reads naturally as text-to-speech', () => {
    expect(utteranceText(spokenDue(at('2026-11-23T09:05:00Z'), at('2026-11-20T16:30:00Z')))).toBe(
      "9 oh 5 on Monday 23 November",
    );
    expect(utteranceText(spokenDue(at('2026-11-21T11:00:00Z'), at('2026-11-20T16:30:00Z')))).toBe(
      "11 o'clock tomorrow",
    );
  });
});
