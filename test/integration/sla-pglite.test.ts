// The line runs on embedded PGlite when no DATABASE_URL is given (npm start): the
// watcher, the notifier, the lifecycle and the reports run the same there.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedChannel } from '../../src/notify/feed.ts';
import { openDb, type Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { slaReport, unaccountedCalls } from '../../src/store/reports.ts';
import { applyAction } from '../../src/tickets/service.ts';
import { recomputeOnCalendarChange } from '../../src/tickets/recompute.ts';
import { createNotifier } from '../../src/workers/notifier.ts';
import { createSlaWatcher } from '../../src/workers/sla-watcher.ts';
import { at, customer, openTicket } from '../support/tickets.ts';

const silent = pino({ level: 'silent' });
let db: Db;

beforeAll(async () => {
  db = await openDb({ dataDir: 'memory://' });
  await migrate(db);
});
afterAll(async () => {
  await db.close();
});

describe('on PGlite', () => {
  it('warns, breaches, notifies the feed, takes actions and reports', async () => {
    const routing = { dutyManagerPhone: '+447700900999', sms: false, webhook: false };
    const a = await customer(db, 'Cat4', 'Embedded Ltd');
    const t = await openTicket(db, { accountId: a.id, tier: 'Cat4', priority: 'critical', openedAt: at('2026-11-23T10:00:00Z') });
    const watcher = createSlaWatcher({ db, clock: () => at('2026-11-23T12:00:00Z'), notify: routing, logger: silent, intervalSeconds: 30 });
    expect(await watcher.tick(at('2026-11-23T11:30:00Z'))).toMatchObject({ warned: 1 });
    expect(await watcher.tick(at('2026-11-23T12:00:00Z'))).toMatchObject({ breached: 1 });

    const notifier = createNotifier({ db, clock: () => at('2026-11-23T12:00:00Z'), channels: [feedChannel(db, null, silent)], logger: silent, intervalSeconds: 30 });
    expect(await notifier.tick(at('2026-11-23T12:00:00Z'))).toEqual({ sent: 2, failed: 0 });

    const deps = { db, division: 'england-and-wales' as const, routing };
    await applyAction(deps, 'acknowledge', { reference: t.reference, actor: 'api', at: at('2026-11-23T12:30:00Z') });
    await applyAction(deps, 'wait', { reference: t.reference, actor: 'api', at: at('2026-11-23T12:40:00Z') });
    const resumed = await applyAction(deps, 'resume', { reference: t.reference, actor: 'api', at: at('2026-11-23T13:40:00Z') });
    expect(resumed.timers).toEqual([{ target: 'resolution', effect: 'resume', state: 'running', dueAt: '2026-11-23T15:00:00.000Z' }]);
    await recomputeOnCalendarChange(db, { actor: 'api', division: 'england-and-wales', at: at('2026-11-23T13:45:00Z') });

    const [row] = await slaReport(db, { from: at('2026-11-01T00:00:00Z'), to: at('2026-12-01T00:00:00Z') });
    expect(row).toMatchObject({ month: '2026-11', tickets: 1, met: 0, breached: 1, responseMedianMinutes: 150, serviceCredits: 1 });
    expect(await unaccountedCalls(db, { since: at('2026-11-23T00:00:00Z'), now: at('2026-11-23T20:00:00Z') })).toEqual([
      expect.objectContaining({ problem: 'never ended' }),
    ]);
  });
});
