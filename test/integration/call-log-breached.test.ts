// The call log's "SLA breached" filter reads a flag on the call (migration 150), kept by
// Postgres whenever a timer is breached, plus the few calls overdue that the watcher
// has not reached yet: the same calls the exact per-row test finds.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { callLogPage } from '../../src/store/call-log.ts';
import { createSlaWatcher } from '../../src/workers/sla-watcher.ts';
import { useFreshDatabase } from '../support/db.ts';
import { at, customer, openTicket } from '../support/tickets.ts';

const fresh = useFreshDatabase();

const breachedIds = async (now: Date) =>
  (await callLogPage(fresh.db, { sla: 'breached' }, { limit: 50, now })).rows.map((r) => [r.id, r.sla]);
const flagOf = async (ticketId: string) =>
  (await fresh.db.query<{ sla_breached: boolean }>('select c.sla_breached from calls c join tickets t on t.call_id = c.id where t.id = $1', [ticketId]))[0]!.sla_breached;
const callOf = async (ticketId: string) => (await fresh.db.query<{ call_id: string }>('select call_id from tickets where id = $1', [ticketId]))[0]!.call_id;

describe('a Cat4 critical fault at 10:00 (response due 12:00) and one at 11:00', () => {
  it('is listed as breached once overdue, before and after the watcher records it, and the flag follows the timer', async () => {
    const acme = await customer(fresh.db, 'Cat4', 'Acme Ltd');
    const early = await openTicket(fresh.db, { accountId: acme.id, tier: 'Cat4', priority: 'critical', openedAt: at('2026-11-23T10:00:00Z') });
    const later = await openTicket(fresh.db, { accountId: acme.id, tier: 'Cat4', priority: 'critical', openedAt: at('2026-11-23T11:00:00Z') });
    const [earlyCall, laterCall] = [await callOf(early.id), await callOf(later.id)];

    expect(await breachedIds(at('2026-11-23T11:59:00Z'))).toEqual([]);
    // Overdue, the watcher not there yet: found through the running timer.
    expect(await breachedIds(at('2026-11-23T12:00:30Z'))).toEqual([[earlyCall, 'breached']]);
    expect(await flagOf(early.id)).toBe(false);

    const watcher = createSlaWatcher({
      db: fresh.db,
      clock: () => {
        throw new Error('the test says the time through tick(now)');
      },
      notify: { dutyManagerPhone: null, sms: false, webhook: false },
      logger: pino({ level: 'silent' }),
      intervalSeconds: 30,
    });
    await watcher.tick(at('2026-11-23T13:01:00Z'));
    expect([await flagOf(early.id), await flagOf(later.id)]).toEqual([true, true]);
    expect(await breachedIds(at('2026-11-23T13:01:00Z'))).toEqual([[laterCall, 'breached'], [earlyCall, 'breached']]);

    // A recompute that takes the breach back (say a closure added on purpose) clears the flag.
    await fresh.db.query(`update sla_timers set state = 'running', breached_at = null where ticket_id = $1 and state = 'breached'`, [later.id]);
    expect(await flagOf(later.id)).toBe(false);
    expect(await breachedIds(at('2026-11-23T11:30:00Z'))).toEqual([[earlyCall, 'breached']]);
  });
});
