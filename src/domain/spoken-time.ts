// A due time as the caller hears it after "An engineer will call you back by":
// UK local time on the 24-hour clock, then the day — "11 o'clock tomorrow",
// "16 30 today", "9 oh 5 on Monday 23 November". The year is never said: no
// target runs for more than a few weeks.
import { DateTime } from 'luxon';
import { ZONE } from './calendar/local-days.ts';
import { num, prompt, type PromptId, type Segment } from './prompts.ts';

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

export function spokenDue(due: Date, now: Date): Segment[] {
  const local = toLocal(due);
  const out: Segment[] = [num(local.hour)];
  if (local.minute === 0) out.push(prompt('word-oclock'));
  else if (local.minute < 10) out.push(prompt('word-oh'), num(local.minute));
  else out.push(num(local.minute));
  const day = dayOf(local, now);
  switch (day.kind) {
    case 'today':
      out.push(prompt('word-today'));
      break;
    case 'tomorrow':
      out.push(prompt('word-tomorrow'));
      break;
    case 'on':
      out.push(
        prompt('word-on'),
        prompt(DAYS[day.local.weekday - 1]!),
        num(day.local.day),
        prompt(MONTHS[day.local.month - 1]!),
      );
      break;
  }
  return out;
}

/** The same, as text: "11:00 tomorrow", "16:30 today", "09:00 on Monday 23 November". */
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
