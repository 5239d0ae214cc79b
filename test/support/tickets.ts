// Tickets for the SLA tests, opened the way a call opens them: a call row, then
// the ticket with the targets the policy gives its tier, computed at opening.
import { randomUUID } from 'node:crypto';
import type { CalendarContext } from '../../src/domain/calendar/calendar.ts';
import type { Priority, Tier } from '../../src/domain/contracts.ts';
import type { PlannedTarget, TicketKind } from '../../src/domain/flow/types.ts';
import { dueAt, warnAt } from '../../src/domain/sla/clock.ts';
import { targetsFor, type TargetSpec } from '../../src/domain/sla/policy.ts';
import { addAccount } from '../../src/store/accounts.ts';
import { openCall } from '../../src/store/calls.ts';
import type { Db } from '../../src/store/db.ts';
import { createTicket } from '../../src/store/tickets.ts';

export const ENGLAND: CalendarContext = { division: 'england-and-wales', closures: [] };

let accounts = 0;

/** A customer on `tier` with an open-ended contract. */
export async function customer(db: Db, tier: Tier, name = `Customer ${tier}`): Promise<{ id: string; number: string; name: string }> {
  accounts += 1;
  const number = String(70000 + accounts);
  const a = await addAccount(db, {
    number,
    name,
    tier,
    pin: '4821',
    phones: [],
    startsOn: '2020-01-01',
    endsOn: null,
    status: 'active',
  });
  return { id: a.id, number: a.number, name: a.name };
}

export interface OpenTicket {
  accountId: string | null;
  tier: Tier;
  kind?: TicketKind;
  priority?: Priority | null;
  openedAt: Date;
  /** Instead of the policy's targets (a ticket frozen under an older policy). */
  targets?: TargetSpec[];
  ctx?: CalendarContext;
}

/** Opens a ticket as the call flow does; returns its id and reference. */
export async function openTicket(db: Db, t: OpenTicket): Promise<{ id: string; reference: string }> {
  const kind = t.kind ?? 'fault';
  const ctx = t.ctx ?? ENGLAND;
  const specs = t.targets ?? targetsFor(t.tier, t.priority ?? 'standard', kind);
  const targets: PlannedTarget[] = specs.map((s) =>
    s.startsOn === 'opened'
      ? {
          name: s.name,
          calendar: s.calendar,
          minutes: s.minutes,
          startsAt: t.openedAt.toISOString(),
          dueAt: dueAt(s.calendar, t.openedAt, s.minutes, ctx).toISOString(),
          warnAt: warnAt(s.calendar, t.openedAt, s.minutes, ctx).toISOString(),
        }
      : { name: s.name, calendar: s.calendar, minutes: s.minutes, startsAt: null, dueAt: null, warnAt: null },
  );
  const callId = randomUUID();
  await openCall(db, { id: callId, carrier: 'cli', carrierCallId: callId, from: '+441632960111', to: '+441632960000', startedAt: t.openedAt });
  return createTicket(
    db,
    {
      callId,
      accountId: t.accountId,
      kind,
      tier: t.tier,
      priority: kind === 'fault' ? (t.priority ?? 'standard') : null,
      route: 'oncall',
      openedAt: t.openedAt.toISOString(),
      adHocAccepted: null,
      targets,
      summary: `test ${kind}`,
    },
    t.openedAt,
  );
}

export const at = (iso: string): Date => new Date(iso);
