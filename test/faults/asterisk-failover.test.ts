// Two instances, both with ARI_URL, on one Postgres, one Redis and one (simulated)
// Asterisk. Instance A holds the Stasis application, B stands by. A caller is in the
// middle of the menu when A dies: B takes the application, picks the call up from its
// session and the caller's call carries on to the desk.
//
// "A dies" is every one of its connections cut at once (Asterisk, Redis, Postgres: each
// goes through a proxy of the test's own), which is all the rest of the system can see
// of a killed process; A itself is never told. The lease timing is the default
// configuration's (5 s lease, renewed every second, 5 s grace).
//
// The lease runs on the real clock, as Redis does; the calls run on the simulator's
// virtual clock, which does not move while the test waits for the takeover. The takeover
// time is measured on the real clock and reported in the test's log (docs/asterisk.md: "Running
// several instances"); no assertion depends on it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAriCarrier, type AriCarrier } from '../../src/carriers/ari/carrier.ts';
import { holderFor } from '../../src/carriers/start.ts';
import type { Line } from '../../src/runtime.ts';
import { callTimeline, findCallByCarrierId } from '../../src/store/calls.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { DATABASE_URL, REDIS_URL } from '../support/env.ts';
import { VirtualClock } from '../support/fake-asterisk/clock.ts';
import { defaultSettings, testLogger } from '../support/fake-asterisk/harness.ts';
import { FakeAsterisk } from '../support/fake-asterisk/server.ts';
import { CUSTOMERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { openInstance, tempDir, until, type ManualClock } from '../support/instances.ts';
import { freshRedisLiveStore, type FreshRedis } from '../support/redis.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const OFFICE = '2026-11-18T10:00:00Z';
const { cat1 } = CUSTOMERS;

let fresh: FreshDatabase;
let redis: FreshRedis;
let outbox: ReturnType<typeof tempDir>;
let sim: FakeAsterisk | undefined;
const carriers: AriCarrier[] = [];
const lines: Line[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  fresh = await freshDatabase();
  redis = await freshRedisLiveStore();
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
  outbox = tempDir();
});

afterEach(async () => {
  const violations = sim?.violations.map((v) => `${v.kind}: ${v.message}`) ?? [];
  for (const p of proxies) await p.restore().catch(() => undefined);
  for (const c of carriers.splice(0)) await c.stop();
  for (const line of lines.splice(0)) await line.stop().catch(() => undefined);
  for (const p of proxies.splice(0)) await p.close();
  await sim?.stop();
  sim = undefined;
  expect(violations).toEqual([]);
});

afterAll(async () => {
  await redis?.cleanup();
  await fresh?.drop();
  outbox?.remove();
});

const portOf = (url: string, fallback: number) => Number(new URL(url).port || fallback);

async function proxyTo(port: number): Promise<TcpProxy> {
  const proxy = await startTcpProxy({ port });
  proxies.push(proxy);
  return proxy;
}

/** Two instances with ARI_URL; A (started first) holds the application, B stands by. */
async function twoInstances() {
  const virtual = new VirtualClock(OFFICE);
  const clock: ManualClock = { now: () => virtual.now(), advance: () => undefined, set: () => undefined };
  const asterisk = new FakeAsterisk({ clock: virtual });
  sim = asterisk;
  await asterisk.start();
  // Everything A reaches goes through a proxy, so that A can be killed.
  const aLinks = {
    asterisk: await proxyTo(portOf(asterisk.url, 80)),
    redis: await proxyTo(portOf(REDIS_URL, 6379)),
    postgres: await proxyTo(portOf(DATABASE_URL, 5432)),
  };

  const instance = async (name: string, urls: { asterisk: string; redis: string; postgres: string }) => {
    const line = await openInstance({ name, databaseUrl: urls.postgres, redisUrl: urls.redis, redisPrefix: redis.prefix, outboxDir: outbox.path, clock });
    lines.push(line);
    const settings = defaultSettings(asterisk, { url: urls.asterisk });
    // As src/carriers/start.ts builds it, on the simulator's clock for the calls' timers.
    const carrier = createAriCarrier({
      settings,
      driver: line.calls,
      logger: testLogger(),
      timers: virtual,
      connection: { backoff: { initialMs: 500, maxMs: 30_000 }, keepaliveMs: null, random: () => 0.5, requestTimeoutMs: 5_000 },
      ...holderFor(line.config, testLogger(), settings.app),
    });
    carriers.push(carrier);
    carrier.start();
    return carrier;
  };

  const a = await instance('ari-a', {
    asterisk: aLinks.asterisk.url(asterisk.url),
    redis: aLinks.redis.url(REDIS_URL),
    postgres: aLinks.postgres.url(fresh.url),
  });
  await until(() => a.status().state === 'connected', 'A to hold the application and connect');
  const b = await instance('ari-b', { asterisk: asterisk.url, redis: REDIS_URL, postgres: fresh.url });
  await until(() => b.status().heldBy === 'ari-a', 'B to stand by behind A');

  // The simulator's virtual time moves only when neither instance has anything in hand.
  const alive = new Set([a, b]);
  asterisk.idleProbe = () => {
    if (asterisk.inFlight > 0) return false;
    for (const c of alive) if (c.client.rest.inFlight > 0 || c.client.connecting || c.pendingWork() > 0) return false;
    const sent = asterisk.sentOnSocket();
    const holder = [...alive].find((c) => c.status().state === 'connected');
    if (sent === null) return holder === undefined;
    return holder !== undefined && holder.client.eventsOnSocket === sent;
  };

  return {
    sim: asterisk,
    a,
    b,
    /** A's process dies: every connection it has is reset, and it is heard from no more. */
    async killA() {
      alive.delete(a);
      await Promise.all([aLinks.asterisk.cut(), aLinks.redis.cut(), aLinks.postgres.cut()]);
    },
    /** A loses Asterisk only (its network to the PBX), and keeps Redis and Postgres. */
    async cutAFromAsterisk() {
      await aLinks.asterisk.cut();
    },
  };
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

describe('the Asterisk application when the instance holding it goes', () => {
  it('passes to the standby when the holder is killed mid-call, and the caller carries on from the menu to the desk', async () => {
    const { sim, a, b, killA } = await twoInstances();
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').presses(`${cat1.pin}#`).hears('main-menu');
    expect(a.status().activeCalls).toBe(1);

    const killedAt = performance.now();
    await killA();
    await until(() => b.status().state === 'connected', 'B to take the application', 30_000);
    const tookOver = performance.now() - killedAt;
    await caller.hears('main-menu');
    const menuAgain = performance.now() - killedAt;
    console.info(`asterisk failover (holder killed): B held the application ${seconds(tookOver)} s after A was killed; the caller heard the menu again after ${seconds(menuAgain)} s`);

    await caller.presses('1').hears('fault-critical-question').presses('2').isConnectedTo(desk).hangsUp();
    await sim.settle();

    const call = await findCallByCarrierId(fresh.db, 'asterisk', caller.channelId);
    expect(call).toMatchObject({ outcome: 'desk', route: 'desk', tier: 'Cat1' });
    const timeline = await callTimeline(fresh.db, call!.id);
    expect(timeline.find((e) => e.type === 'ari.resumed')?.detail).toMatchObject({ after: 'failover', phase: 'menu' });
    // One timeline, written by both instances in turn: no step lost or written twice.
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
    expect(await fresh.db.query('select 1 from tickets where call_id = $1', [call!.id])).toHaveLength(1);
    // B holds the application; A stopped acting when its lease lapsed.
    expect(b.status()).toMatchObject({ role: 'holder', heldBy: 'ari-b' });
    expect(a.status()).toMatchObject({ role: 'standby', activeCalls: 0 });
  });

  it('passes to the standby while the caller talks to the desk: the conversation carries on, and its end is seen by the new holder', async () => {
    const { sim, b, killA } = await twoInstances();
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').presses(`${cat1.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question').presses('2').isConnectedTo(desk);

    await killA();
    await until(() => b.status().state === 'connected', 'B to take the application', 30_000);
    await caller.waits(30).isConnectedTo(desk).hangsUp();
    await sim.settle();

    expect(desk.rang).toBe(1);
    // The caller hung up; the new holder hung the desk's phone up.
    expect(desk.legs.map((leg) => leg.alive)).toEqual([false]);
    const call = await findCallByCarrierId(fresh.db, 'asterisk', caller.channelId);
    expect(call).toMatchObject({ outcome: 'desk', endReason: 'completed' });
    const timeline = await callTimeline(fresh.db, call!.id);
    expect(timeline.find((e) => e.type === 'ari.resumed')?.detail).toMatchObject({ after: 'failover', phase: 'desk' });
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
  });

  it('passes to the standby at once when the holder stops (a deploy), and the caller carries on', async () => {
    const { sim, a, b } = await twoInstances();
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').presses(`${cat1.pin}#`).hears('main-menu');

    const stoppedAt = performance.now();
    await a.stop();
    await until(() => b.status().state === 'connected', 'B to take the application', 30_000);
    const tookOver = performance.now() - stoppedAt;
    await caller.hears('main-menu');
    console.info(`asterisk failover (holder stopped): B held the application ${seconds(tookOver)} s after A began to stop; the caller heard the menu again after ${seconds(performance.now() - stoppedAt)} s`);

    await caller.presses('1').hears('fault-critical-question').presses('2').isConnectedTo(desk).hangsUp();
    await sim.settle();
    const call = await findCallByCarrierId(fresh.db, 'asterisk', caller.channelId);
    expect(call).toMatchObject({ outcome: 'desk', route: 'desk' });
    const timeline = await callTimeline(fresh.db, call!.id);
    expect(timeline.find((e) => e.type === 'ari.resumed')?.detail).toMatchObject({ after: 'failover', phase: 'menu' });
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
  });

  it('passes to the standby when the holder loses Asterisk for longer than the grace, and the caller carries on', async () => {
    const { sim, a, b, cutAFromAsterisk } = await twoInstances();
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').presses(`${cat1.pin}#`).hears('main-menu');

    const cutAt = performance.now();
    await cutAFromAsterisk();
    await until(() => b.status().state === 'connected', 'B to take the application', 30_000);
    const tookOver = performance.now() - cutAt;
    await caller.hears('main-menu');
    console.info(`asterisk failover (holder cut from Asterisk): B held the application ${seconds(tookOver)} s after A lost Asterisk; the caller heard the menu again after ${seconds(performance.now() - cutAt)} s`);

    await caller.presses('1').hears('fault-critical-question').presses('2').isConnectedTo(desk).hangsUp();
    await sim.settle();

    const call = await findCallByCarrierId(fresh.db, 'asterisk', caller.channelId);
    expect(call).toMatchObject({ outcome: 'desk', route: 'desk' });
    const timeline = await callTimeline(fresh.db, call!.id);
    expect(timeline.filter((e) => e.type === 'ari.resumed').map((e) => e.detail)).toEqual([expect.objectContaining({ after: 'failover', phase: 'menu' })]);
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
    // A gave the application up (it still reaches Redis) and stands by behind B.
    await until(() => a.status().heldBy === 'ari-b', 'A to stand by behind B');
    expect(a.status()).toMatchObject({ role: 'standby', activeCalls: 0 });
  });
});
