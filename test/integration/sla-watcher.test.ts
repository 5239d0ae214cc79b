// The SLA watcher against a real Postgres database, with a controlled clock: each
// test says what time it is by the instant it passes to tick().
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addEngineer } from '../../src/store/engineers.ts';
import { openDb, type Db } from '../../src/store/db.ts';
import { addShift } from '../../src/store/rota.ts';
import { createSlaWatcher, type SlaWatcherOptions } from '../../src/workers/sla-watcher.ts';
import { raiseComplaint } from '../../src/tickets/complaints.ts';
import { recordAdrNotice } from '../../src/tickets/service.ts';
import type { AlertRouting } from '../../src/notify/outbox.ts';
import { useFreshDatabase } from '../support/db.ts';
import { at, customer, openTicket } from '../support/tickets.ts';

const fresh = useFreshDatabase();
const silent = pino({ level: 'silent' });
const DUTY_MANAGER = '+447700900999';
const ON_CALL = '+447700900123';
const routing: AlertRouting = { dutyManagerPhone: DUTY_MANAGER, sms: true, webhook: true };

function watcher(db: Db, extra: Partial<SlaWatcherOptions> = {}) {
  return createSlaWatcher({
    db,
    clock: () => {
      throw new Error('the tests say the time through tick(now)');
    },
    notify: routing,
    logger: silent,
    intervalSeconds: 30,
    ...extra,
  });
}

async function timer(db: Db, ticketId: string, target: string) {
  const [row] = await db.query<Record<string, unknown>>('select * from sla_timers where ticket_id = $1 and target = $2', [ticketId, target]);
  return row!;
}

async function events(db: Db, ticketId: string, type?: string) {
  return db.query<{ type: string; actor: string; detail: Record<string, unknown> }>(
    `select type, actor, detail from ticket_events where ticket_id = $1 and ($2::text is null or type = $2) order by id`,
    [ticketId, type ?? null],
  );
}

beforeAll(async () => {
  // Sam is on call all month: the engineer the alerts go to.
  const sam = await addEngineer(fresh.db, { name: 'Sam Engineer', phone: ON_CALL, dialTarget: null, email: null });
  await addShift(fresh.db, { engineerId: sam.id, level: 'primary', from: at('2026-01-01T00:00:00Z'), to: at('2027-12-31T00:00:00Z') });
});

describe('a Cat4 critical fault opened Monday 23 November at 10:00 (response 2 h, resolution 4 h)', () => {
  let ticket: { id: string; reference: string };
  const w = () => watcher(fresh.db);

  beforeAll(async () => {
    const acme = await customer(fresh.db, 'Cat4', 'Acme Ltd');
    ticket = await openTicket(fresh.db, { accountId: acme.id, tier: 'Cat4', priority: 'critical', openedAt: at('2026-11-23T10:00:00Z') });
  });

  it('is quiet a second before 11:30, and warns of the response at 11:30 exactly', async () => {
    expect(await w().tick(at('2026-11-23T11:29:59Z'))).toMatchObject({ warned: 0, breached: 0 });
    expect(await w().tick(at('2026-11-23T11:30:00Z'))).toMatchObject({ warned: 1, breached: 0 });
    expect(await timer(fresh.db, ticket.id, 'response')).toMatchObject({
      state: 'running',
      warned_at: at('2026-11-23T11:30:00Z'),
      next_fire_at: at('2026-11-23T12:00:00Z'),
    });
  });

  it('tells the duty manager and the engineer on call, by SMS, webhook and the console feed', async () => {
    const rows = await fresh.db.query<{ channel: string; recipient: string; kind: string; state: string }>(
      `select channel, recipient, kind, state from notifications where ticket_id = $1 order by channel, recipient`,
      [ticket.id],
    );
    expect(rows).toEqual([
      { channel: 'feed', recipient: 'console', kind: 'warning', state: 'pending' },
      { channel: 'sms', recipient: ON_CALL, kind: 'warning', state: 'pending' },
      { channel: 'sms', recipient: DUTY_MANAGER, kind: 'warning', state: 'pending' },
      { channel: 'webhook', recipient: 'webhook', kind: 'warning', state: 'pending' },
    ]);
  });

  it('records the response breach at 12:00 exactly, with the service credit the Cat4 contract earns', async () => {
    expect(await w().tick(at('2026-11-23T11:59:59Z'))).toMatchObject({ warned: 0, breached: 0 });
    expect(await w().tick(at('2026-11-23T12:00:00Z'))).toMatchObject({ warned: 0, breached: 1 });
    expect(await timer(fresh.db, ticket.id, 'response')).toMatchObject({
      state: 'breached',
      breached_at: at('2026-11-23T12:00:00Z'),
      service_credit: true,
      next_fire_at: null,
    });
    const [breach] = await events(fresh.db, ticket.id, 'sla_breach');
    expect(breach).toMatchObject({ actor: 'worker:sla', detail: { target: 'response', serviceCredit: true } });
  });

  it('never records it twice, however often it looks', async () => {
    for (const t of ['2026-11-23T12:00:00Z', '2026-11-23T12:00:30Z', '2026-11-23T12:05:00Z']) {
      expect(await w().tick(at(t))).toMatchObject({ warned: 0, breached: 0 });
    }
    expect(await events(fresh.db, ticket.id, 'sla_breach')).toHaveLength(1);
  });

  it('warns of the resolution at 13:00 and breaches it at 14:00', async () => {
    expect(await w().tick(at('2026-11-23T13:00:00Z'))).toMatchObject({ warned: 1 });
    expect(await w().tick(at('2026-11-23T14:00:00Z'))).toMatchObject({ breached: 1 });
    expect((await events(fresh.db, ticket.id)).map((e) => `${e.type} ${String(e.detail['target'] ?? '')}`.trim())).toEqual([
      'created',
      'sla_warning response',
      'sla_breach response',
      'sla_warning resolution',
      'sla_breach resolution',
    ]);
  });
});

describe('restarting between the warning and the breach', () => {
  it('a new watcher instance finds the timer where the last one left it: no second warning, one breach', async () => {
    const a = await customer(fresh.db, 'Cat1');
    // Cat1, opened Friday 20 November 15:00: warn Monday 13:00, due Monday 15:00.
    const ticket = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat1', openedAt: at('2026-11-20T15:00:00Z') });
    const first = watcher(fresh.db);
    expect(await first.tick(at('2026-11-23T13:00:00Z'))).toMatchObject({ warned: 1 });
    await first.stop();

    // The process restarts; the watcher was away until 15:07.
    const second = watcher(fresh.db);
    expect(await second.tick(at('2026-11-23T15:07:00Z'))).toMatchObject({ warned: 0, breached: 1 });
    expect(await timer(fresh.db, ticket.id, 'response')).toMatchObject({ breached_at: at('2026-11-23T15:00:00Z') });
    expect((await events(fresh.db, ticket.id)).map((e) => e.type)).toEqual(['created', 'sla_warning', 'sla_breach']);
  });

  it('a watcher away past the due time records the breach alone (no stale warning)', async () => {
    const a = await customer(fresh.db, 'Cat2');
    const ticket = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat2', openedAt: at('2026-11-24T08:00:00Z') });
    expect(await watcher(fresh.db).tick(at('2026-11-24T13:00:00Z'))).toMatchObject({ warned: 0, breached: 1 });
    expect((await events(fresh.db, ticket.id)).map((e) => e.type)).toEqual(['created', 'sla_breach']);
  });
});

describe('two watchers on the same database, ticking at the same instants', () => {
  let other: Db;
  beforeAll(async () => {
    other = await openDb({ url: fresh.url, maxConnections: 4 });
  });
  afterAll(async () => {
    await other.close();
  });

  it('fire each warning and each breach exactly once', async () => {
    const a = await customer(fresh.db, 'Cat4', 'Busy Ltd');
    const opened = at('2026-12-01T00:00:00Z');
    const tickets: { id: string }[] = [];
    // 24 Cat4 critical faults a minute apart: 48 timers, 96 firings.
    for (let i = 0; i < 24; i++) {
      tickets.push(await openTicket(fresh.db, { accountId: a.id, tier: 'Cat4', priority: 'critical', openedAt: new Date(opened.getTime() + i * 60_000) }));
    }
    const one = watcher(fresh.db, { batchSize: 3 });
    const two = watcher(other, { batchSize: 3 });
    let warned = 0;
    let breached = 0;
    // Every 5 minutes for 5 hours, both at once.
    for (let m = 0; m <= 300; m += 5) {
      const now = new Date(opened.getTime() + m * 60_000);
      const results = await Promise.all([one.tick(now), two.tick(now), one.tick(now), two.tick(now)]);
      for (const r of results) {
        warned += r.warned;
        breached += r.breached;
      }
    }
    expect({ warned, breached }).toEqual({ warned: 48, breached: 48 });
    const ids = tickets.map((t) => t.id);
    const counts = await fresh.db.query<{ type: string; n: string }>(
      `select type || ' ' || (detail->>'target') as type, count(*) as n from ticket_events
        where ticket_id = any($1::bigint[]) and type like 'sla_%' group by 1 order by 1`,
      [ids],
    );
    expect(counts).toEqual([
      { type: 'sla_breach resolution', n: '24' },
      { type: 'sla_breach response', n: '24' },
      { type: 'sla_warning resolution', n: '24' },
      { type: 'sla_warning response', n: '24' },
    ]);
    // One set of notifications per firing: feed, webhook, two SMS.
    const [queued] = await fresh.db.query<{ n: string; events: string }>(
      'select count(*) as n, count(distinct event_key) as events from notifications where ticket_id = any($1::bigint[])',
      [ids],
    );
    expect(queued).toEqual({ n: String(96 * 4), events: '96' });
  });

  it('still fire exactly once over many racing rounds', async () => {
    const a = await customer(fresh.db, 'Cat4', 'Racing Ltd');
    const opened = at('2026-12-10T00:00:00Z');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push((await openTicket(fresh.db, { accountId: a.id, tier: 'Cat4', priority: 'critical', openedAt: opened })).id);
    }
    // All 20 timers warn at 01:30 / 03:00 and breach at 02:00 / 04:00: 30 rounds of racing at each.
    for (const t of ['2026-12-10T01:30:00Z', '2026-12-10T02:00:00Z', '2026-12-10T03:00:00Z', '2026-12-10T04:00:00Z']) {
      for (let round = 0; round < 30; round++) {
        const w1 = watcher(fresh.db, { batchSize: 2 });
        const w2 = watcher(other, { batchSize: 2 });
        await Promise.all([w1.tick(at(t)), w2.tick(at(t))]);
      }
    }
    const [fired] = await fresh.db.query<{ warnings: string; breaches: string }>(
      `select count(*) filter (where type = 'sla_warning') as warnings, count(*) filter (where type = 'sla_breach') as breaches
         from ticket_events where ticket_id = any($1::bigint[])`,
      [ids],
    );
    expect(fired).toEqual({ warnings: '20', breaches: '20' });
  });
});

describe('complaints', () => {
  it('escalates an unresolved complaint to the duty manager at 48 hours, not to the engineer on call', async () => {
    const a = await customer(fresh.db, 'Cat1', 'Grumble & Co');
    const raised = await raiseComplaint(
      { db: fresh.db, division: 'england-and-wales', routing },
      { accountNumber: a.number, summary: 'Engineer never called back', actor: 'user:1', channel: 'console', at: at('2027-03-01T10:00:00Z') },
    );
    const w = watcher(fresh.db);
    await w.tick(at('2027-03-03T10:00:00Z'));
    const escalation = await fresh.db.query<{ channel: string; recipient: string }>(
      `select channel, recipient from notifications where ticket_id = $1 and kind = 'escalation' order by channel`,
      [raised.id],
    );
    expect(escalation).toEqual([
      { channel: 'feed', recipient: 'console' },
      { channel: 'sms', recipient: DUTY_MANAGER },
      { channel: 'webhook', recipient: 'webhook' },
    ]);
    expect(await timer(fresh.db, raised.id, 'complaint_escalation')).toMatchObject({ state: 'breached', service_credit: false });
  });

  it('at 8 weeks opens a task to tell the customer of their right to ADR, recorded when done', async () => {
    const a = await customer(fresh.db, 'None', 'No Contract Ltd');
    const deps = { db: fresh.db, division: 'england-and-wales' as const, routing };
    const raised = await raiseComplaint(deps, {
      accountNumber: a.number, summary: 'Billing dispute', actor: 'api', channel: 'api', at: at('2027-01-04T09:00:00Z'),
    });
    await watcher(fresh.db).tick(at('2027-03-01T08:59:59Z'));
    expect(await fresh.db.query('select * from ticket_tasks where ticket_id = $1', [raised.id])).toEqual([]);

    await watcher(fresh.db).tick(at('2027-03-01T09:00:00Z'));
    const [task] = await fresh.db.query<{ kind: string; done_at: Date | null; title: string }>(
      'select kind, title, done_at from ticket_tasks where ticket_id = $1',
      [raised.id],
    );
    expect(task).toMatchObject({ kind: 'adr_notice', done_at: null });
    expect(task?.title).toMatch(/alternative dispute resolution/);
    // Not only a task: without a mobile on the account, the letter's words wait on the ticket.
    const [letter] = await events(fresh.db, raised.id, 'adr_letter_due');
    expect(JSON.stringify(letter)).toMatch(/right to take it to alternative dispute resolution through Ofcom/);

    await recordAdrNotice(deps, { reference: raised.reference, actor: 'user:7', at: at('2027-03-01T11:00:00Z') });
    const [done] = await fresh.db.query('select done_at, done_by from ticket_tasks where ticket_id = $1', [raised.id]);
    expect(done).toEqual({ done_at: at('2027-03-01T11:00:00Z'), done_by: 'user:7' });
    await expect(recordAdrNotice(deps, { reference: raised.reference, actor: 'user:7', at: at('2027-03-01T12:00:00Z') })).rejects.toThrow(
      /already|recorded/,
    );
  });
});

describe('the 8-week ADR notice to the customer', () => {
  it('is texted to the account’s mobile, naming the scheme, and the ticket says so', async () => {
    const a = await customer(fresh.db, 'Cat1', 'Mobile Ltd');
    await fresh.db.query(`insert into account_phones (phone, account_id) values ('+447700900444', $1), ('+441632960444', $1)`, [a.id]);
    const deps = { db: fresh.db, division: 'england-and-wales' as const, routing };
    const raised = await raiseComplaint(deps, { accountNumber: a.number, summary: 'Slow repair', actor: 'api', channel: 'api', at: at('2027-01-04T09:00:00Z') });
    await watcher(fresh.db).tick(at('2027-03-01T09:00:00Z'));
    const texts = await fresh.db.query<{ channel: string; recipient: string; payload: { text: string } }>(
      `select channel, recipient, payload from notifications where ticket_id = $1 and kind = 'adr_notice'`,
      [raised.id],
    );
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({ channel: 'sms', recipient: '+447700900444' });
    expect(texts[0]?.payload.text).toBe(
      `Support Line: your complaint ${raised.reference} has been open for 8 weeks. If you are not satisfied with how we are handling it, you have the right to take it to alternative dispute resolution through Ofcom (www.ofcom.org.uk, 020 7981 3040).`,
    );
    expect(await events(fresh.db, raised.id, 'adr_notice_texted')).toHaveLength(1);
    // A second tick queues nothing more.
    await watcher(fresh.db).tick(at('2027-03-01T10:00:00Z'));
    expect(await fresh.db.query(`select 1 from notifications where ticket_id = $1 and kind = 'adr_notice'`, [raised.id])).toHaveLength(1);
  });
});

describe('running', () => {
  it('ticks as soon as it starts, and stops cleanly', async () => {
    const w = watcher(fresh.db, { clock: () => at('2026-01-01T00:00:00Z') });
    w.start();
    await expect.poll(() => w.lastTick().at, { timeout: 5000 }).not.toBeNull();
    await w.stop();
    expect(w.lastTick().error).toBeNull();
  });
});

describe('the watcher and people acting on the same tickets at once', () => {
  it('never deadlock: every action and every tick completes', async () => {
    const { applyAction } = await import('../../src/tickets/service.ts');
    const other = await openDb({ url: fresh.url, maxConnections: 4 });
    try {
      const a = await customer(fresh.db, 'Cat4', 'Contended Ltd');
      const deps = { db: other, division: 'england-and-wales' as const, routing };
      for (let i = 0; i < 15; i++) {
        const opened = new Date(at('2027-06-01T00:00:00Z').getTime() + i * 86_400_000);
        const t = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat4', priority: 'critical', openedAt: opened });
        const warn = new Date(opened.getTime() + 90 * 60_000);
        // The engineer puts the ticket to waiting just as the watcher warns of both targets.
        const results = await Promise.allSettled([
          watcher(fresh.db, { batchSize: 1 }).tick(new Date(opened.getTime() + 3 * 3600_000)),
          applyAction(deps, 'wait', { reference: t.reference, actor: 'engineer:1', at: warn }),
          watcher(fresh.db, { batchSize: 1 }).tick(new Date(opened.getTime() + 3 * 3600_000)),
        ]);
        expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      }
    } finally {
      await other.close();
    }
  });
});
