// A complaint raised from the console or the API (a caller who chose "complaint"
// gets theirs from the call flow). The complaint targets are copied from the
// policy now and frozen on the ticket: acknowledgement in 4 office hours,
// escalation at 48 hours, resolution in 5 working days, the ADR notice at 8 weeks.
import { effectiveTier, londonDate } from '../domain/contracts.ts';
import { DEFAULT_POLICY, targetsFor, type SlaPolicy } from '../domain/sla/policy.ts';
import * as timers from '../domain/tickets/timers.ts';
import { findAccountForPin } from '../store/accounts.ts';
import { NotFoundError } from '../store/errors.ts';
import { addTicketEvent, insertTicket } from '../store/ticket-lifecycle.ts';
import { requireText } from '../store/validate.ts';
import { calendarFrom } from './calendar.ts';
import type { TicketDeps } from './service.ts';

export interface NewComplaint {
  accountNumber: string;
  summary: string;
  actor: string;
  channel: 'console' | 'api';
  at: Date;
}

export async function raiseComplaint(
  deps: TicketDeps,
  c: NewComplaint,
  policy: SlaPolicy = DEFAULT_POLICY,
): Promise<{ id: string; reference: string; targets: { name: string; dueAt: string | null }[] }> {
  const summary = requireText(c.summary, 'summary');
  const actor = requireText(c.actor, 'actor');
  const account = await findAccountForPin(deps.db, c.accountNumber);
  if (!account) throw new NotFoundError('account', c.accountNumber);
  const tier = effectiveTier(account.status, account.contracts, londonDate(c.at));
  const ctx = await calendarFrom(deps.db, deps.division, c.at);
  const planned = targetsFor(tier, null, 'complaint', policy).map((spec) => {
    const blank: timers.Timer = {
      target: spec.name, calendar: spec.calendar, minutes: spec.minutes, startsAt: null, dueAt: null, warnAt: null,
      state: 'pending', warnedAt: null, breachedAt: null, metAt: null, pausedAt: null, pauses: [], serviceCredit: null,
      nextFireAt: null,
    };
    return spec.startsOn === 'opened' ? timers.start(blank, c.at, ctx) : blank;
  });
  return deps.db.tx(async (tx) => {
    const created = await insertTicket(tx, {
      accountId: account.id,
      kind: 'complaint',
      tier,
      priority: null,
      channel: c.channel,
      summary,
      openedAt: c.at,
      timers: planned.map((t) => ({
        target: t.target,
        calendar: t.calendar,
        minutes: t.minutes,
        startsAt: t.startsAt,
        dueAt: t.dueAt,
        warnAt: t.warnAt,
        state: t.state === 'running' ? 'running' : 'pending',
        nextFireAt: t.nextFireAt,
      })),
    });
    await addTicketEvent(tx, created.id, c.at, actor, 'created', {
      kind: 'complaint',
      tier,
      channel: c.channel,
      policy: policy.id,
      targets: planned.map((t) => ({ name: t.target, calendar: t.calendar, minutes: t.minutes, dueAt: t.dueAt?.toISOString() ?? null })),
    });
    return {
      ...created,
      targets: planned.map((t) => ({ name: t.target, dueAt: t.dueAt?.toISOString() ?? null })),
    };
  });
}
