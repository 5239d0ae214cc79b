// UK local days as UTC instants. The UTC offsets (GMT/BST) come from the tz
// database through Luxon's IANAZone; each day is asked about once and
// remembered, so the hot loops of the calendar and the SLA clock only compare
// numbers.
import { IANAZone } from 'luxon';

export const ZONE = 'Europe/London';
export const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

const zone = IANAZone.create(ZONE);
if (!zone.isValid) throw new Error(`time zone ${ZONE} is not known to this runtime's Intl`);

export interface LocalDay {
  /** Days since 1970-01-01 of this local date (its number on a UTC calendar). */
  readonly number: number;
  /** `YYYY-MM-DD`. */
  readonly date: string;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  readonly weekday: number;
  /** The instant local midnight begins this day. */
  readonly startMs: number;
  /** The day's UTC offset in ms, or null on a day the clocks change. */
  readonly offsetMs: number | null;
}

const days = new Map<number, LocalDay>();

export function localDay(number: number): LocalDay {
  let found = days.get(number);
  if (found === undefined) {
    const wallMidnight = number * DAY_MS;
    const startMs = wallToInstant(wallMidnight);
    // The clocks change at most once a day: the same offset at midnight and at
    // the day's last minute means one offset all day.
    const atStart = (wallMidnight - startMs) / MINUTE_MS;
    const atEnd = zone.offset(wallMidnight + DAY_MS - MINUTE_MS - atStart * MINUTE_MS);
    const utc = new Date(wallMidnight);
    found = Object.freeze({
      number,
      date: utc.toISOString().slice(0, 10),
      weekday: ((utc.getUTCDay() + 6) % 7) + 1,
      startMs,
      offsetMs: atStart === atEnd ? atStart * MINUTE_MS : null,
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

/** The instant a UK wall-clock time happens on `day`. */
export function localTimeOn(day: LocalDay, hour: number, minute: number): number {
  const wall = day.number * DAY_MS + hour * 3_600_000 + minute * MINUTE_MS;
  return day.offsetMs !== null ? wall - day.offsetMs : wallToInstant(wall);
}

/**
 * The instant of a wall-clock time given as if it were UTC milliseconds: Luxon's
 * resolution (datetime.js fixOffset) over the zone's offsets, with the first
 * guess taken from three hours before, so that an hour that happens twice (the
 * clocks going back) is its first, BST occurrence. A time skipped when the
 * clocks go forward lands an hour later, after the gap.
 */
function wallToInstant(wall: number): number {
  const guess = zone.offset(wall - 3 * 3_600_000);
  let ts = wall - guess * MINUTE_MS;
  const o2 = zone.offset(ts);
  if (o2 === guess) return ts;
  ts -= (o2 - guess) * MINUTE_MS;
  const o3 = zone.offset(ts);
  if (o3 === o2) return ts;
  return wall - Math.min(o2, o3) * MINUTE_MS;
}
