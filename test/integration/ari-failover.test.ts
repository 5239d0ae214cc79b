// The lease that decides which instance holds the Asterisk application, on the real
// Redis: one holder at a time, a standby takes it when it lapses or is given up, and a
// holder whose lease may have lapsed has stopped acting before anyone else can start.
// Waits poll (real time, as Redis counts it); nothing is asserted about how long anything took.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppHolder, type TakenAfter } from '../../src/carriers/ari/holder.ts';
import { AriHttpError, AriRest } from '../../src/carriers/ari/rest.ts';
import { createLogger } from '../../src/logger.ts';
import { redisAppLease, type AppLeaseStore } from '../../src/store/live/app-lease.ts';
import { REDIS_URL } from '../support/env.ts';
import { until } from '../support/instances.ts';
import { keysUnder } from '../support/redis.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const prefix = `sl:test:${randomBytes(6).toString('hex')}:`;
const TIMING = { ttlMs: 2_000, renewMs: 250, graceMs: 500 };
let proxy: TcpProxy;
let redis: Redis;
const running: AppHolder[] = [];
const stores: AppLeaseStore[] = [];

beforeAll(async () => {
  proxy = await startTcpProxy({ port: Number(new URL(REDIS_URL).port || 6379) });
  redis = new Redis(REDIS_URL);
});

afterEach(async () => {
  await proxy.restore().catch(() => undefined);
  for (const h of running.splice(0)) await h.stop();
  for (const s of stores.splice(0)) await s.close();
  const keys = await keysUnder(prefix);
  if (keys.length > 0) await redis.del(...keys);
});

afterAll(async () => {
  redis.disconnect();
  await proxy.close();
});

let names = 0;
function leaseStore(via: 'direct' | 'proxy' = 'direct'): AppLeaseStore {
  const url = via === 'proxy' ? proxy.url(REDIS_URL) : REDIS_URL;
  const store = redisAppLease({ url, prefix, name: `app-${names}`, commandTimeoutMs: TIMING.renewMs });
  return store;
}

/** An instance standing by for the application; it records what it is told. */
function instance(owner: string, lease: AppLeaseStore) {
  const told: Array<{ kind: 'hold'; after: TakenAfter; token: number } | { kind: 'release'; why: string }> = [];
  const holder = new AppHolder({ ...TIMING, lease, owner, logger: createLogger('silent') });
  const me = {
    holder,
    told,
    /** Whether the other instance could still act at the moment this one took the application. */
    otherMayActWhenTaken: [] as boolean[],
    other: null as AppHolder | null,
    start() {
      holder.start({
        onHold: (after, token) => {
          if (me.other) me.otherMayActWhenTaken.push(me.other.mayAct());
          told.push({ kind: 'hold', after, token });
          // Its event connection to Asterisk opens at once.
          holder.asteriskConnected();
        },
        onRelease: (why) => told.push({ kind: 'release', why }),
      });
      return me;
    },
  };
  running.push(holder);
  return me;
}

describe('the lease on the Asterisk application', () => {
  it('is held by the first instance; the second stands by and knows who holds it', async () => {
    const lease = `app-${names}`;
    const a = instance('line-a', leaseStore()).start();
    await until(() => a.holder.status().role === 'holder', 'a to hold the application');
    const b = instance('line-b', leaseStore()).start();
    await until(() => b.holder.status().heldBy === 'line-a', 'b to see a holding it');

    expect(a.told).toEqual([{ kind: 'hold', after: 'start', token: 1 }]);
    expect(a.holder.mayAct()).toBe(true);
    expect(b.holder.status().role).toBe('standby');
    expect(b.holder.mayAct()).toBe(false);
    expect(await redis.get(`${prefix}ari-lease:${lease}`)).toBe('1 line-a');
  });

  it('passes to the standby when the holder can no longer renew it, and the holder stopped acting first', async () => {
    // a reaches Redis through the proxy: cutting it is a holder that died or was cut off.
    const a = instance('line-a', leaseStore('proxy')).start();
    await until(() => a.holder.mayAct(), 'a to hold the application');
    const b = instance('line-b', leaseStore()).start();
    b.other = a.holder;
    await until(() => b.holder.status().heldBy === 'line-a', 'b to stand by');

    await proxy.cut();
    await until(() => b.holder.status().role === 'holder', 'b to take the application', 15_000);

    expect(a.told).toEqual([
      { kind: 'hold', after: 'start', token: 1 },
      { kind: 'release', why: 'its lease lapsed before it could be renewed' },
    ]);
    expect(b.told).toEqual([{ kind: 'hold', after: 'failover', token: 2 }]);
    // Fencing: when b started, a could no longer send anything to Asterisk.
    expect(b.otherMayActWhenTaken).toEqual([false]);
    expect(a.holder.mayAct()).toBe(false);

    // a's Redis comes back: it stands by behind b, and never acts with its old term.
    await proxy.restore();
    await until(() => a.holder.status().heldBy === 'line-b', 'a to see b holding it', 15_000);
    expect(a.holder.status().role).toBe('standby');
    expect(a.holder.mayAct()).toBe(false);
  });

  it('is lost at the next renewal when another term holds it now, and the holder stops acting at once', async () => {
    const lease = `app-${names}`;
    const a = instance('line-a', leaseStore()).start();
    await until(() => a.holder.mayAct(), 'a to hold the application');
    // The lease lapsed unseen (say a long pause) and someone else took it meanwhile.
    await redis.set(`${prefix}ari-lease:${lease}`, '7 line-z', 'PX', 60_000);

    await until(() => a.told.length === 2, 'a to notice');
    expect(a.told[1]).toEqual({ kind: 'release', why: 'another instance holds the lease now' });
    expect(a.holder.mayAct()).toBe(false);
    expect(a.holder.status()).toMatchObject({ role: 'standby', token: null });
    // It did not touch the other term's lease.
    expect(await redis.get(`${prefix}ari-lease:${lease}`)).toBe('7 line-z');
  });

  it('is given up when the holder has no connection to Asterisk beyond the grace, and the standby takes it without waiting for it to lapse', async () => {
    const a = instance('line-a', leaseStore()).start();
    await until(() => a.holder.mayAct(), 'a to hold the application');
    const b = instance('line-b', leaseStore()).start();
    b.other = a.holder;
    await until(() => b.holder.status().heldBy === 'line-a', 'b to stand by');

    a.holder.asteriskLost();
    await until(() => b.holder.status().role === 'holder', 'b to take the application');

    expect(a.told[1]).toMatchObject({ kind: 'release', why: expect.stringContaining('no connection to Asterisk') });
    expect(b.told).toEqual([{ kind: 'hold', after: 'failover', token: 2 }]);
    expect(b.otherMayActWhenTaken).toEqual([false]);
    // a leaves b a turn: it does not take the application back while b holds it.
    await until(() => a.holder.status().heldBy === 'line-b', 'a to stand by behind b');
  });

  it('is kept when the connection to Asterisk comes back within the grace', async () => {
    const a = instance('line-a', leaseStore()).start();
    await until(() => a.holder.mayAct(), 'a to hold the application');
    a.holder.asteriskLost();
    a.holder.asteriskConnected();
    // Four renewals later (a whole second, twice the grace) it still holds the application.
    const before = a.holder.status().renewals;
    await until(() => a.holder.status().renewals >= before + 4, 'four more renewals');
    expect(a.told).toEqual([{ kind: 'hold', after: 'start', token: 1 }]);
    expect(a.holder.mayAct()).toBe(true);
  });

  it('is taken by an instance that started while Redis was unreachable, once Redis answers', async () => {
    await proxy.cut();
    const a = instance('line-a', leaseStore('proxy')).start();
    await until(() => a.holder.status().lastError !== null, 'a to fail to reach Redis');
    expect(a.holder.mayAct()).toBe(false);
    await proxy.restore();
    await until(() => a.holder.mayAct(), 'a to hold the application', 15_000);
    expect(a.told).toEqual([{ kind: 'hold', after: 'start', token: 1 }]);
  });

  it('is given up on stop, so the standby takes over at once', async () => {
    const a = instance('line-a', leaseStore()).start();
    await until(() => a.holder.mayAct(), 'a to hold the application');
    const b = instance('line-b', leaseStore()).start();
    await until(() => b.holder.status().heldBy === 'line-a', 'b to stand by');

    await a.holder.stop();
    running.splice(running.indexOf(a.holder), 1);
    await until(() => b.holder.status().role === 'holder', 'b to take the application');
    expect(b.told).toEqual([{ kind: 'hold', after: 'failover', token: 2 }]);
  });

  it('cannot be renewed or given up by a term that lapsed, even once Redis answers it again', async () => {
    const store = leaseStore();
    stores.push(store);
    const first = await store.acquire('line-a', 200);
    expect(first).toMatchObject({ taken: true, term: { token: 1, owner: 'line-a' } });
    expect(await store.acquire('line-b', 200)).toEqual({ taken: false, heldBy: 'line-a' });
    await until(async () => (await store.acquire('line-b', 60_000)).taken, 'the lease to lapse and b to take it');
    if (!first.taken) throw new Error('unreachable');

    expect(await store.renew(first.term, 60_000)).toBe(false);
    await store.release(first.term);
    expect(await store.acquire('line-a', 200)).toEqual({ taken: false, heldBy: 'line-b' });
  });

  it('refuses an owner name it could not store', async () => {
    const store = leaseStore();
    stores.push(store);
    await expect(store.acquire('line a', 1000)).rejects.toThrow('without spaces');
    await expect(store.acquire('', 1000)).rejects.toThrow('without spaces');
  });
});

afterEach(() => {
  names += 1;
});

describe('an ARI request from an instance that may not act', () => {
  it('is never sent to Asterisk', async () => {
    let received = 0;
    const server = http.createServer((_req, res) => {
      received += 1;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      let holds = true;
      const rest = new AriRest({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ari`,
        username: 'u',
        password: 'p',
        timeoutMs: 2_000,
        mayAct: () => holds,
      });
      expect(await rest.listChannels()).toEqual([]);
      holds = false;
      const refused = await rest.hangup('caller-1').catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(AriHttpError);
      expect(refused).toMatchObject({ status: 0, message: 'this instance does not hold the application (channels.hangup not sent)' });
      expect(received).toBe(1);
      expect(rest.inFlight).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
