// What the SLA watcher does with a timer whose next instant has come: warn when
// 75% of the target's open time has gone, record the breach at 100%. Pure; the
// worker (src/workers/sla-watcher.ts) applies the decision under a row lock.
//
// Two targets are duties that fall due rather than promises that can be missed:
// at 48 hours an unresolved complaint is escalated to management, and at 8 weeks
// the customer must be told of their right to alternative dispute resolution
// (seeds 000 §5.1 and 002). Their 100% is recorded like a breach (the time ran
// out with the complaint still open) but what it sets off is the duty itself, and
// reports count them apart from the targets.
import type { SlaTargetName } from './policy.ts';

/** The share of a target's open time after which the watcher warns. */
export const WARN_FRACTION = 0.75;

export const DUTY_TARGETS: readonly SlaTargetName[] = ['complaint_escalation', 'adr_notice'];

export const isDuty = (target: SlaTargetName): boolean => DUTY_TARGETS.includes(target);

/** What a warning or breach sets off, and so what the notifications say. */
export type AlertKind = 'warning' | 'breach' | 'escalation' | 'adr_task' | 'escalation_failed';

export interface WatchedTimer {
  target: SlaTargetName;
  state: string;
  warnAt: Date | null;
  dueAt: Date | null;
  warnedAt: Date | null;
}

export type WatchDecision =
  /** 75% has gone: warn now, look again at the due time. */
  | { kind: 'warn'; alert: AlertKind; nextFireAt: Date }
  /** 100%: the breach happened at the due time (which may be before now). */
  | { kind: 'breach'; alert: AlertKind; breachedAt: Date }
  /**
   * Nothing to do now: the timer is not running (met or paused since it was
   * claimed) or its next instant has not come; `nextFireAt` is where it belongs.
   */
  | { kind: 'none'; nextFireAt: Date | null };

/**
 * The decision for `timer` at `now`. Exact to the instant: a look at or after the
 * warning or due time acts on it. A watcher that was away past the due time
 * records the breach alone — a warning of what has already happened helps no one.
 */
export function decide(timer: WatchedTimer, now: Date): WatchDecision {
  if (timer.state !== 'running' || timer.dueAt === null) return { kind: 'none', nextFireAt: null };
  if (timer.dueAt <= now) {
    return { kind: 'breach', alert: breachAlert(timer.target), breachedAt: timer.dueAt };
  }
  if (timer.warnedAt === null && timer.warnAt !== null && timer.warnAt < timer.dueAt) {
    if (timer.warnAt <= now) return { kind: 'warn', alert: 'warning', nextFireAt: timer.dueAt };
    return { kind: 'none', nextFireAt: timer.warnAt };
  }
  return { kind: 'none', nextFireAt: timer.dueAt };
}

function breachAlert(target: SlaTargetName): AlertKind {
  switch (target) {
    case 'complaint_escalation':
      return 'escalation';
    case 'adr_notice':
      return 'adr_task';
    default:
      return 'breach';
  }
}
