// The office calendar a ticket's timers are computed on: the division's bank
// holidays and the closures announced in the database.
import type { Division } from '../domain/calendar/bank-holidays.ts';
import type { CalendarContext } from '../domain/calendar/calendar.ts';
import type { Db } from '../store/db.ts';
import { listClosures } from '../store/closures.ts';

/** Closures that end after `from`: enough for any timer that started then or later. */
export async function calendarFrom(db: Db, division: Division, from: Date): Promise<CalendarContext> {
  const closures = await listClosures(db, { from });
  return { division, closures: closures.map((c) => ({ from: c.from, to: c.to, reason: c.reason })) };
}

/** The earliest start among timers (or `fallback`), where their calendar must begin. */
export function earliestStart(timers: readonly { startsAt: Date | null }[], fallback: Date): Date {
  let min = fallback.getTime();
  for (const t of timers) if (t.startsAt && t.startsAt.getTime() < min) min = t.startsAt.getTime();
  return new Date(min);
}
