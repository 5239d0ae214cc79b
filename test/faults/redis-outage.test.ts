// Redis taken away from the line for real (a proxy between them resets every
// connection and refuses new ones): a call in progress carries on from this
// instance's copy, new calls are answered, PIN lockout still holds (per instance),
// nothing crashes, and the line shares its state through Redis again by itself.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Line } from '../../src/runtime.ts';
import type { Session } from '../../src/calls/session.ts';
import { getCall } from '../../src/store/calls.ts';
import { seedDemo, type DemoSeed } from '../../src/store/seed-demo.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { LiveCall, manualClock, openInstance, ring, tempDir, until, type ManualClock } from '../support/instances.ts';
import { freshRedisLiveStore, keysUnder, type FreshRedis } from '../support/redis.ts';
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
  proxy = await startTcpProxy({ port: Number(new URL(REDIS_URL).port || 6379) });
  outbox = tempDir();
});

afterEach(async () => {
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
    databaseUrl: fresh.url,
    redisUrl: proxy.url(REDIS_URL),
    redisPrefix: redis.prefix,
    outboxDir: outbox.path,
    clock,
  });
  lines.push(line);
  return line;
}

const redisOf = (line: Line) => line.resilience.redis!.status();
const shared = (callId: string) => redis.store.getSession<Session>(callId);

describe('Redis unreachable', () => {
  it('a Cat4 call in progress carries on to the engineer, and Redis has its final state once it is back', async () => {
    const clock = manualClock(SATURDAY_3AM);
    const line = await instance('redis-cut-1', clock);
    const acme = account('10001');

    const call = await LiveCall.dial(line.calls, clock, acme.phones[0]!);
    expect(call.waitingOn).toMatchObject({ kind: 'gather', purpose: 'pin' });
    await call.press(`${acme.pin}#`);
    expect(call.waitingOn).toMatchObject({ kind: 'gather', purpose: 'menu' });
    expect((await shared(call.callId))?.state.phase).toBe('menu');

    await proxy.cut();
    await call.press('1');
    await call.press('1');
    expect(redisOf(line).mode).toBe('down');
    const dial = call.waitingOn;
    expect(dial?.kind).toBe('dialEngineer');
    const engineerId = dial?.kind === 'dialEngineer' ? dial.engineer.engineerId : '';
    await call.engineer(engineerId, 'accepted');
    expect(call.waitingOn).toMatchObject({ kind: 'bridgeEngineer', engineerId });
    // Redis still has the call where it was when it went away.
    expect(redisOf(line).unsynced).toBeGreaterThan(0);

    await proxy.restore();
    await until(() => redisOf(line).mode === 'up' && redisOf(line).unsynced === 0, 'the live store to recover');
    const session = await shared(call.callId);
    expect(session?.state.phase).toBe('bridged');
    expect(session?.engineerLocks).toEqual([engineerId]);
    // The engineer lock granted while Redis was away is now held in Redis too.
    expect(await keysUnder(`${redis.prefix}lock:engineer:${engineerId}`)).toHaveLength(1);

    await call.hangUp();
    expect((await getCall(fresh.db, call.callId))).toMatchObject({ outcome: 'engineer', endReason: 'completed' });
    expect((await shared(call.callId))?.state.phase).toBe('ended');
    expect(await keysUnder(`${redis.prefix}lock:engineer:`)).toHaveLength(0);
  });

  it('new calls are answered while Redis is away, and PIN lockout holds on this instance', async () => {
    const clock = manualClock(SATURDAY_3AM);
    const line = await instance('redis-cut-2', clock);
    const castle = account('10003');
    const acme = account('10001');
    const guesser = '+441632960911';

    await proxy.cut();
    const voicemail = await ring(line, clock, { from: castle.phones[0]!, keys: [`${castle.pin}#`, '1', '1'] });
    expect(await getCall(fresh.db, voicemail.callId)).toMatchObject({ route: 'voicemail', outcome: 'message' });
    expect(redisOf(line).mode).toBe('down');

    // Six wrong PINs over two calls from one number: the sixth is past the per-caller limit of five.
    const wrong = [`${acme.number}#`, '1111#', `${acme.number}#`, '2222#', `${acme.number}#`, '3333#'];
    await ring(line, clock, { from: guesser, keys: wrong });
    await ring(line, clock, { from: guesser, keys: wrong });
    const third = await ring(line, clock, { from: guesser, keys: [`${acme.number}#`, `${acme.pin}#`] });
    expect(await getCall(fresh.db, third.callId)).toMatchObject({ outcome: 'refused', endReason: 'pin-locked' });

    await proxy.restore();
    await until(() => redisOf(line).mode === 'up' && redisOf(line).unsynced === 0, 'the live store to recover');
    // The calls made meanwhile are in Redis again, and the lock still holds here.
    expect((await shared(voicemail.callId))?.state.phase).toMatch(/^(ending|ended)$/);
    const again = await ring(line, clock, { from: guesser, keys: [`${acme.number}#`, `${acme.pin}#`] });
    expect(await getCall(fresh.db, again.callId)).toMatchObject({ endReason: 'pin-locked' });
  });

  it('readiness says what is degraded and why, and stays ready to take calls', async () => {
    const clock = manualClock(SATURDAY_3AM);
    const line = await instance('redis-cut-3', clock);
    const { readiness } = await import('../../src/http/health.ts');
    const { coreChecks } = await import('../../src/runtime.ts');

    await proxy.cut();
    await ring(line, clock, { from: '+441632960912', keys: [] });
    const down = await readiness(coreChecks(line));
    expect(down.ready).toBe(true);
    expect(down.checks['live-store']).toMatchObject({ ok: false });
    expect(down.checks['live-store']?.detail).toMatch(/redis unreachable since .*per instance/);

    await proxy.restore();
    await until(() => redisOf(line).mode === 'up', 'the live store to recover');
    expect((await readiness(coreChecks(line))).checks['live-store']).toMatchObject({ ok: true, detail: 'redis connected' });
  });

  it('an instance started while Redis is away answers calls, and shares them once Redis is back', async () => {
    const clock = manualClock(SATURDAY_3AM);
    await proxy.cut();
    const line = await instance('redis-cut-start', clock);
    expect(redisOf(line).mode).toBe('down');
    const acme = account('10001');
    const call = await LiveCall.dial(line.calls, clock, acme.phones[0]!);
    await call.press(`${acme.pin}#`);
    expect(call.waitingOn).toMatchObject({ kind: 'gather', purpose: 'menu' });

    await proxy.restore();
    await until(() => redisOf(line).mode === 'up' && redisOf(line).unsynced === 0, 'the live store to connect and catch up');
    expect((await shared(call.callId))?.state.phase).toBe('menu');
    await call.press('1');
    await call.press('2');
    expect((await shared(call.callId))?.state.phase).not.toBe('menu');
  });
});
