// support-line sla: the due times a ticket opened now would be promised.
import { PRIORITIES, TIERS } from '../../domain/contracts.ts';
import { dueAt, warnAt } from '../../domain/sla/clock.ts';
import { targetsFor } from '../../domain/sla/policy.ts';
import { UNPAUSABLE } from '../../domain/tickets/timers.ts';
import { instant, interval, oneOf, parse } from '../args.ts';
import type { CliContext } from '../context.ts';

const KINDS = ['fault', 'complaint', 'billing'] as const;

export async function slaCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const o = parse(argv, {
    tier: { type: 'string' },
    priority: { type: 'string' },
    opened: { type: 'string' },
    pause: { type: 'string', multiple: true },
    kind: { type: 'string' },
  });
  const tier = oneOf(o.tier, TIERS, 'tier');
  const priority = oneOf(o.priority, PRIORITIES, 'priority', 'standard');
  const opened = instant(o.opened, 'opened');
  const kind = oneOf(o.kind, KINDS, 'kind', 'fault');
  const pauses = (o.pause ?? []).map((p) => interval(p, 'pause'));
  const calendar = await ctx.calendar();
  const targets = targetsFor(tier, priority, kind).map((t) => {
    const started = t.startsOn === 'opened';
    // As on a ticket: the ADR point runs 8 weeks from the complaint whatever is awaited.
    const paused = UNPAUSABLE.includes(t.name) ? [] : pauses;
    return {
      name: t.name,
      calendar: t.calendar,
      hours: t.minutes / 60,
      startsOn: t.startsOn,
      dueAt: started ? dueAt(t.calendar, opened, t.minutes, calendar, paused).toISOString() : null,
      warnAt: started ? warnAt(t.calendar, opened, t.minutes, calendar, paused).toISOString() : null,
      ...(UNPAUSABLE.includes(t.name) && pauses.length > 0 ? { note: 'never paused: it runs from the complaint whatever is awaited' } : {}),
    };
  });
  const due = (name: string) => targets.find((t) => t.name === name)?.dueAt ?? null;
  const onsite = targets.find((t) => t.name === 'onsite');
  ctx.out({
    tier,
    priority,
    kind,
    openedAt: opened.toISOString(),
    responseDueAt: due('response'),
    resolutionDueAt: due('resolution'),
    onsiteHours: onsite ? onsite.hours : null,
    complaintAcknowledgeDueAt: due('complaint_ack'),
    complaintResolutionDueAt: due('complaint_resolution'),
    pauses: pauses.map((p) => ({ from: p.from.toISOString(), to: p.to.toISOString() })),
    targets,
  });
}
