// What the outbox sets aside, and what it waits for. Two instances' outboxes over one
// Postgres that the test takes away (a proxy): a call opened on one instance and
// carried on by the other has its writes in both journals. Replayed in the wrong
// order, the later writes wait for their call and go in once it arrives; only a
// write that can never apply is parked — and then a person is told.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pgCallRecords } from '../../src/calls/pg-records.ts';
import { resilientRecords, type ResilienceEvent, type ResilientRecords } from '../../src/resilience/records.ts';
import { addAccount } from '../../src/store/accounts.ts';
import { callTimeline, getCall } from '../../src/store/calls.ts';
import { openDb, type Db } from '../../src/store/db.ts';
import { listFeed } from '../../src/store/notifications.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { capturedLogger, manualClock, tempDir, until, type ManualClock } from '../support/instances.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const NIGHT = new Date('2026-11-18T03:00:00Z');

let fresh: FreshDatabase;
let proxy: TcpProxy;
let viaProxy: Db;
let outbox: ReturnType<typeof tempDir>;
const opened: ResilientRecords[] = [];

beforeAll(async () => {
  fresh = await freshDatabase();
  proxy = await startTcpProxy({ port: Number(new URL(fresh.url).port || 5432) });
  viaProxy = await openDb({ url: proxy.url(fresh.url), maxConnections: 4 });
  outbox = tempDir();
});

afterEach(async () => {
  await proxy.restore();
  for (const r of opened.splice(0)) await r.close(1000).catch(() => undefined);
});

afterAll(async () => {
  await viaProxy?.close();
  await proxy?.close();
  await fresh?.drop();
  outbox?.remove();
});

/** One instance's outbox. It never probes by itself: the test says when each one finds Postgres again. */
async function outboxOf(name: string, clock: ManualClock) {
  const log = capturedLogger();
  const events: ResilienceEvent[] = [];
  const records = resilientRecords(pgCallRecords(viaProxy), {
    db: viaProxy,
    dir: outbox.path,
    instance: name,
    logger: log.logger,
    clock: clock.now,
    timeoutMs: 1500,
    probeMs: 600_000,
    retryMs: 10,
    maxRetryMs: 50,
    onEvent: (e) => events.push(e),
  });
  opened.push(records);
  await records.start();
  return { records, log, events };
}

/** The instance asks Postgres until it answers (a pooled connection cut by the outage fails the first time). */
async function findsPostgres(records: ResilientRecords): Promise<void> {
  await until(() => records.recover(), 'the instance to find Postgres again');
}

function aCall(clock: ManualClock) {
  return { id: randomUUID(), carrier: 'twilio' as const, carrierCallId: `CA${randomUUID().replace(/-/g, '')}`, from: '+441632960555', to: '+441632960000', startedAt: clock.now() };
}

const entry = (callId: string, seq: number, type: string, at: Date) => ({ callId, seq, at, type, detail: {} });

describe('replayed in the wrong order', () => {
  it('a call opened on A and carried on by B: B replays first, its writes wait for the call, and go in once A has replayed', async () => {
    const clock = manualClock(NIGHT);
    const a = await outboxOf('order-a', clock);
    const b = await outboxOf('order-b', clock);
    const call = aCall(clock);

    await proxy.cut();
    // The call rings on A; its next webhooks land on B.
    await a.records.openCall(call);
    await a.records.appendTimeline([entry(call.id, 1, 'call-started', clock.now())]);
    clock.advance(5);
    await b.records.appendTimeline([entry(call.id, 2, 'keys', clock.now())]);
    await b.records.updateCall(call.id, { route: 'oncall', routeReason: 'test' });
    await b.records.closeCall(call.id, { outcome: 'abandoned', endReason: 'caller-hung-up', hangupCause: null, endedAt: clock.now() });
    await proxy.restore();

    // B finds Postgres first: nothing of its own can go in yet, and nothing is set aside.
    await findsPostgres(b.records);
    expect(b.records.status()).toMatchObject({ outbox: 3, parked: 0 });
    expect(b.records.status().waiting).toBeGreaterThan(0);
    expect(b.log.text()).toMatch(/journaled write waits for its parent row/);
    expect(await getCall(fresh.db, call.id)).toBeNull();

    // A finds Postgres: the call goes in, and B's writes follow by themselves.
    await findsPostgres(a.records);
    await until(() => b.records.status().outbox === 0, "B's writes to go in after A's");
    expect(b.records.status()).toMatchObject({ parked: 0, waiting: 0, mode: 'up' });
    expect(await getCall(fresh.db, call.id)).toMatchObject({ route: 'oncall', outcome: 'abandoned', endReason: 'caller-hung-up' });
    expect((await callTimeline(fresh.db, call.id)).map((e) => e.seq)).toEqual([1, 2]);
    expect(b.events.filter((e) => e.type === 'parked')).toEqual([]);
  });

  it('a ticket raised on A during the outage, its recording attached on B: the recording waits for the ticket', async () => {
    const clock = manualClock(NIGHT);
    const a = await outboxOf('ticket-a', clock);
    const b = await outboxOf('ticket-b', clock);
    const call = aCall(clock);
    const account = await addAccount(fresh.db, { number: '20001', name: 'Parking Test Ltd', pin: '2468', phones: [], tier: 'Cat1', startsOn: '2020-01-01', endsOn: null });

    await proxy.cut();
    await a.records.openCall(call);
    const ticket = await a.records.createTicket(
      {
        kind: 'fault',
        accountId: account.id,
        callId: call.id,
        tier: 'Cat1',
        priority: 'standard',
        route: 'voicemail',
        adHocAccepted: false,
        summary: 'message left',
        openedAt: clock.now().toISOString(),
        targets: [],
      },
      clock.now(),
    );
    clock.advance(30);
    await b.records.attachRecording(ticket.id, 'support-line/recording-1', clock.now());
    await proxy.restore();

    await findsPostgres(b.records);
    expect(b.records.status()).toMatchObject({ outbox: 1, parked: 0, waiting: 1 });
    await findsPostgres(a.records);
    await until(() => b.records.status().outbox === 0, 'the recording to follow its ticket');
    const [row] = await fresh.db.query<{ reference: string; recording_name: string | null }>('select reference, recording_name from tickets where call_id = $1', [call.id]);
    // The reference the caller was told, and the message on it.
    expect(row).toEqual({ reference: ticket.reference, recording_name: 'support-line/recording-1' });
    expect(b.records.status().parked).toBe(0);
  });
});

describe('set aside for a person', () => {
  it('a write Postgres can never accept is parked at once, logged, counted and put on the console feed', async () => {
    const clock = manualClock(NIGHT);
    const a = await outboxOf('bad-a', clock);
    await proxy.cut();
    await a.records.openCall(aCall(clock));
    // A call whose carrier id is empty, journaled unchecked: bad data, refused whatever the order.
    await a.records.openCall({ ...aCall(clock), carrierCallId: '' });
    await proxy.restore();

    await findsPostgres(a.records);
    expect(a.records.status()).toMatchObject({ outbox: 0, parked: 1, waiting: 0 });
    expect(a.events).toContainEqual({ type: 'parked', op: 'openCall', reason: 'permanent' });
    expect(a.log.text()).toMatch(/journaled write set aside: postgres can never accept it/);
    const parked = readFileSync(join(outbox.path, 'bad-a.parked.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; write: { op: string } });
    expect(parked).toMatchObject([{ reason: 'permanent', write: { op: 'openCall' } }]);
    const feed = await listFeed(fresh.db);
    expect(feed.find((f) => f.kind === 'outbox_parked')?.text).toMatch(/openCall write of call .* could not be saved and was set aside on bad-a/);

    // A restart still shows it: parked writes wait for a person, not for the process.
    await a.records.close();
    opened.splice(opened.indexOf(a.records), 1);
    const again = await outboxOf('bad-a', clock);
    expect(again.records.status().parked).toBe(1);
  });

  it('a write whose call never arrives waits a day on the line clock, then is parked and told', async () => {
    const clock = manualClock(NIGHT);
    const b = await outboxOf('orphan-b', clock);
    await proxy.cut();
    // The call was opened on an instance whose disk was lost: only B's half exists.
    const lost = aCall(clock);
    await b.records.appendTimeline([entry(lost.id, 2, 'keys', clock.now())]);
    await proxy.restore();

    await findsPostgres(b.records);
    expect(b.records.status()).toMatchObject({ outbox: 1, waiting: 1, parked: 0 });
    const tries = () => b.log.lines.filter((l) => l.includes('waits for its parent row')).length;

    // 23 hours on: tried again, still waiting.
    clock.advance(23 * 3600);
    const before = tries();
    await until(() => tries() > before + 1, 'another try');
    expect(b.records.status()).toMatchObject({ outbox: 1, waiting: 1, parked: 0 });

    // A day on: set aside, and said why.
    clock.advance(3600);
    await until(() => b.records.status().parked === 1 && b.records.status().outbox === 0, 'the write to be set aside');
    expect(b.records.status()).toMatchObject({ outbox: 0, waiting: 0 });
    expect(b.events).toContainEqual({ type: 'parked', op: 'appendTimeline', reason: 'expired' });
    expect(b.log.text()).toMatch(/journaled write set aside: its parent row never arrived/);
    expect((await listFeed(fresh.db)).some((f) => f.kind === 'outbox_parked' && f.text.includes(lost.id))).toBe(true);
  });
});
