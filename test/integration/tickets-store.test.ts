// Tickets as the store writes and reads them, against a fresh Postgres database:
// a complaint holds exactly the promise the domain planned, and a ticket read whole
// shows its timers as every other reader does (pauses included).
import { describe, expect, it } from 'vitest';
import { planTargets } from '../../src/domain/sla/plan.ts';
import { targetsFor } from '../../src/domain/sla/policy.ts';
import type { AlertRouting } from '../../src/notify/outbox.ts';
import { addClosure } from '../../src/store/closures.ts';
import { ticketTimers } from '../../src/store/sla-timers.ts';
import { getTicket } from '../../src/store/tickets.ts';
import { raiseComplaint } from '../../src/tickets/complaints.ts';
import { applyAction } from '../../src/tickets/service.ts';
import { useFreshDatabase } from '../support/db.ts';
import { at, customer, ENGLAND, openTicket } from '../support/tickets.ts';

const fresh = useFreshDatabase();
const routing: AlertRouting = { dutyManagerPhone: null, sms: false, webhook: false };
const deps = () => ({ db: fresh.db, division: 'england-and-wales' as const, routing });

describe('a complaint raised from the console on Friday 4 December 2026 at 16:00', () => {
  it('holds the targets the domain plans, on the calendar with the closures announced', async () => {
    const a = await customer(fresh.db, 'Cat1', 'Planned Ltd');
    const training = { from: at('2026-12-07T09:00:00Z'), to: at('2026-12-07T13:00:00Z'), reason: 'training' };
    await addClosure(fresh.db, { ...training, createdBy: 'user:1' });
    const raisedAt = at('2026-12-04T16:00:00Z');

    const raised = await raiseComplaint(deps(), { accountNumber: a.number, summary: 'Slow reply', actor: 'user:5', channel: 'console', at: raisedAt });

    const planned = planTargets(targetsFor('Cat1', null, 'complaint'), raisedAt, { ...ENGLAND, closures: [training] });
    expect(raised.targets).toEqual(planned.map((t) => ({ name: t.name, dueAt: t.dueAt })));
    const stored = await ticketTimers(fresh.db, raised.id);
    expect(stored.map((t) => ({ name: t.target, calendar: t.calendar, minutes: t.minutes, startsAt: t.startsAt?.toISOString() ?? null, dueAt: t.dueAt?.toISOString() ?? null, warnAt: t.warnAt?.toISOString() ?? null }))).toEqual(planned);
    expect(stored.map((t) => [t.state, t.nextFireAt?.toISOString()])).toEqual(planned.map((t) => ['running', t.warnAt]));
    // The acknowledgement runs Friday 16–17 and Monday from 13:00, after the training.
    expect(raised.targets[0]).toEqual({ name: 'complaint_ack', dueAt: '2026-12-07T16:00:00.000Z' });

    const ticket = await getTicket(fresh.db, { id: raised.id });
    expect(ticket).toMatchObject({ kind: 'complaint', channel: 'console', callId: null, route: null, openedAt: raisedAt, createdAt: raisedAt });
    expect(ticket!.events).toEqual([
      expect.objectContaining({ type: 'created', actor: 'user:5', detail: expect.objectContaining({ policy: 'default-2026-2', channel: 'console' }) }),
    ]);
  });
});

describe('a ticket read whole', () => {
  it('shows its timers with their frozen minutes and their pauses', async () => {
    const a = await customer(fresh.db, 'Cat1', 'Paused Ltd');
    const t = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat1', openedAt: at('2026-12-08T09:00:00Z') });
    await applyAction(deps(), 'wait', { reference: t.reference, actor: 'user:2', at: at('2026-12-08T10:00:00Z') });
    await applyAction(deps(), 'resume', { reference: t.reference, actor: 'user:2', at: at('2026-12-08T11:00:00Z') });

    const ticket = await getTicket(fresh.db, { reference: t.reference });
    expect(ticket!.timers).toEqual(await ticketTimers(fresh.db, t.id));
    expect(ticket!.timers[0]).toMatchObject({
      target: 'response',
      minutes: 480,
      state: 'running',
      pauses: [{ from: at('2026-12-08T10:00:00Z'), to: at('2026-12-08T11:00:00Z') }],
      dueAt: at('2026-12-09T10:00:00Z'),
    });
  });
});
