// A ticket's promise, planned the instant it is opened: each target's start, due
// time and warning on the office calendar of that moment, then frozen on the
// ticket (a later change of policy never rewrites it; a calendar change recomputes
// on purpose, src/tickets/recompute.ts). The call flow and a complaint raised from
// the console or the API both plan here.
import type { CalendarContext } from '../calendar/calendar.ts';
import type { PlannedTarget } from '../flow/types.ts';
import { dueAt, warnAt } from './clock.ts';
import type { TargetSpec } from './policy.ts';
import { WARN_FRACTION } from './watch.ts';

/**
 * The targets as the ticket will hold them: a target whose clock starts when the
 * ticket opens runs from `openedAt`; one that starts later (on-site, from the
 * decision to send an engineer) waits with no times yet.
 */
export function planTargets(specs: readonly TargetSpec[], openedAt: Date, ctx: CalendarContext): PlannedTarget[] {
  return specs.map((spec) => {
    const planned = { name: spec.name, calendar: spec.calendar, minutes: spec.minutes };
    if (spec.startsOn !== 'opened') return { ...planned, startsAt: null, dueAt: null, warnAt: null };
    return {
      ...planned,
      startsAt: openedAt.toISOString(),
      dueAt: dueAt(spec.calendar, openedAt, spec.minutes, ctx).toISOString(),
      warnAt: warnAt(spec.calendar, openedAt, spec.minutes, ctx, [], WARN_FRACTION).toISOString(),
    };
  });
}
