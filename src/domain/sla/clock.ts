// The SLA clock: a target of N minutes runs only while its calendar is open and
// the clock is not paused (seed 004: "any delay in providing access will not be
// part of our target response times"). Exact to the millisecond; targets are
// whole minutes.
//
// Open pauses. A pause with `to: null` is still running and counts as lasting
// forever: openMinutesBetween stops counting where it starts, and dueAt/warnAt
// return the due time only if the target runs out before the pause began (a
// ticket that breached and was then paused keeps its due time). Otherwise there
// is no due time until the pause ends, and they throw SlaClockPausedError —
// check isPaused() first and show "paused"; when the clock resumes, close the
// pause and ask again.
import {
  forEachOpenInterval,
  instant,
  toBlocks,
  type CalendarContext,
  type CalendarName,
} from '../calendar/calendar.ts';

export interface Pause {
  from: Date;
  /** null while the pause is still running. */
  to: Date | null;
}

export class SlaClockPausedError extends Error {
  constructor(readonly pausedAt: Date) {
    super(`the SLA clock has been paused since ${pausedAt.toISOString()}, so there is no due time until it resumes`);
    this.name = 'SlaClockPausedError';
  }
}

const MINUTE_MS = 60_000;

/** Whether any pause is still running (has no end). */
export function isPaused(pauses: readonly Pause[]): boolean {
  return pauses.some((p) => p.to === null);
}

/**
 * The earliest instant by which `minutes` of open, unpaused time have passed
 * since `start`. Starting while closed, the clock waits for the next opening
 * (a 0-minute target is due at that opening); running out exactly at a closing
 * time gives the closing time. `always` counts real elapsed time; `office` and
 * `extended` count opening hours on the UK wall clock.
 */
export function dueAt(
  cal: CalendarName,
  start: Date,
  minutes: number,
  ctx: CalendarContext,
  pauses: readonly Pause[] = [],
): Date {
  return new Date(runOut(cal, instant(start, 'start'), targetMs(minutes), ctx, pauses));
}

/** The instant `fraction` of the target's open time has passed (default 75%, the warning). */
export function warnAt(
  cal: CalendarName,
  start: Date,
  minutes: number,
  ctx: CalendarContext,
  pauses: readonly Pause[] = [],
  fraction = 0.75,
): Date {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`warnAt: fraction must be between 0 and 1, got ${fraction}`);
  const ms = Math.round(targetMs(minutes) * fraction);
  return new Date(runOut(cal, instant(start, 'start'), ms, ctx, pauses));
}

/** Open, unpaused minutes within [from, to) (fractional when the instants are). 0 if `to` is not after `from`. */
export function openMinutesBetween(
  cal: CalendarName,
  from: Date,
  to: Date,
  ctx: CalendarContext,
  pauses: readonly Pause[] = [],
): number {
  const fromMs = instant(from, 'from');
  const toMs = instant(to, 'to');
  if (toMs <= fromMs) return 0;
  let total = 0;
  forEachOpenInterval(cal, fromMs, ctx, toBlocks(pauses), toMs, (s, e) => {
    total += Math.min(e, toMs) - s;
    return true;
  });
  return total / MINUTE_MS;
}

function targetMs(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < 0) {
    throw new RangeError(`an SLA target is a whole number of minutes, got ${minutes}`);
  }
  return minutes * MINUTE_MS;
}

function runOut(cal: CalendarName, startMs: number, ms: number, ctx: CalendarContext, pauses: readonly Pause[]): number {
  const blocked = toBlocks(pauses);
  // Past the start of a pause still running, the clock never moves again.
  const running = pauses.filter((p) => p.to === null).map((p) => p.from.getTime());
  const stoppedAt = running.length > 0 ? Math.min(...running) : Infinity;
  let remaining = ms;
  let due = NaN;
  forEachOpenInterval(cal, startMs, ctx, blocked, stoppedAt, (s, e) => {
    if (remaining <= e - s) {
      due = s + remaining;
      return false;
    }
    remaining -= e - s;
    return true;
  });
  if (Number.isNaN(due)) throw new SlaClockPausedError(new Date(stoppedAt));
  return due;
}
