// Postgres commits a call's ticket, and the connection drops before the line hears
// "COMMIT" back: the write is in doubt. The line cannot wait to find out (the caller
// is on the phone), so it tells the caller a reserved reference and journals the
// ticket. Whatever Postgres did, the reference the caller heard must be their ticket's.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pgCallRecords } from '../../src/calls/pg-records.ts';
import type { NewTicket } from '../../src/domain/flow/types.ts';
import { resilientRecords, type ResilientRecords } from '../../src/resilience/records.ts';
import { addAccount } from '../../src/store/accounts.ts';
import { getTicket } from '../../src/store/tickets.ts';
import type { Db } from '../../src/store/db.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { capturedLogger, manualClock, tempDir, until, type ManualClock } from '../support/instances.ts';

const NIGHT = new Date('2026-11-18T03:00:00Z');

let fresh: FreshDatabase;
let outbox: ReturnType<typeof tempDir>;
let accountId: string;
const opened: ResilientRecords[] = [];

beforeAll(async () => {
  fresh = await freshDatabase();
  outbox = tempDir();
  accountId = (await addAccount(fresh.db, { number: '20001', name: 'In Doubt Ltd', pin: '2468', phones: [], tier: 'Cat4', startsOn: '2020-01-01', endsOn: null })).id;
});

afterEach(async () => {
  for (const r of opened.splice(0)) await r.close(1000).catch(() => undefined);
});

afterAll(async () => {
  await fresh?.drop();
  outbox?.remove();
});

/** The connection resets after the next transaction has committed: the line never hears the answer. */
function losesNextCommitAnswer(db: Db): Db & { armed: boolean } {
  const wrapped = {
    armed: false,
    kind: db.kind,
    query: db.query.bind(db),
    session: db.session.bind(db),
    close: db.close.bind(db),
    async tx<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      const result = await db.tx(fn);
      if (wrapped.armed) {
        wrapped.armed = false;
        throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      }
      return result;
    },
  } as Db & { armed: boolean };
  return wrapped;
}

async function instance(name: string, db: Db, clock: ManualClock) {
  const records = resilientRecords(pgCallRecords(db), {
    db,
    dir: outbox.path,
    instance: name,
    logger: capturedLogger().logger,
    clock: clock.now,
    timeoutMs: 1500,
    probeMs: 600_000,
    retryMs: 10,
    maxRetryMs: 50,
  });
  opened.push(records);
  await records.start();
  return records;
}

function aCriticalFault(callId: string, clock: ManualClock): NewTicket {
  return {
    kind: 'fault',
    accountId,
    callId,
    tier: 'Cat4',
    priority: 'critical',
    route: 'oncall',
    adHocAccepted: false,
    summary: 'critical fault, phones down',
    openedAt: clock.now().toISOString(),
    targets: [],
  };
}

describe('the answer to a ticket commit is lost', () => {
  it('the caller hears a reserved reference, and once Postgres answers again that is their ticket', async () => {
    const clock = manualClock(NIGHT);
    const db = losesNextCommitAnswer(fresh.db);
    const line = await instance('lost-commit', db, clock);
    const call = { id: randomUUID(), carrier: 'twilio' as const, carrierCallId: `CA${randomUUID().replace(/-/g, '')}`, from: '+441632960555', to: '+441632960000', startedAt: clock.now() };
    await line.openCall(call);

    db.armed = true;
    const told = await line.createTicket(aCriticalFault(call.id, clock), clock.now());
    expect(line.status().mode).toBe('down');
    // Postgres has the ticket already, under a number nobody was told.
    const [committed] = await fresh.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [call.id]);
    expect(committed).toBeDefined();

    await until(() => line.recover(), 'the line to find Postgres again');
    await until(() => line.status().outbox === 0, 'the journal to drain');
    const ticket = await getTicket(fresh.db, { reference: told.reference });
    expect(ticket?.callId).toBe(call.id);
    expect(await fresh.db.query('select 1 from tickets where call_id = $1', [call.id])).toHaveLength(1);
    expect(line.status()).toMatchObject({ parked: 0, waiting: 0 });
  });

  it('a ticket another instance had already created and told the caller keeps its reference', async () => {
    const clock = manualClock(NIGHT);
    const db = losesNextCommitAnswer(fresh.db);
    const a = await instance('kept-a', db, clock);
    const b = await instance('kept-b', fresh.db, clock);
    const call = { id: randomUUID(), carrier: 'twilio' as const, carrierCallId: `CA${randomUUID().replace(/-/g, '')}`, from: '+441632960555', to: '+441632960000', startedAt: clock.now() };
    await b.openCall(call);
    const heard = await b.createTicket(aCriticalFault(call.id, clock), clock.now());
    expect(heard.id).not.toMatch(/^pending-ticket:/);

    // The same step asked again on A: Postgres finds B's ticket, and A never hears so.
    db.armed = true;
    await a.createTicket(aCriticalFault(call.id, clock), clock.now());
    expect(a.status().mode).toBe('down');
    await until(() => a.recover(), 'A to find Postgres again');
    await until(() => a.status().outbox === 0, 'A to drain');
    const rows = await fresh.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [call.id]);
    expect(rows).toEqual([{ reference: heard.reference }]);
    expect(a.status()).toMatchObject({ parked: 0, waiting: 0 });
  });
});
