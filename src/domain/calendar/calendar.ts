// The three calendars an SLA target can run on, in Europe/London wall-clock time:
//   office   — Mon–Fri 09:00–17:00, closed on the division's bank holidays and
//              during announced closures (a Christmas shutdown);
//   extended — every day 07:00–23:00, bank holidays included (Cat2 cover);
//   always   — 24×7 (Cat4 critical).
// Closures apply to the office only: extended and 24×7 cover carry on.
import type { Division } from './bank-holidays.ts';
import { dayWindow, HOURS } from './day-windows.ts';
import { DAY_MS, dayNumberAt, localDay } from './local-days.ts';

export const CALENDARS = ['office', 'extended', 'always'] as const;
export type CalendarName = (typeof CALENDARS)[number];

/** Extra closed time for the office, e.g. the Christmas shutdown. */
export interface Closure {
  from: Date;
  to: Date;
  reason: string;
}

export interface CalendarContext {
  division: Division;
  closures: readonly Closure[];
}

export interface Interval {
  start: Date;
  end: Date;
}

export interface CalendarStatus {
  open: boolean;
  /** Plain English: "office hours (Mon–Fri 09:00–17:00)", "closed: weekend". */
  reason: string;
  /** When closed, the next opening. */
  nextOpenAt: Date | null;
  /** When open, the next closing; null for the 24×7 calendar. */
  closesAt: Date | null;
}

/**
 * Closed time as sorted, non-overlapping [start, end) pairs of epoch
 * milliseconds; an end of Infinity never ends.
 */
export type Blocks = readonly (readonly [number, number])[];

/** How far ahead to look for an opening before giving up (ten years). */
const HORIZON_DAYS = 3660;

export function isCalendarName(value: string): value is CalendarName {
  return (CALENDARS as readonly string[]).includes(value);
}

/** The open time within [from, to). */
export function openIntervals(cal: CalendarName, from: Date, to: Date, ctx: CalendarContext): Interval[] {
  const out: Interval[] = [];
  const toMs = instant(to, 'to');
  forEachOpenInterval(cal, instant(from, 'from'), ctx, [], toMs, (start, end) => {
    out.push({ start: new Date(start), end: new Date(Math.min(end, toMs)) });
    return true;
  });
  return out;
}

/** Open at instant `at`: opening is inclusive, closing exclusive (at 17:00 the office is closed). */
export function isOpen(cal: CalendarName, at: Date, ctx: CalendarContext): boolean {
  const ms = instant(at, 'at');
  if (cal === 'always') return true;
  const window = dayWindow(cal, ctx.division, dayNumberAt(ms));
  if (!window.open || ms < window.start || ms >= window.end) return false;
  return !(HOURS[cal].honoursClosures && closureAt(ctx.closures, ms) !== null);
}

/** `at` itself when open, otherwise the next opening. */
export function nextOpening(cal: CalendarName, at: Date, ctx: CalendarContext): Date {
  const ms = instant(at, 'at');
  const first = firstOpenInterval(cal, ms, ctx);
  if (first === null) throw noOpening(cal, ms);
  return new Date(first[0]);
}

export function calendarStatus(cal: CalendarName, at: Date, ctx: CalendarContext): CalendarStatus {
  const ms = instant(at, 'at');
  if (cal === 'always') {
    return { open: true, reason: '24-hour cover (every day, all day)', nextOpenAt: null, closesAt: null };
  }
  const hours = HOURS[cal];
  // Bounded, so an office closed for good reads as closed with no next opening.
  const first = firstOpenInterval(cal, ms, ctx, ms + HORIZON_DAYS * DAY_MS);
  if (first !== null && first[0] === ms) {
    return { open: true, reason: hours.label, nextOpenAt: null, closesAt: new Date(first[1]) };
  }
  const nextOpenAt = first === null ? null : new Date(first[0]);
  return { open: false, reason: `closed: ${closedBecause(cal, ms, ctx)}`, nextOpenAt, closesAt: null };
}

function closedBecause(cal: Exclude<CalendarName, 'always'>, ms: number, ctx: CalendarContext): string {
  const hours = HOURS[cal];
  const window = dayWindow(cal, ctx.division, dayNumberAt(ms));
  if (!window.open && window.closedFor !== 'weekend') return bankHolidayReason(window.closedFor.bankHoliday);
  const closure = hours.honoursClosures ? closureAt(ctx.closures, ms) : null;
  if (closure !== null) return closure.reason;
  if (!window.open) return 'weekend';
  return `outside ${hours.label}`;
}

// "Christmas Day (bank holiday)", "Boxing Day (substitute bank holiday)",
// "Summer bank holiday".
function bankHolidayReason(title: string): string {
  const substitute = ' (substitute day)';
  if (title.endsWith(substitute)) return `${title.slice(0, -substitute.length)} (substitute bank holiday)`;
  return /bank holiday/i.test(title) ? title : `${title} (bank holiday)`;
}

function firstOpenInterval(
  cal: CalendarName,
  fromMs: number,
  ctx: CalendarContext,
  untilMs = Infinity,
): [number, number] | null {
  let found: [number, number] | null = null;
  forEachOpenInterval(cal, fromMs, ctx, [], untilMs, (start, end) => {
    found = [start, end];
    return false;
  });
  return found;
}

/**
 * Calls `visit(start, end)` for each stretch of open time from `fromMs` on, in
 * order, with closures (office only) and the extra `blocked` time taken out, until
 * `visit` returns false or the stretches reach `untilMs`. A stretch may run past
 * `untilMs` (the caller clips it); on the 24×7 calendar the last may end at
 * Infinity. Looking beyond ten years for an opening throws a RangeError.
 */
export function forEachOpenInterval(
  cal: CalendarName,
  fromMs: number,
  ctx: CalendarContext,
  blocked: Blocks,
  untilMs: number,
  visit: (start: number, end: number) => boolean,
): void {
  const closed = cal !== 'always' && HOURS[cal].honoursClosures ? withClosures(ctx.closures, blocked) : blocked;
  const cut = new Subtractor(closed, visit);
  if (cal === 'always') {
    cut.offer(fromMs, Infinity, untilMs);
    return;
  }
  const firstDay = dayNumberAt(fromMs);
  const lastDay = untilMs === Infinity ? firstDay + HORIZON_DAYS : dayNumberAt(untilMs);
  for (let d = firstDay; d <= lastDay; d++) {
    const window = dayWindow(cal, ctx.division, d);
    if (!window.open || window.end <= fromMs) continue;
    if (window.start >= untilMs) return;
    if (!cut.offer(Math.max(window.start, fromMs), window.end, untilMs)) return;
  }
  if (untilMs === Infinity) throw noOpening(cal, fromMs);
}

// Takes the blocked time out of a rising sequence of stretches. The stretches
// only move forward, so one cursor over the blocks does for the whole walk.
class Subtractor {
  private next = 0;
  constructor(
    private readonly blocks: Blocks,
    private readonly visit: (start: number, end: number) => boolean,
  ) {}

  /** False once the visitor has had enough or the walk passed `untilMs`. */
  offer(start: number, end: number, untilMs: number): boolean {
    const blocks = this.blocks;
    while (this.next < blocks.length && blocks[this.next]![1] <= start) this.next++;
    let cursor = start;
    for (let i = this.next; i < blocks.length; i++) {
      const [from, to] = blocks[i]!;
      if (from >= end) break;
      if (from > cursor) {
        if (cursor >= untilMs || !this.visit(cursor, from)) return false;
      }
      if (to > cursor) cursor = to;
      if (cursor >= end) return cursor < untilMs;
    }
    if (cursor >= untilMs) return false;
    return this.visit(cursor, end);
  }
}

/** Sorted, merged blocks from intervals (an end of null or Infinity never ends). */
export function toBlocks(intervals: Iterable<{ from: Date; to: Date | null }>): Blocks {
  const pairs: [number, number][] = [];
  for (const { from, to } of intervals) {
    const start = instant(from, 'an interval start');
    const end = to === null ? Infinity : instant(to, 'an interval end');
    if (end < start) throw new RangeError(`an interval ends (${to?.toISOString()}) before it starts (${from.toISOString()})`);
    if (end > start) pairs.push([start, end]);
  }
  return merge(pairs);
}

function merge(pairs: [number, number][]): Blocks {
  pairs.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [start, end] of pairs) {
    const last = out[out.length - 1];
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

// Remembered per closures array: a context's closures are read-only, and a
// changed list is a new array.
const closureBlocks = new WeakMap<readonly Closure[], Blocks>();

function withClosures(closures: readonly Closure[], blocked: Blocks): Blocks {
  if (closures.length === 0) return blocked;
  let blocks = closureBlocks.get(closures);
  if (blocks === undefined) {
    blocks = toBlocks(closures);
    closureBlocks.set(closures, blocks);
  }
  if (blocked.length === 0) return blocks;
  return merge([...blocks, ...blocked].map(([s, e]) => [s, e]));
}

function closureAt(closures: readonly Closure[], ms: number): Closure | null {
  for (const c of closures) if (c.from.getTime() <= ms && ms < c.to.getTime()) return c;
  return null;
}

function noOpening(cal: CalendarName, fromMs: number): RangeError {
  const from = localDay(dayNumberAt(fromMs)).date;
  return new RangeError(`the ${cal} calendar has no open time within ten years of ${from}`);
}

/** Epoch milliseconds of a valid Date; an Invalid Date is a caller's bug. */
export function instant(date: Date, what: string): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${what} is an invalid date`);
  return ms;
}
