// Postgres busy is not Postgres gone. With 2,000 callers hanging up at once the pool's
// connections are all taken and a write waits its turn past the call path's timeout
// while Postgres answers every other query: the instance must not go into its degraded
// mode for that (before, the bench's burst left 2,693 writes in the outbox). A Postgres
// that answers nothing is still an outage after one timeout. The records here run over
// stand-ins whose answers the test gives, on fake timers: nothing depends on real time.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallRecords, TimelineEntry } from '../../src/calls/records.ts';
import { resilientRecords, type ResilientRecords } from '../../src/resilience/records.ts';
import type { Db } from '../../src/store/db.ts';
import { capturedLogger, tempDir } from '../support/instances.ts';

const TIMEOUT_MS = 1_000;

let outbox: ReturnType<typeof tempDir>;
let opened: ResilientRecords | null = null;

beforeEach(() => {
  outbox = tempDir();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(async () => {
  vi.useRealTimers();
  await opened?.close(0).catch(() => undefined);
  opened = null;
  outbox.remove();
});

/** A timeline write that waits until the test lets it through; a lookup answered at once. */
function busyPostgres() {
  let release: () => void = () => undefined;
  const queued = new Promise<void>((resolve) => (release = resolve));
  const pg = {
    appendTimeline: () => queued,
    findAccountNumberByPhone: () => Promise.resolve('10001'),
  } as Partial<CallRecords> as CallRecords;
  // Probes and replays find nobody: only the call path is under test.
  const db = { kind: 'pg', query: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) } as Partial<Db> as Db;
  const records = resilientRecords(pg, { db, dir: outbox.path, instance: `busy-${randomUUID().slice(0, 8)}`, logger: capturedLogger().logger, timeoutMs: TIMEOUT_MS, probeMs: 600_000 });
  opened = records;
  return { records, release };
}

const entry = (): TimelineEntry => ({ callId: randomUUID(), seq: 1, at: new Date('2026-11-18T09:30:00Z'), type: 'ari.answered', detail: {} });

describe('Postgres busy, not gone', () => {
  it('a write queued past the timeout while Postgres answers other queries waits for its turn: written, nothing journaled, the mode stays up', async () => {
    const { records, release } = busyPostgres();
    const write = records.appendTimeline([entry()]);
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS - 100);
    expect(await records.findAccountNumberByPhone('+447700900123')).toBe('10001');
    // Past the timeout: Postgres answered 100 ms before it ran out.
    await vi.advanceTimersByTimeAsync(500);
    expect(records.status()).toMatchObject({ mode: 'up', outbox: 0 });
    release();
    await write;
    expect(records.status()).toMatchObject({ mode: 'up', outbox: 0 });
  });

  it('a Postgres that answers nothing: the write goes to the outbox after one timeout, as before', async () => {
    const { records } = busyPostgres();
    const write = records.appendTimeline([entry()]);
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
    await write;
    expect(records.status()).toMatchObject({ mode: 'down', outbox: 1 });
  });

  it('a write that never comes back while others do is given up on at four times the timeout', async () => {
    const { records } = busyPostgres();
    const write = records.appendTimeline([entry()]);
    for (let waited = 0; waited < TIMEOUT_MS * 4 - 500; waited += 500) {
      await records.findAccountNumberByPhone('+447700900123');
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(records.status()).toMatchObject({ mode: 'up', outbox: 0 });
    await vi.advanceTimersByTimeAsync(500);
    await write;
    expect(records.status()).toMatchObject({ mode: 'down', outbox: 1 });
  });
});
