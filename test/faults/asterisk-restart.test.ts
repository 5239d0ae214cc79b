// This service replaced under an Asterisk call: instance A runs the call, then A's
// process goes away and instance B — a separate line with its own call service,
// pools and connections, sharing only Postgres and Redis — connects to Asterisk,
// finds the channel still in the Stasis application and carries the call on from
// the session A left in Redis. (The same carrier restarting over one call service
// is test/scenarios/asterisk-resilience.test.ts.)
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallDriver } from '../../src/calls/types.ts';
import type { Line } from '../../src/runtime.ts';
import { callTimeline, findCallByCarrierId } from '../../src/store/calls.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { VirtualClock } from '../support/fake-asterisk/clock.ts';
import { startAsteriskHarness, type AsteriskHarness } from '../support/fake-asterisk/harness.ts';
import { CUSTOMERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { openInstance, tempDir, type ManualClock } from '../support/instances.ts';
import { freshRedisLiveStore, type FreshRedis } from '../support/redis.ts';

const OFFICE = '2026-11-18T10:00:00Z';
const { cat1 } = CUSTOMERS;

let fresh: FreshDatabase;
let redis: FreshRedis;
let outbox: ReturnType<typeof tempDir>;
let harness: AsteriskHarness | undefined;
const lines: Line[] = [];

beforeAll(async () => {
  fresh = await freshDatabase();
  redis = await freshRedisLiveStore();
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
  outbox = tempDir();
});

afterEach(async () => {
  const violations = harness?.violations() ?? [];
  await harness?.close();
  harness = undefined;
  for (const line of lines.splice(0)) await line.stop().catch(() => undefined);
  expect(violations).toEqual([]);
});

afterAll(async () => {
  await redis?.cleanup();
  await fresh?.drop();
  outbox?.remove();
});

describe('an Asterisk call when this instance is replaced by another', () => {
  it('is picked up by the new instance at the question it was on, and ends at the desk', async () => {
    const virtual = new VirtualClock(OFFICE);
    // The lines read the simulator's virtual time.
    const clock: ManualClock = { now: () => virtual.now(), advance: () => undefined, set: () => undefined };
    const open = async (name: string) => {
      const line = await openInstance({ name, databaseUrl: fresh.url, redisUrl: REDIS_URL, redisPrefix: redis.prefix, outboxDir: outbox.path, clock });
      lines.push(line);
      return line;
    };
    const a = await open('ari-a');
    // The carrier talks to whichever instance is current, as a new process would.
    let current: Line = a;
    const driver: CallDriver = {
      start: (input) => current.calls.start(input),
      feed: (callId, event, at, options) => current.calls.feed(callId, event, at, options),
      findCall: (carrier, id) => current.calls.findCall(carrier, id),
      snapshot: (callId) => current.calls.snapshot(callId),
      note: (callId, type, detail, at) => current.calls.note(callId, type, detail, at),
    };
    harness = await startAsteriskHarness({ driver, clock: virtual });
    const { sim } = harness;
    const desk = sim.desk('support').answersAfter(2_000);

    const caller = sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').presses(`${cat1.pin}#`).hears('main-menu');

    // Instance A goes away; B starts, connects to Asterisk and finds the channel.
    const b = await open('ari-b');
    current = b;
    await harness.restartCarrier();
    await a.stop();
    lines.splice(lines.indexOf(a), 1);

    await caller.hears('main-menu').presses('1').hears('fault-critical-question').presses('2').isConnectedTo(desk).hangsUp();
    await sim.settle();
    const call = await findCallByCarrierId(fresh.db, 'asterisk', caller.channelId);
    expect(call).toMatchObject({ outcome: 'desk', route: 'desk', tier: 'Cat1' });
    const timeline = await callTimeline(fresh.db, call!.id);
    expect(timeline.find((e) => e.type === 'ari.resumed')?.detail).toMatchObject({ phase: 'menu' });
    // One timeline, written by both instances in turn: no step lost or written twice.
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
    expect(await fresh.db.query('select 1 from tickets where call_id = $1', [call!.id])).toHaveLength(1);
  });
});
