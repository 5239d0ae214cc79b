// An operator closes the office from the command line (support-line closures add /
// remove): the closure, the recompute of open tickets' office-hours timers and the
// audit rows are one change, written once, the same way the console's API writes
// it. Against a fresh Postgres database.
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, useCliDatabase } from '../support/cli.ts';
import { at, customer, openTicket } from '../support/tickets.ts';

const fresh = useCliDatabase();

const responseDue = async (ticketId: string) =>
  (await fresh.db.query<{ due_at: Date }>(`select due_at from sla_timers where ticket_id = $1 and target = 'response'`, [ticketId]))[0]!.due_at;

const audits = (entity: string, entityId: string) =>
  fresh.db.query<{ actor: string; action: string; detail: Record<string, unknown> }>(
    'select actor, action, detail from audit_log where entity = $1 and entity_id = $2 order by id',
    [entity, entityId],
  );

describe('a Cat1 fault opened Monday 7 January 2030 at 09:00, its response due 17:00', () => {
  let ticket: { id: string; reference: string };
  let closureId: string;

  beforeAll(async () => {
    const a = await customer(fresh.db, 'Cat1', 'Stocktake Ltd');
    ticket = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat1', openedAt: at('2030-01-07T09:00:00Z') });
    expect(await responseDue(ticket.id)).toEqual(at('2030-01-07T17:00:00Z'));
  });

  it('closures add for the afternoon moves the response to 13:00 the next day, and audits the closure once', async () => {
    const r = await cli('closures', 'add', '--from', '2030-01-07T13:00:00Z', '--to', '2030-01-07T17:00:00Z', '--reason', 'stocktake');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { id: string; reason: string; recomputed: { tickets: number; timers: number } };
    closureId = out.id;
    expect(out).toMatchObject({ reason: 'stocktake', recomputed: { tickets: 1, timers: 1 } });
    expect(await responseDue(ticket.id)).toEqual(at('2030-01-08T13:00:00Z'));

    expect(await audits('closure', closureId)).toEqual([
      {
        actor: 'cli',
        action: 'closure.added',
        detail: { from: '2030-01-07T13:00:00.000Z', to: '2030-01-07T17:00:00.000Z', reason: 'stocktake' },
      },
    ]);
    expect(await audits('calendar', 'office')).toEqual([
      expect.objectContaining({ actor: 'cli', action: 'sla.recomputed', detail: expect.objectContaining({ closure: closureId, change: 'added', timersMoved: 1 }) }),
    ]);
    const [event] = await fresh.db.query<{ actor: string }>(`select actor from ticket_events where ticket_id = $1 and type = 'recomputed'`, [ticket.id]);
    expect(event).toEqual({ actor: 'cli' });
  });

  it('closures remove puts it back to 17:00, and the audit row says what was removed', async () => {
    const r = await cli('closures', 'remove', '--id', closureId);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ removed: closureId, recomputed: { tickets: 1, timers: 1 } });
    expect(await responseDue(ticket.id)).toEqual(at('2030-01-07T17:00:00Z'));
    expect((await audits('closure', closureId)).map((a) => a.action)).toEqual(['closure.added', 'closure.removed']);
    expect((await audits('closure', closureId))[1]).toEqual({
      actor: 'cli',
      action: 'closure.removed',
      detail: { from: '2030-01-07T13:00:00.000Z', to: '2030-01-07T17:00:00.000Z', reason: 'stocktake' },
    });
    expect(await audits('calendar', 'office')).toHaveLength(2);
  });

  it('refuses to remove a closure that does not exist, with exit code 2', async () => {
    const r = await cli('closures', 'remove', '--id', '999999');
    expect(r.code).toBe(2);
    expect(r.err).toBe('support-line closures: --id: no closure 999999\n');
  });
});

describe('a closure whose recompute fails', () => {
  it('is not added at all: the closure, the recompute and the audit are one transaction', async () => {
    const a = await customer(fresh.db, 'Cat1', 'Broken Ltd');
    const t = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat1', openedAt: at('2030-02-04T09:00:00Z') });
    // A damaged timer row (a pause ending before it starts): recomputing it throws.
    const broken = JSON.stringify([{ from: '2030-02-04T11:00:00.000Z', to: '2030-02-04T10:00:00.000Z' }]);
    await fresh.db.query(`update sla_timers set pauses = $2::jsonb where ticket_id = $1`, [t.id, broken]);
    try {
      const r = await cli('closures', 'add', '--from', '2030-02-04T13:00:00Z', '--to', '2030-02-04T17:00:00Z', '--reason', 'half-written');
      expect(r.code).toBe(2);
      expect(await fresh.db.query(`select 1 from closures where reason = 'half-written'`)).toEqual([]);
      expect(await fresh.db.query(`select 1 from audit_log where action = 'closure.added' and detail->>'reason' = 'half-written'`)).toEqual([]);
    } finally {
      await fresh.db.query(`update sla_timers set pauses = '[]'::jsonb where ticket_id = $1`, [t.id]);
    }
  });
});
