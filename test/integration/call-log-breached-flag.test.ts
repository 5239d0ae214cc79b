// The call's sla_breached flag (migration 150) through a ticket's life: set by the
// watcher's breach and by a late acceptance, kept while a breached ticket waits on the
// customer and resumes, never set by a pause that stops the clock in time; and at every
// moment the "SLA breached" filter lists exactly the calls the per-row SLA test finds.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { callLogPage, slaStateLateral } from '../../src/store/call-log.ts';
import { applyAction, type TicketDeps } from '../../src/tickets/service.ts';
import { createSlaWatcher } from '../../src/workers/sla-watcher.ts';
import { useFreshDatabase } from '../support/db.ts';
import { at, customer, openTicket } from '../support/tickets.ts';

const fresh = useFreshDatabase();

const deps = (): TicketDeps => ({ db: fresh.db, division: 'england-and-wales', routing: { dutyManagerPhone: null, sms: false, webhook: false } });

const flagOf = async (ticketId: string) =>
  (await fresh.db.query<{ sla_breached: boolean }>('select c.sla_breached from calls c join tickets t on t.call_id = c.id where t.id = $1', [ticketId]))[0]!.sla_breached;

const callOf = async (ticketId: string) => (await fresh.db.query<{ call_id: string }>('select call_id from tickets where id = $1', [ticketId]))[0]!.call_id;

/** What the filter lists at `now`, every page. */
async function filtered(now: Date): Promise<string[]> {
  return (await callLogPage(fresh.db, { sla: 'breached' }, { limit: 500, now })).rows.map((r) => r.id);
}

/** The calls whose ticket's worst timer is breached at `now`, worked out row by row (what the filter did before the flag). */
async function exact(now: Date): Promise<string[]> {
  const rows = await fresh.db.query<{ id: string }>(
    `select c.id from calls c left join tickets t on t.call_id = c.id ${slaStateLateral('t', '$1', 's')}
      where s.sla = 'breached' order by c.started_at desc, c.id desc`,
    [now],
  );
  return rows.map((r) => r.id);
}

describe('Cat4 critical faults on Tuesday 24 November (response 2 h, round the clock)', () => {
  it('the flag follows breaches through waits and resumes, and the filter agrees with the per-row test', async () => {
    const acme = await customer(fresh.db, 'Cat4', 'Acme Ltd');
    const open = (iso: string) => openTicket(fresh.db, { accountId: acme.id, tier: 'Cat4', priority: 'critical', openedAt: at(iso) });
    const act = (action: Parameters<typeof applyAction>[1], reference: string, iso: string) => applyAction(deps(), action, { reference, actor: 'cli', at: at(iso) });
    const watcher = createSlaWatcher({
      db: fresh.db,
      clock: () => {
        throw new Error('the test says the time through tick(now)');
      },
      notify: { dutyManagerPhone: null, sms: false, webhook: false },
      logger: pino({ level: 'silent' }),
      intervalSeconds: 30,
    });
    const agree = async (iso: string) => {
      const now = at(iso);
      const listed = await filtered(now);
      expect(listed, iso).toEqual(await exact(now));
      return listed;
    };

    // paused: waits on the customer at 11:00 with an hour of its response left.
    const paused = await open('2026-11-24T10:00:00Z');
    // breached: the watcher records its breach at 12:01, then it waits and resumes.
    const breached = await open('2026-11-24T10:00:00Z');
    // late: acknowledged at 12:30, after its 12:05 response time, before the watcher got to it.
    const late = await open('2026-11-24T10:05:00Z');
    const [pausedCall, breachedCall, lateCall] = await Promise.all([paused, breached, late].map((t) => callOf(t.id)));

    await act('wait', paused.reference, '2026-11-24T11:00:00Z');
    await watcher.tick(at('2026-11-24T12:01:00Z'));
    expect([await flagOf(paused.id), await flagOf(breached.id), await flagOf(late.id)]).toEqual([false, true, false]);
    expect(await agree('2026-11-24T12:02:00Z')).toEqual([breachedCall]);
    // Overdue and not yet recorded: listed all the same, though not flagged.
    expect(await agree('2026-11-24T12:06:00Z')).toEqual([lateCall, breachedCall]);

    // A breached ticket that waits keeps its breach (the pause stops only the clocks still running).
    await act('wait', breached.reference, '2026-11-24T12:30:00Z');
    await act('acknowledge', late.reference, '2026-11-24T12:30:00Z');
    expect([await flagOf(breached.id), await flagOf(late.id)]).toEqual([true, true]);
    await agree('2026-11-24T12:31:00Z');

    await act('resume', breached.reference, '2026-11-24T13:00:00Z');
    expect(await flagOf(breached.id)).toBe(true);
    await watcher.tick(at('2026-11-24T13:01:00Z'));

    // Paused from 11:00 to 13:30: its response is now due at 14:30, and not breached before.
    await act('resume', paused.reference, '2026-11-24T13:30:00Z');
    await watcher.tick(at('2026-11-24T14:00:00Z'));
    expect(await flagOf(paused.id)).toBe(false);
    expect(await agree('2026-11-24T14:00:00Z')).not.toContain(pausedCall);

    await watcher.tick(at('2026-11-24T14:31:00Z'));
    expect(await flagOf(paused.id)).toBe(true);
    const listed = await agree('2026-11-24T14:31:00Z');
    expect(listed).toEqual(expect.arrayContaining([pausedCall, breachedCall, lateCall]));
  });
});
