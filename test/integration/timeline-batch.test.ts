// Steps that finish together write their timelines in one statement; each still hears
// its own answer: a step whose rows Postgres refuses fails alone, the others are written.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pgCallRecords } from '../../src/calls/pg-records.ts';
import type { TimelineEntry } from '../../src/calls/records.ts';
import type { Db } from '../../src/store/db.ts';
import { openCall } from '../../src/store/calls.ts';
import { ValidationError } from '../../src/store/errors.ts';
import { useFreshDatabase } from '../support/db.ts';

const fresh = useFreshDatabase();
const AT = new Date('2026-11-30T12:00:00Z');

/** The database, counting the timeline inserts sent to it. */
function counting(db: Db): { db: Db; inserts: () => number } {
  let inserts = 0;
  return {
    db: {
      ...db,
      kind: db.kind,
      query: (sql, params) => {
        if (sql.includes('insert into call_events')) inserts += 1;
        return db.query(sql, params);
      },
    },
    inserts: () => inserts,
  };
}

async function newCall(): Promise<string> {
  const id = randomUUID();
  await openCall(fresh.db, { id, carrier: 'twilio', carrierCallId: `CA${id.replaceAll('-', '')}`, from: '+447700900001', to: '+441632960000', startedAt: AT });
  return id;
}

const keys = (callId: string, seq: number): TimelineEntry[] => [{ callId, seq, at: AT, type: 'keys', detail: { digits: String(seq) } }];

async function written(callId: string): Promise<number[]> {
  const rows = await fresh.db.query<{ seq: number }>('select seq from call_events where call_id = $1 order by seq', [callId]);
  return rows.map((r) => r.seq);
}

describe('timeline writes of steps that finish together', () => {
  it('go to Postgres in one statement', async () => {
    const { db, inserts } = counting(fresh.db);
    const records = pgCallRecords(db);
    const calls = await Promise.all([newCall(), newCall(), newCall()]);
    await Promise.all(calls.map((id) => records.appendTimeline(keys(id, 1))));
    expect(inserts()).toBe(1);
    for (const id of calls) expect(await written(id)).toEqual([1]);
  });

  it('a step written alone is one statement too', async () => {
    const { db, inserts } = counting(fresh.db);
    const records = pgCallRecords(db);
    const id = await newCall();
    await records.appendTimeline(keys(id, 1));
    await records.appendTimeline(keys(id, 2));
    expect(inserts()).toBe(2);
    expect(await written(id)).toEqual([1, 2]);
  });

  it('a step whose call row is not there fails alone; the steps batched with it are written', async () => {
    const records = pgCallRecords(fresh.db);
    const [a, b] = await Promise.all([newCall(), newCall()]);
    const missing = randomUUID();
    const results = await Promise.allSettled([records.appendTimeline(keys(a, 1)), records.appendTimeline(keys(missing, 1)), records.appendTimeline(keys(b, 1))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ValidationError);
    expect(await written(a)).toEqual([1]);
    expect(await written(b)).toEqual([1]);
    expect(await written(missing)).toEqual([]);
  });

  it('a connection failure reaches every step of the batch, and nothing is written twice on a retry', async () => {
    let fail = true;
    const flaky: Db = {
      ...fresh.db,
      kind: fresh.db.kind,
      query: (sql, params) => {
        if (fail && sql.includes('insert into call_events')) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
        return fresh.db.query(sql, params);
      },
    };
    const records = pgCallRecords(flaky);
    const [a, b] = await Promise.all([newCall(), newCall()]);
    const results = await Promise.allSettled([records.appendTimeline(keys(a, 1)), records.appendTimeline(keys(b, 1))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await Promise.all([records.appendTimeline(keys(a, 1)), records.appendTimeline(keys(a, 1).map((e) => ({ ...e, callId: b })))]);
    expect(await written(a)).toEqual([1]);
    expect(await written(b)).toEqual([1]);
  });
});
