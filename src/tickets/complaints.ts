// A complaint raised from the console or the API (a caller who chose "complaint"
// gets theirs from the call flow). The complaint targets are copied from the
// policy now, planned as the call flow plans a call's (src/domain/sla/plan.ts),
// and frozen on the ticket: acknowledgement in 4 office hours, escalation at 48
// hours, resolution in 5 working days, the ADR notice at 8 weeks.
import { effectiveTier, londonDate } from '../domain/contracts.ts';
import { planTargets } from '../domain/sla/plan.ts';
import { DEFAULT_POLICY, targetsFor, type SlaPolicy } from '../domain/sla/policy.ts';
import { findAccountForPin } from '../store/accounts.ts';
import { NotFoundError } from '../store/errors.ts';
import { addTicketEvent } from '../store/ticket-lifecycle.ts';
import { insertTicket } from '../store/tickets.ts';
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
  const planned = planTargets(targetsFor(tier, null, 'complaint', policy), c.at, ctx);
  return deps.db.tx(async (tx) => {
    const created = (await insertTicket(
      tx,
      {
        accountId: account.id,
        callId: null,
        kind: 'complaint',
        tier,
        priority: null,
        channel: c.channel,
        route: null,
        summary,
        adHocAccepted: null,
        openedAt: c.at,
        targets: planned,
      },
      c.at,
    ))!; // null only for a call that already has its ticket; a complaint has no call
    await addTicketEvent(tx, created.id, c.at, actor, 'created', {
      kind: 'complaint',
      tier,
      channel: c.channel,
      policy: policy.id,
      targets: planned.map((t) => ({ name: t.name, calendar: t.calendar, minutes: t.minutes, dueAt: t.dueAt })),
    });
    return { ...created, targets: planned.map((t) => ({ name: t.name, dueAt: t.dueAt })) };
  });
}
