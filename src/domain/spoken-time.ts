// A due time as the caller hears it after "An engineer will call you back by": one
// 12-hour British style, never the 24-hour clock ("by 5 o'clock" said at 03:00 could
// mean either 05:00 or 17:00).
//   on the hour    "5 pm today", "9 am tomorrow", "noon on Monday the 14th of December",
//                  "midnight tonight" (00:00 is the end of the day before it)
//   other minutes  "half past 2 tomorrow afternoon", "quarter to 10 this evening",
//                  "20 past 9 in the morning on Monday the 14th of December",
//                  "7 minutes past 9 this morning" — the part of the day says am or pm.
// The year is never said: no target runs for more than a few weeks.
import { DateTime } from 'luxon';
import { ZONE } from './calendar/local-days.ts';
import { num, prompt, utteranceText, type PromptId, type Segment } from './prompts.ts';

const DAYS: readonly PromptId[] = [
  'day-monday',
  'day-tuesday',
  'day-wednesday',
  'day-thursday',
  'day-friday',
  'day-saturday',
  'day-sunday',
];

const MONTHS: readonly PromptId[] = [
  'month-january',
  'month-february',
  'month-march',
  'month-april',
  'month-may',
  'month-june',
  'month-july',
  'month-august',
  'month-september',
  'month-october',
  'month-november',
  'month-december',
];

type Day = { kind: 'today' } | { kind: 'tomorrow' } | { kind: 'on'; local: DateTime };
type Period = 'morning' | 'afternoon' | 'evening';

export function spokenDue(due: Date, now: Date): Segment[] {
  const local = toLocal(due);
  const { hour, minute } = local;
  if (hour === 0 && minute === 0) return midnight(local.minus({ days: 1 }), now);
  if (minute === 0) {
    const time = hour === 12 ? [prompt('word-noon')] : [num(twelveHour(hour)), prompt(hour < 12 ? 'word-am' : 'word-pm')];
    return [...time, ...dayWords(dayOf(local, now))];
  }
  return [...pastOrTo(hour, minute), ...periodWords(dayOf(local, now), periodOf(hour))];
}

/** The same words as plain text (notes, texts to the customer). */
export function describeSpokenDue(due: Date, now: Date): string {
  return utteranceText(spokenDue(due, now));
}

/** The due time for staff (alerts, the console): "11:00 tomorrow", "16:30 today", "09:00 on Monday 23 November". */
export function describeDue(due: Date, now: Date): string {
  const local = toLocal(due);
  const time = local.toFormat('HH:mm');
  const day = dayOf(local, now);
  switch (day.kind) {
    case 'today':
      return `${time} today`;
    case 'tomorrow':
      return `${time} tomorrow`;
    case 'on':
      return `${time} on ${day.local.setLocale('en-GB').toFormat('cccc d LLLL')}`;
  }
}

const twelveHour = (hour: number): number => (hour % 12 === 0 ? 12 : hour % 12);

function pastOrTo(hour: number, minute: number): Segment[] {
  if (minute === 30) return [prompt('word-half-past'), num(twelveHour(hour))];
  if (minute === 15) return [prompt('word-quarter-past'), num(twelveHour(hour))];
  if (minute === 45) return [prompt('word-quarter-to'), num(twelveHour(hour + 1))];
  // Multiples of five are said without "minutes": "20 past 9", "7 minutes past 9".
  const round = minute % 5 === 0;
  if (minute < 30) {
    const word: PromptId = round ? 'word-past' : minute === 1 ? 'word-minute-past' : 'word-minutes-past';
    return [num(minute), prompt(word), num(twelveHour(hour))];
  }
  const left = 60 - minute;
  const word: PromptId = round ? 'word-to' : left === 1 ? 'word-minute-to' : 'word-minutes-to';
  return [num(left), prompt(word), num(twelveHour(hour + 1))];
}

// 00:00–11:59 morning, 12:00–17:59 afternoon, 18:00–23:59 evening.
function periodOf(hour: number): Period {
  if (hour < 12) return 'morning';
  return hour < 18 ? 'afternoon' : 'evening';
}

const PERIOD: Record<Period, PromptId> = { morning: 'word-morning', afternoon: 'word-afternoon', evening: 'word-evening' };

function periodWords(day: Day, period: Period): Segment[] {
  switch (day.kind) {
    case 'today':
      return [prompt('word-this'), prompt(PERIOD[period])];
    case 'tomorrow':
      return [prompt('word-tomorrow'), prompt(PERIOD[period])];
    case 'on':
      return [prompt('word-in-the'), prompt(PERIOD[period]), ...onDate(day.local)];
  }
}

function dayWords(day: Day): Segment[] {
  switch (day.kind) {
    case 'today':
      return [prompt('word-today')];
    case 'tomorrow':
      return [prompt('word-tomorrow')];
    case 'on':
      return onDate(day.local);
  }
}

/** Midnight belongs to the day it ends: "midnight tonight", never "0 o'clock tomorrow". */
function midnight(dayEnding: DateTime, now: Date): Segment[] {
  const day = dayOf(dayEnding, now);
  switch (day.kind) {
    case 'today':
      return [prompt('word-midnight'), prompt('word-tonight')];
    case 'tomorrow':
      return [prompt('word-midnight'), prompt('word-tomorrow'), prompt('word-night')];
    case 'on':
      return [prompt('word-midnight'), prompt('word-at-the-end-of'), ...onDate(day.local).slice(1)];
  }
}

/** "on Monday the 14th of December". */
function onDate(local: DateTime): Segment[] {
  return [
    prompt('word-on'),
    prompt(DAYS[local.weekday - 1]!),
    prompt('word-the'),
    prompt(`ordinal-${local.day}` as PromptId),
    prompt('word-of'),
    prompt(MONTHS[local.month - 1]!),
  ];
}

function toLocal(at: Date): DateTime {
  const local = DateTime.fromJSDate(at, { zone: ZONE });
  if (!local.isValid) throw new RangeError('spoken time: invalid date');
  return local;
}

// Today and tomorrow are UK calendar days, not 24-hour spans.
function dayOf(local: DateTime, now: Date): Day {
  const today = toLocal(now).startOf('day');
  if (local.hasSame(today, 'day')) return { kind: 'today' };
  if (local.hasSame(today.plus({ days: 1 }), 'day')) return { kind: 'tomorrow' };
  return { kind: 'on', local };
}

