// UK local days as UTC instants. Luxon knows the Europe/London rules (BST/GMT);
// each day is asked about once and remembered, so the hot loops of the calendar
// and the SLA clock only compare numbers.
import { DateTime } from 'luxon';

export const ZONE = 'Europe/London';
export const DAY_MS = 86_400_000;

export interface LocalDay {
  /** Days since 1970-01-01 of this local date (its number on a UTC calendar). */
  readonly number: number;
  /** `YYYY-MM-DD`. */
  readonly date: string;
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  readonly weekday: number;
  /** The instant local midnight begins this day. */
  readonly startMs: number;
}

const days = new Map<number, LocalDay>();

export function localDay(number: number): LocalDay {
  let found = days.get(number);
  if (found === undefined) {
    const utc = new Date(number * DAY_MS);
    const year = utc.getUTCFullYear();
    const month = utc.getUTCMonth() + 1;
    const day = utc.getUTCDate();
    found = Object.freeze({
      number,
      date: utc.toISOString().slice(0, 10),
      year,
      month,
      day,
      weekday: ((utc.getUTCDay() + 6) % 7) + 1,
      startMs: localInstant(year, month, day, 0, 0),
    });
    days.set(number, found);
  }
  return found;
}

/** The number of the local day that instant `ms` falls in. */
export function dayNumberAt(ms: number): number {
  // The UK is never behind UTC and at most an hour ahead, so the local day is
  // the UTC day or the one after; the cached midnights decide which.
  const d = Math.floor(ms / DAY_MS);
  if (ms >= localDay(d + 1).startMs) return d + 1;
  if (ms < localDay(d).startMs) return d - 1;
  return d;
}

/** The instant a UK wall-clock time happens (a time skipped by the clocks moving forward lands just after the gap). */
export function localInstant(year: number, month: number, day: number, hour: number, minute: number): number {
  return DateTime.fromObject({ year, month, day, hour, minute }, { zone: ZONE }).toMillis();
}
