// Postgres taken away from the line for real (a proxy between them resets every
// connection and refuses new ones): callers are still answered, identified and
// routed from the cached copy; what the calls write waits in the outbox journal
// and reaches Postgres in order, exactly once, when it comes back — also across a
// restart of the line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import type { Line } from '../../src/runtime.ts';
import { pgCallRecords } from '../../src/calls/pg-records.ts';
import { resilientRecords, type ResilienceEvent } from '../../src/resilience/records.ts';
import { callTimeline, getCall } from '../../src/store/calls.ts';
import { seedDemo, type DemoSeed } from '../../src/store/seed-demo.ts';
import { getTicket } from '../../src/store/tickets.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { manualClock, openInstance, ring, tempDir, until, type ManualClock } from '../support/instances.ts';
import { freshRedisLiveStore, type FreshRedis } from '../support/redis.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { demoAccount } from '../support/demo.ts';

const SATURDAY_3AM = new Date('2026-11-21T03:00:00Z');

let fresh: FreshDatabase;
let redis: FreshRedis;
let proxy: TcpProxy;
let demo: DemoSeed;
let outbox: ReturnType<typeof tempDir>;
const lines: Line[] = [];

beforeAll(async () => {
  fresh = await freshDatabase();
  redis = await freshRedisLiveStore();
  demo = await seedDemo(fresh.db, SATURDAY_3AM);
  proxy = await startTcpProxy({ port: Number(new URL(fresh.url).port || 5432) });
  outbox = tempDir();
});

afterEach(async () => {
  // Whatever happened, Postgres is given back before the next test.
  await proxy.restore();
  for (const line of lines.splice(0)) await line.stop().catch(() => undefined);
});

afterAll(async () => {
  await proxy?.close();
  await redis?.cleanup();
  await fresh?.drop();
  outbox?.remove();
});

const account = (number: string) => demoAccount(demo, number);

async function instance(name: string, clock: ManualClock): Promise<Line> {
  const line = await openInstance({
    name,
    databaseUrl: proxy.url(fresh.url),
    redisUrl: REDIS_URL,
    redisPrefix: redis.prefix,
    outboxDir: outbox.path,
    clock,
  });
  lines.push(line);
  return line;
}

const outboxOf = (line: Line) => line.resilience.postgres!.status();

async function ticketCount(callId: string): Promise<number> {
  const [row] = await fresh.db.query<{ n: string }>('select count(*) as n from tickets where call_id = $1', [callId]);
  return Number(row?.n);
}

/** The timeline as written: seqs 1..n, no gaps, no repeats. */
async function expectWholeTimeline(callId: string): Promise<string[]> {
  const events = await callTimeline(fresh.db, callId);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  return events.map((e) => e.type);
}

describe('Postgres unreachable', () => {
  it('a Cat4 caller at 3am is still identified, given a ticket reference and put through to the engineer; all of it is written once Postgres is back', async () => {
    const clock = manualClock(SATURDAY_3AM);
    const line = await instance('pg-cut-1', clock);
    const acme = account('10001');

    await proxy.cut();
    const c = await ring(line, clock, { from: acme.phones[0]!, keys: [`${acme.pin}#`, '1', '1'], engineers: ['no-answer', 'accept'] });

    // The caller heard the whole call: PIN accepted from the cached copy, a reference, the engineer.
    expect(c.heard).toMatch(/main menu|press 1/i);
    const reference = /ticket reference is ([0-9 ]+)/i.exec(c.heard)?.[1]?.replace(/ /g, '');
    expect(reference).toMatch(/^[0-9]+$/);
    expect(c.transcript.some((l) => l.who === 'engineer' && /presses 1/.test(l.text))).toBe(true);
    expect(outboxOf(line)).toMatchObject({ mode: 'down' });
    expect(outboxOf(line).outbox).toBeGreaterThan(0);
    // Nothing reached Postgres while it was away.
    expect(await getCall(fresh.db, c.callId)).toBeNull();

    await proxy.restore();
    await until(() => outboxOf(line).outbox === 0 && outboxOf(line).mode === 'up', 'the outbox to drain');

    const call = await getCall(fresh.db, c.callId);
    expect(call).toMatchObject({ route: 'oncall', outcome: 'engineer', endReason: 'completed', tier: 'Cat4', priority: 'critical' });
    expect(await ticketCount(c.callId)).toBe(1);
    const ticket = await getTicket(fresh.db, { id: call!.ticketId! });
    // The reference the caller was told is the ticket's reference.
    expect(ticket?.reference).toBe(reference);
    expect(ticket?.status).toBe('acknowledged');
    expect(ticket?.timers.find((t) => t.target === 'response')?.state).toBe('met');
    const types = await expectWholeTimeline(c.callId);
    expect(types).toEqual(expect.arrayContaining(['call-started', 'authenticated', 'ticket-created', 'engineer-rung', 'bridge', 'call-ended']));
    // The timeline names the real ticket, not the provisional one the flow was given.
    const created = (await callTimeline(fresh.db, c.callId)).find((e) => e.type === 'ticket-created');
    expect(created?.detail['ticketId']).toBe(call!.ticketId);
  });

  it('wrong PINs, voicemail and a second call all queue in order; a lost acknowledgement replays nothing twice', async () => {
    const clock = manualClock(SATURDAY_3AM);
    const events: ResilienceEvent[] = [];
    const line = await instance('pg-cut-2', clock);
    const castle = account('10003');

    await proxy.cut();
    const wrong = await ring(line, clock, { from: '+441632960999', keys: [`${castle.number}#`, '0000#', `${castle.number}#`, '0001#', `${castle.number}#`, '0002#'] });
    const message = await ring(line, clock, { from: castle.phones[0]!, keys: [`${castle.pin}#`, '1', '1'], messageSeconds: 30 });
    expect(message.heard).toMatch(/leave a message|after the tone/i);
    expect(message.heard).toMatch(/ticket reference is/i);
    const journalFile = join(outbox.path, 'pg-cut-2.jsonl');
    const journaled = readFileSync(journalFile, 'utf8');
    expect(journaled.split('\n').filter(Boolean).length).toBe(outboxOf(line).outbox);
    // No PIN digit is written to the journal either. The PIN is random: call ids and
    // timestamps are taken out first, so its four digits inside a uuid do not count.
    const withoutIds = journaled.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>').replace(/\d{4}-\d{2}-\d{2}T[0-9:.]+Z/g, '<time>');
    expect(withoutIds).not.toMatch(new RegExp(`(?<!\\d)${castle.pin}(?!\\d)`));

    await proxy.restore();
    await until(() => outboxOf(line).outbox === 0, 'the outbox to drain');

    expect(await getCall(fresh.db, wrong.callId)).toMatchObject({ outcome: 'refused', endReason: 'authentication-failed' });
    const audits = () => fresh.db.query<{ n: string }>("select count(*) as n from audit_log where action like 'pin.%' and detail->>'callerPhone' = '+441632960999'");
    expect(Number((await audits())[0]?.n)).toBe(3);
    const voicemail = await getCall(fresh.db, message.callId);
    expect(voicemail).toMatchObject({ route: 'voicemail', outcome: 'message' });
    const ticket = await getTicket(fresh.db, { id: voicemail!.ticketId! });
    expect(ticket?.recordingName).toBe(`support-line/${message.callId}`);
    expect(ticket?.events.filter((e) => e.type === 'recording')).toHaveLength(1);
    await expectWholeTimeline(wrong.callId);
    await expectWholeTimeline(message.callId);

    // The acknowledgements are lost (the journal is put back as it was): a new run replays it all…
    await line.stop();
    lines.splice(lines.indexOf(line), 1);
    writeFileSync(journalFile, journaled);
    const again = resilientRecords(pgCallRecords(fresh.db), {
      db: fresh.db,
      dir: outbox.path,
      instance: 'pg-cut-2',
      logger: createLogger('silent'),
      clock: clock.now,
      onEvent: (e) => events.push(e),
    });
    await again.start();
    await until(() => again.status().outbox === 0, 'the replayed journal to drain');
    await again.close();
    // …and Postgres recognises every write as applied already.
    const replayed = events.filter((e) => e.type === 'replayed');
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed.every((e) => e.type === 'replayed' && e.duplicate)).toBe(true);
    expect(Number((await audits())[0]?.n)).toBe(3);
    expect((await getTicket(fresh.db, { id: voicemail!.ticketId! }))?.events.filter((e) => e.type === 'recording')).toHaveLength(1);
  });

  it('a line stopped with writes still in the outbox replays them when it starts again', async () => {
    const clock = manualClock(SATURDAY_3AM);
    const first = await instance('pg-restart', clock);
    const acme = account('10001');

    await proxy.cut();
    const c = await ring(first, clock, { from: acme.phones[1]!, keys: [`${acme.pin}#`, '1', '1'], engineers: ['accept'] });
    const waiting = outboxOf(first).outbox;
    expect(waiting).toBeGreaterThan(0);
    // Stopping cannot flush to an unreachable Postgres: the journal keeps the writes.
    await first.stop();
    lines.splice(lines.indexOf(first), 1);
    expect(readFileSync(join(outbox.path, 'pg-restart.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(waiting);

    await proxy.restore();
    const second = await instance('pg-restart', clock);
    await until(() => outboxOf(second).outbox === 0, 'the restarted line to replay the outbox');
    expect(await getCall(fresh.db, c.callId)).toMatchObject({ route: 'oncall', outcome: 'engineer' });
    expect(await ticketCount(c.callId)).toBe(1);
    await expectWholeTimeline(c.callId);
  });

  it('a transaction in flight when Postgres goes away is refused, and the process carries on', async () => {
    const clock = manualClock(SATURDAY_3AM);
    const line = await instance('pg-in-flight', clock);
    const inFlight = line.db.tx(async (tx) => {
      await tx.query("select pg_sleep(30), 'in-flight-probe'");
    });
    await until(async () => {
      const rows = await fresh.db.query("select 1 from pg_stat_activity where query like '%in-flight-probe%' and pid <> pg_backend_pid()");
      return rows.length > 0;
    }, 'the transaction to be running');
    await proxy.cut();
    await expect(inFlight).rejects.toThrow();
    // An unhandled 'error' on the checked-out connection would have ended the test process here.
    const acme = account('10001');
    const c = await ring(line, clock, { from: acme.phones[0]!, keys: [`${acme.pin}#`, '1', '1'] });
    expect(c.heard).toMatch(/ticket reference is/i);
  });

  it('a ticket reference handed out while Postgres is away is never given to another ticket', async () => {
    const clock = manualClock(SATURDAY_3AM);
    const line = await instance('pg-refs', clock);
    const acme = account('10001');

    await proxy.cut();
    const during = await ring(line, clock, { from: acme.phones[0]!, keys: [`${acme.pin}#`, '1', '2'], engineers: ['accept'] });
    await proxy.restore();
    await until(() => outboxOf(line).outbox === 0 && outboxOf(line).mode === 'up', 'the outbox to drain');
    const after = await ring(line, clock, { from: acme.phones[0]!, keys: [`${acme.pin}#`, '1', '2'], engineers: ['accept'] });

    const refs = await fresh.db.query<{ reference: string; n: string }>(
      'select reference, count(*) over (partition by reference) as n from tickets where call_id = any($1::uuid[])',
      [[during.callId, after.callId]],
    );
    expect(refs).toHaveLength(2);
    expect(refs.every((r) => r.n === '1')).toBe(true);
    expect(new Set(refs.map((r) => r.reference)).size).toBe(2);
  });
});
