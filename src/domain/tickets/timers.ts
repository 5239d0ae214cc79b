// One SLA timer's arithmetic: start, pause, resume, meet, cancel and recompute.
// Pure: every function takes the instant it acts at and returns a new timer.
//
// A timer keeps what it was promised (target minutes and calendar, frozen when
// the ticket was opened) and its own pauses, so its due time can always be
// recomputed from its start alone: after a resume, after a calendar change,
// never from the policy of the day.
import type { CalendarContext, CalendarName } from '../calendar/calendar.ts';
import { dueAt as clockDueAt, warnAt as clockWarnAt } from '../sla/clock.ts';
import type { SlaTargetName } from '../sla/policy.ts';
import { WARN_FRACTION } from '../sla/watch.ts';

export type TimerState = 'running' | 'paused' | 'met' | 'breached' | 'cancelled' | 'pending';

/** A pause that has ended. */
export interface ClosedPause {
  from: Date;
  to: Date;
}

export interface Timer {
  target: SlaTargetName;
  calendar: CalendarName;
  minutes: number;
  /** Null while pending (on-site starts at the decision). */
  startsAt: Date | null;
  dueAt: Date | null;
  warnAt: Date | null;
  state: TimerState;
  warnedAt: Date | null;
  breachedAt: Date | null;
  metAt: Date | null;
  /** Start of the pause in force; set only while paused. */
  pausedAt: Date | null;
  /** Ended pauses, oldest first. */
  pauses: ClosedPause[];
  serviceCredit: boolean | null;
  /** When the SLA watcher must next look at the timer; null unless running. */
  nextFireAt: Date | null;
}

/**
 * Never paused by waiting on the customer: the customer's right to go to
 * alternative dispute resolution runs 8 weeks from the complaint whatever we are
 * waiting for (seed 002), so telling them must not slip.
 */
export const UNPAUSABLE: readonly SlaTargetName[] = ['adr_notice'];

export const isLive = (t: Timer): boolean => t.state === 'running' || t.state === 'paused';

/** When the watcher must next act: the warning until it is given, then the due time. */
export function nextFire(t: Pick<Timer, 'state' | 'warnAt' | 'dueAt' | 'warnedAt'>): Date | null {
  if (t.state !== 'running' || t.dueAt === null) return null;
  if (t.warnedAt === null && t.warnAt !== null && t.warnAt < t.dueAt) return t.warnAt;
  return t.dueAt;
}

/** Due and warning times from the start, the frozen target and the ended pauses. */
export function schedule(t: Timer, ctx: CalendarContext): Timer {
  if (t.startsAt === null) throw new RangeError(`the ${t.target} timer has not started`);
  const due = clockDueAt(t.calendar, t.startsAt, t.minutes, ctx, t.pauses);
  const warn = clockWarnAt(t.calendar, t.startsAt, t.minutes, ctx, t.pauses, WARN_FRACTION);
  const next = { ...t, dueAt: due, warnAt: warn };
  return { ...next, nextFireAt: nextFire(next) };
}

/** A pending timer starts its clock at `at` (on-site: the decision to send an engineer). */
export function start(t: Timer, at: Date, ctx: CalendarContext): Timer {
  if (t.state !== 'pending') return t;
  return schedule({ ...t, state: 'running', startsAt: at }, ctx);
}

/**
 * Stops the clock at `at`. A timer whose time has already run out is left running:
 * the breach stands and the watcher records it, a pause cannot undo it.
 */
export function pause(t: Timer, at: Date): Timer {
  if (t.state !== 'running' || UNPAUSABLE.includes(t.target)) return t;
  if (t.dueAt !== null && t.dueAt <= at) return t;
  return { ...t, state: 'paused', pausedAt: at, nextFireAt: null };
}

/** Restarts the clock: the pause becomes history and the due time moves later by its open time. */
export function resume(t: Timer, at: Date, ctx: CalendarContext): Timer {
  if (t.state !== 'paused' || t.pausedAt === null) return t;
  const pauses = at > t.pausedAt ? [...t.pauses, { from: t.pausedAt, to: at }] : t.pauses;
  return schedule({ ...t, state: 'running', pausedAt: null, pauses }, ctx);
}

export interface Met {
  timer: Timer;
  /** The time had run out before the watcher got to it: this meeting records the breach. */
  lateBreach: boolean;
}

/**
 * The promise is kept at `at`: met if by the due time (inclusive), otherwise a
 * breach as of the due time. A paused timer is met (its time had not run out when
 * it paused). A pending timer that never started is cancelled instead; a breached
 * one stays breached and notes when it was kept.
 */
export function meet(t: Timer, at: Date, earnsCredit: boolean): Met {
  if (t.state === 'pending') return { timer: cancel(t, at), lateBreach: false };
  // Already breached by the watcher: remember when the promise was kept after all.
  if (t.state === 'breached') return { timer: t.metAt === null ? { ...t, metAt: at } : t, lateBreach: false };
  if (!isLive(t)) return { timer: t, lateBreach: false };
  const ended = closePause(t, at);
  if (t.state === 'running' && t.dueAt !== null && at > t.dueAt) {
    return {
      timer: { ...ended, state: 'breached', metAt: at, breachedAt: t.dueAt, serviceCredit: earnsCredit, nextFireAt: null },
      lateBreach: true,
    };
  }
  return { timer: { ...ended, state: 'met', metAt: at, nextFireAt: null }, lateBreach: false };
}

/** The promise no longer applies (resolved before an on-site visit, closed unanswered). */
export function cancel(t: Timer, at: Date): Timer {
  if (!isLive(t) && t.state !== 'pending') return t;
  return { ...closePause(t, at), state: 'cancelled', nextFireAt: null };
}

/**
 * A duty met by the resolution runs again after a reopen, from its original start:
 * a complaint reopened after 48 hours is escalated at once (seed 002 "re-opened or
 * immediately escalated"), and its 8 weeks still count from the complaint.
 */
export function restart(t: Timer, ctx: CalendarContext): Timer {
  if (t.state !== 'met' || t.startsAt === null) return t;
  return schedule({ ...t, state: 'running', metAt: null }, ctx);
}

/** A calendar change: a running timer's times are computed again; others keep theirs. */
export function reschedule(t: Timer, ctx: CalendarContext): Timer {
  if (t.state !== 'running') return t;
  return schedule(t, ctx);
}

function closePause(t: Timer, at: Date): Timer {
  if (t.state !== 'paused' || t.pausedAt === null) return t;
  const pauses = at > t.pausedAt ? [...t.pauses, { from: t.pausedAt, to: at }] : t.pauses;
  return { ...t, pausedAt: null, pauses };
}
