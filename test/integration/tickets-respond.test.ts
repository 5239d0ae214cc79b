// An engineer accepts the call about a ticket: the call flow's markResponded, as
// the line runs it (pgCallRecords), against a fresh Postgres database. Accepting
// goes through the ticket service, so a late acceptance records its breach exactly
// as an acknowledgement from the console would, and the watcher never doubles it.
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { pgCallRecords } from '../../src/calls/pg-records.ts';
import type { AlertRouting } from '../../src/notify/outbox.ts';
import type { Db } from '../../src/store/db.ts';
import { addEngineer } from '../../src/store/engineers.ts';
import { addShift } from '../../src/store/rota.ts';
import { applyAction, respond } from '../../src/tickets/service.ts';
import { createSlaWatcher } from '../../src/workers/sla-watcher.ts';
import { useFreshDatabase } from '../support/db.ts';
import { at, customer, openTicket } from '../support/tickets.ts';

const fresh = useFreshDatabase();
const DUTY_MANAGER = '+447700900999';
const ON_CALL = '+447700900123';
const routing: AlertRouting = { dutyManagerPhone: DUTY_MANAGER, sms: true, webhook: false };
const line = () => pgCallRecords(fresh.db, { division: 'england-and-wales', routing });
const deps = () => ({ db: fresh.db, division: 'england-and-wales' as const, routing });

const watcher = () =>
  createSlaWatcher({
    db: fresh.db,
    clock: () => {
      throw new Error('the tests say the time through tick(now)');
    },
    notify: routing,
    logger: pino({ level: 'silent' }),
    intervalSeconds: 30,
  });

async function responseTimer(db: Db, ticketId: string) {
  const [row] = await db.query<Record<string, unknown>>(
    `select state, due_at, breached_at, met_at, paused_at, service_credit, next_fire_at
       from sla_timers where ticket_id = $1 and target = 'response'`,
    [ticketId],
  );
  return row!;
}

const ticketRow = async (id: string) =>
  (await fresh.db.query<Record<string, unknown>>('select status, responded_at, responded_by from tickets where id = $1', [id]))[0]!;
const events = (id: string, type: string) =>
  fresh.db.query<{ actor: string; detail: Record<string, unknown> }>('select actor, detail from ticket_events where ticket_id = $1 and type = $2 order by id', [id, type]);
const notifications = (id: string) =>
  fresh.db.query<{ kind: string; channel: string; recipient: string }>(
    'select kind, channel, recipient from notifications where ticket_id = $1 order by channel, recipient',
    [id],
  );

let engineer: { id: string };

beforeAll(async () => {
  engineer = await addEngineer(fresh.db, { name: 'Night Engineer', phone: ON_CALL, dialTarget: null, email: null });
  await addShift(fresh.db, { engineerId: engineer.id, level: 'primary', from: at('2026-01-01T00:00:00Z'), to: at('2027-12-31T00:00:00Z') });
});

describe('a Cat4 critical fault opened at 03:00, its response due at 05:00', () => {
  let ticket: { id: string; reference: string };

  beforeAll(async () => {
    const a = await customer(fresh.db, 'Cat4', 'Small Hours Ltd');
    ticket = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat4', priority: 'critical', openedAt: at('2026-11-24T03:00:00Z') });
    expect(await responseTimer(fresh.db, ticket.id)).toMatchObject({ state: 'running', due_at: at('2026-11-24T05:00:00Z') });
  });

  it('the engineer accepts at 05:00:05: the response is breached, with the service credit Cat4 earns', async () => {
    await line().markResponded(ticket.id, { engineerId: engineer.id }, at('2026-11-24T05:00:05Z'));
    expect(await responseTimer(fresh.db, ticket.id)).toEqual({
      state: 'breached',
      due_at: at('2026-11-24T05:00:00Z'),
      breached_at: at('2026-11-24T05:00:00Z'),
      met_at: at('2026-11-24T05:00:05Z'),
      paused_at: null,
      service_credit: true,
      next_fire_at: null,
    });
    expect(await ticketRow(ticket.id)).toEqual({ status: 'acknowledged', responded_at: at('2026-11-24T05:00:05Z'), responded_by: engineer.id });
  });

  it('writes one sla_breach event and queues the breach for the duty manager, the engineer on call and the feed', async () => {
    expect(await events(ticket.id, 'sla_breach')).toEqual([
      { actor: 'worker:sla', detail: { target: 'response', dueAt: '2026-11-24T05:00:00.000Z', serviceCredit: true } },
    ]);
    expect(await events(ticket.id, 'responded')).toEqual([
      expect.objectContaining({ actor: `engineer:${engineer.id}`, detail: expect.objectContaining({ engineerId: engineer.id, from: 'new', to: 'acknowledged' }) }),
    ]);
    expect(await notifications(ticket.id)).toEqual([
      { kind: 'breach', channel: 'feed', recipient: 'console' },
      { kind: 'breach', channel: 'sms', recipient: ON_CALL },
      { kind: 'breach', channel: 'sms', recipient: DUTY_MANAGER },
    ]);
  });

  it('the watcher looking at 05:00:30 does not record it again', async () => {
    expect(await watcher().tick(at('2026-11-24T05:00:30Z'))).toMatchObject({ breached: 0, warned: 0 });
    expect(await events(ticket.id, 'sla_breach')).toHaveLength(1);
    expect(await notifications(ticket.id)).toHaveLength(3);
  });

  it('a second acceptance changes nothing', async () => {
    expect(await respond(deps(), { ticketId: ticket.id, engineerId: engineer.id, at: at('2026-11-24T05:03:00Z') })).toBe(false);
    expect(await ticketRow(ticket.id)).toEqual({ status: 'acknowledged', responded_at: at('2026-11-24T05:00:05Z'), responded_by: engineer.id });
    expect(await responseTimer(fresh.db, ticket.id)).toMatchObject({ met_at: at('2026-11-24T05:00:05Z') });
    expect(await events(ticket.id, 'responded')).toHaveLength(1);
    expect(await events(ticket.id, 'sla_breach')).toHaveLength(1);
  });
});

describe('a Cat1 fault waiting on the customer when the engineer takes the call', () => {
  it('meets the paused response timer and closes its pause', async () => {
    const a = await customer(fresh.db, 'Cat1', 'Waiting Ltd');
    // Monday 23 November 09:00: due 17:00 the same day.
    const t = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat1', openedAt: at('2026-11-23T09:00:00Z') });
    await applyAction(deps(), 'wait', { reference: t.reference, actor: 'user:1', at: at('2026-11-23T10:00:00Z') });
    expect(await responseTimer(fresh.db, t.id)).toMatchObject({ state: 'paused' });

    expect(await respond(deps(), { ticketId: t.id, engineerId: engineer.id, at: at('2026-11-23T11:00:00Z') })).toBe(true);
    expect(await responseTimer(fresh.db, t.id)).toMatchObject({ state: 'met', met_at: at('2026-11-23T11:00:00Z'), paused_at: null, next_fire_at: null });
    const [timer] = await fresh.db.query<{ pauses: unknown }>(`select pauses from sla_timers where ticket_id = $1 and target = 'response'`, [t.id]);
    expect(timer!.pauses).toEqual([{ from: '2026-11-23T10:00:00.000Z', to: '2026-11-23T11:00:00.000Z' }]);
    // Still waiting on the customer: only a new ticket becomes acknowledged.
    expect(await ticketRow(t.id)).toEqual({ status: 'waiting_on_customer', responded_at: at('2026-11-23T11:00:00Z'), responded_by: engineer.id });
    expect(await notifications(t.id)).toEqual([]);
    // Resuming returns it to acknowledged, not to new: it has been answered.
    expect(await applyAction(deps(), 'resume', { reference: t.reference, actor: 'user:1', at: at('2026-11-23T12:00:00Z') })).toMatchObject({ status: 'acknowledged' });
  });
});
