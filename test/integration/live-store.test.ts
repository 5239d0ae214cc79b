// The live store's contract, run on real Redis and on the in-process store. Time only
// moves on the in-process store's injected clock; on Redis the expiries are read back
// as TTLs instead of being waited for.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { PIN_LOCKOUT } from '../../src/domain/pin-policy.ts';
import { sessionVersion, type LiveStore } from '../../src/store/live/live-store.ts';
import { MemoryLiveStore } from '../../src/store/live/memory.ts';
import { REDIS_URL } from '../support/env.ts';
import { freshRedisLiveStore, keysUnder } from '../support/redis.ts';

const MINUTE = 60_000;

interface Subject {
  store: LiveStore;
  done(): Promise<void>;
}

liveStoreContract('Redis', async () => {
  const fresh = await freshRedisLiveStore();
  return { store: fresh.store, done: fresh.cleanup };
});
liveStoreContract('in-process', async () => {
  const store = new MemoryLiveStore();
  return { store, done: () => store.close() };
});

function liveStoreContract(engine: string, make: () => Promise<Subject>): void {
  describe(`live store on ${engine}`, () => {
    async function withStore(test: (store: LiveStore) => Promise<void>): Promise<void> {
      const subject = await make();
      try {
        await test(subject.store);
      } finally {
        await subject.done();
      }
    }

    it('keeps a call session as JSON and lists the calls that have one', () =>
      withStore(async (store) => {
        const [a, b] = [randomUUID(), randomUUID()];
        const state = { phase: 'menu', pinFailures: 1, account: { number: '10001' } };
        await store.putSession(a, state, 3600);
        await store.putSession(b, { phase: 'pin' }, 3600);

        expect(await store.getSession(a)).toEqual(state);
        expect(await store.getSession(randomUUID())).toBeNull();
        expect((await store.listSessions()).sort()).toEqual([a, b].sort());

        await store.putSession(a, { ...state, phase: 'ringing' }, 3600);
        expect(await store.getSession<{ phase: string }>(a)).toMatchObject({ phase: 'ringing' });

        await store.deleteSession(a);
        expect(await store.getSession(a)).toBeNull();
        expect(await store.listSessions()).toEqual([b]);
      }));

    it('locks voice PINs for an account after five wrong ones, and only that account', () =>
      withStore(async (store) => {
        for (let n = 1; n <= 4; n++) {
          expect(await store.recordPinFailure('account', '10001')).toEqual({ failures: n, locked: false });
        }
        expect(await store.isPinLocked('account', '10001')).toBe(false);
        expect(await store.recordPinFailure('account', '10001')).toEqual({ failures: 5, locked: true });
        expect(await store.isPinLocked('account', '10001')).toBe(true);
        // A sixth try while locked is refused without counting further.
        expect(await store.recordPinFailure('account', '10001')).toEqual({ failures: 5, locked: true });

        expect(await store.isPinLocked('account', '10002')).toBe(false);
        expect(await store.isPinLocked('caller', '10001')).toBe(false);
      }));

    it('locks a caller number that tries wrong PINs across accounts', () =>
      withStore(async (store) => {
        const caller = '+447700900123';
        for (let n = 0; n < 4; n++) await store.recordPinFailure('caller', caller);
        expect(await store.isPinLocked('caller', caller)).toBe(false);
        expect((await store.recordPinFailure('caller', caller)).locked).toBe(true);
        expect(await store.isPinLocked('caller', caller)).toBe(true);
        expect(await store.isPinLocked('caller', '+447700900124')).toBe(false);
      }));

    it('forgets failures and lifts the lock after a right PIN', () =>
      withStore(async (store) => {
        for (let n = 0; n < 5; n++) await store.recordPinFailure('account', '10003');
        await store.clearPinFailures('account', '10003');
        expect(await store.isPinLocked('account', '10003')).toBe(false);
        expect(await store.recordPinFailure('account', '10003')).toEqual({ failures: 1, locked: false });
      }));

    it('reserves PIN attempts before they are checked, and a right PIN forgets only the failures it saw', () =>
      withStore(async (store) => {
        const account = [{ scope: 'account' as const, id: `acc-${randomUUID()}` }];
        const right = await store.reservePinAttempt(account, 'right');
        const wrong = await store.reservePinAttempt(account, 'wrong');
        if (!right.granted || !wrong.granted) throw new Error('both attempts should be let through');
        expect(right.seen).toEqual([0]);
        // Three more in flight make five: a sixth is refused before anything is checked.
        const more = await Promise.all(['c', 'd', 'e'].map((id) => store.reservePinAttempt(account, id)));
        expect(more.every((r) => r.granted)).toBe(true);
        expect(await store.reservePinAttempt(account, 'f')).toEqual({ granted: false });
        for (const r of more) if (r.granted) await store.settlePinAttempt(account, r, 'unchecked');
        // The wrong PIN fails while the right one is still being checked; the right one does not wipe it.
        expect(await store.settlePinAttempt(account, wrong, 'wrong')).toEqual({ locked: false });
        await store.settlePinAttempt(account, right, 'right');
        for (let n = 2; n <= 5; n += 1) {
          const next = await store.reservePinAttempt(account, `w${n}`);
          if (!next.granted) throw new Error(`attempt ${n} refused`);
          expect(await store.settlePinAttempt(account, next, 'wrong')).toEqual({ locked: n === 5 });
        }
        expect(await store.reservePinAttempt(account, 'after')).toEqual({ granted: false });
      }));

    it('gives a lock to one owner at a time, and only the owner releases it', () =>
      withStore(async (store) => {
        const key = `engineer:${randomUUID()}`;
        expect(await store.acquireLock(key, 'call-a', 60_000)).toBe(true);
        expect(await store.acquireLock(key, 'call-b', 60_000)).toBe(false);
        // The holder asking again keeps it (the same call's step run twice must not count its own engineer as taken).
        expect(await store.acquireLock(key, 'call-a', 60_000)).toBe(true);

        await store.releaseLock(key, 'call-b');
        expect(await store.acquireLock(key, 'call-b', 60_000)).toBe(false);

        await store.releaseLock(key, 'call-a');
        expect(await store.acquireLock(key, 'call-b', 60_000)).toBe(true);
      }));

    it('lets exactly one of many simultaneous callers take a lock', () =>
      withStore(async (store) => {
        const key = `engineer:${randomUUID()}`;
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.acquireLock(key, `call-${i}`, 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      }));

    it("reads a call's session and claims one of its steps in one go: one delivery of a step wins, the same one may ask again", () =>
      withStore(async (store) => {
        const callId = randomUUID();
        await store.putSession(callId, { phase: 'menu' }, 60);
        const step = `step:${callId}:gather-3`;
        const both = await Promise.all(['delivery-a', 'delivery-b'].map((who) => store.getSessionAndLock<{ phase: string }>(callId, step, who, 10_000)));
        expect(both.map((r) => r.session)).toEqual([{ phase: 'menu' }, { phase: 'menu' }]);
        expect(both.filter((r) => r.locked)).toHaveLength(1);
        const winner = both[0]!.locked ? 'delivery-a' : 'delivery-b';
        expect((await store.getSessionAndLock(callId, step, winner, 10_000)).locked).toBe(true);
        // The winner's step failed and gave the step back: the other delivery may run it.
        await store.releaseLock(step, winner);
        expect((await store.getSessionAndLock(callId, step, 'delivery-c', 10_000)).locked).toBe(true);
        expect(await store.getSessionAndLock(randomUUID(), `step:none`, 'x', 10_000)).toEqual({ session: null, locked: true });
      }));

    it('swaps a session only if it is still the one last written and its step is nobody else\'s; else claims the step and hands back the stored one', () =>
      withStore(async (store) => {
        const callId = randomUUID();
        const menu = JSON.stringify({ phase: 'menu' });
        await store.putSession(callId, { phase: 'menu' }, 60);
        const step = (n: number) => ({ key: `step:${callId}:${n}`, owner: 'delivery-a', ttlMs: 10_000 });
        const critical = JSON.stringify({ phase: 'critical' });
        expect(await store.swapSession(callId, sessionVersion(menu), critical, 60, undefined, step(1))).toEqual({ swapped: true });
        expect(await store.getSession(callId)).toEqual({ phase: 'critical' });
        // A copy older than the stored session: nothing written, the step claimed, the stored session back.
        expect(await store.swapSession(callId, sessionVersion(menu), JSON.stringify({ phase: 'stale' }), 60, undefined, step(2))).toEqual({
          swapped: false,
          session: { phase: 'critical' },
          locked: true,
        });
        expect(await store.getSession(callId)).toEqual({ phase: 'critical' });
        // Another delivery holds step 3: not swapped, not claimed.
        expect(await store.acquireLock(`step:${callId}:3`, 'delivery-b', 10_000)).toBe(true);
        expect(await store.swapSession(callId, sessionVersion(critical), JSON.stringify({ phase: 'mine' }), 60, undefined, step(3))).toEqual({
          swapped: false,
          session: { phase: 'critical' },
          locked: false,
        });
        // Without a step (Asterisk's events), only the session is compared; a call with none is not swapped.
        expect(await store.swapSession(callId, sessionVersion(critical), JSON.stringify({ phase: 'next' }), 60, undefined, undefined)).toEqual({ swapped: true });
        expect(await store.swapSession(randomUUID(), sessionVersion(menu), menu, 60, undefined, undefined)).toEqual({ swapped: false, session: null, locked: true });
        await expect(store.swapSession(callId, sessionVersion(menu), menu, 0, undefined, undefined)).rejects.toThrow(RangeError);
      }));

    it('with nothing to put, a swap only compares the session, claims the step and reserves the PIN attempt, all or nothing; a put settles one', () =>
      withStore(async (store) => {
        const callId = randomUUID();
        const pin = JSON.stringify({ phase: 'pin' });
        await store.putSession(callId, { phase: 'pin' }, 60);
        const account = [{ scope: 'account' as const, id: `acc-${randomUUID()}` }, { scope: 'caller' as const, id: `+44${Date.now()}` }];
        const step = (n: number, owner = 'delivery-a') => ({ key: `step:${callId}:${n}`, owner, ttlMs: 10_000 });
        const first = await store.swapSession(callId, sessionVersion(pin), null, 60, undefined, step(1), { keys: account, attemptId: 'a1' });
        expect(first).toEqual({ swapped: true, reservation: { granted: true, attemptId: 'a1', seen: [0, 0] } });
        expect(await store.getSession(callId)).toEqual({ phase: 'pin' });
        // The step is this delivery's now: another is refused it, and reserves nothing.
        expect(await store.swapSession(callId, sessionVersion(pin), null, 60, undefined, step(1, 'delivery-b'), { keys: account, attemptId: 'b1' })).toEqual({
          swapped: false,
          session: { phase: 'pin' },
          locked: false,
        });
        // A stale copy reserves nothing either: four more fit under the account's five.
        expect(await store.swapSession(callId, sessionVersion('{}'), null, 60, undefined, step(2), { keys: account, attemptId: 'c1' })).toMatchObject({ swapped: false, locked: true });
        const more = await Promise.all(['d', 'e', 'f', 'g'].map((id) => store.reservePinAttempt(account, id)));
        expect(more.every((r) => r.granted)).toBe(true);
        // Five in flight: the next swap is made (the step claimed) but its attempt refused.
        expect(await store.swapSession(callId, sessionVersion(pin), null, 60, undefined, step(3), { keys: account, attemptId: 'h' })).toEqual({
          swapped: true,
          reservation: { granted: false },
        });
        expect(await store.acquireLock(`step:${callId}:3`, 'delivery-b', 10_000)).toBe(false);
        // The first attempt settled wrong with the session's put: counted, and the put made.
        if (first.swapped && first.reservation?.granted) {
          await store.putSession(callId, { phase: 'pin-again' }, 60, undefined, { keys: account, reservation: first.reservation, outcome: 'wrong' });
        }
        expect(await store.getSession(callId)).toEqual({ phase: 'pin-again' });
        for (const r of more) if (r.granted) await store.settlePinAttempt(account, r, 'unchecked');
        const next = await store.reservePinAttempt(account, 'i');
        expect(next).toEqual({ granted: true, attemptId: 'i', seen: [1, 1] });
      }));

    it('a session put takes the claim it carries as acquireLock does, and says whether it is held', () =>
      withStore(async (store) => {
        const callId = randomUUID();
        const claim = (owner: string) => ({ key: `step:${callId}:ring`, owner, ttlMs: 10_000 });
        expect(await store.putSession(callId, { phase: 'ringing' }, 60, undefined, undefined, claim('a'))).toBe(true);
        expect(await store.putSession(callId, { phase: 'ringing-b' }, 60, undefined, undefined, claim('b'))).toBe(false);
        expect(await store.getSession(callId)).toEqual({ phase: 'ringing-b' });
        expect(await store.acquireLock(`step:${callId}:ring`, 'a', 10_000)).toBe(true);
        expect(await store.putSession(callId, { phase: 'x' }, 60)).toBe(true);
      }));

    it('publishes the announcement a session put carries, after the session is there to read', () =>
      withStore(async (store) => {
        const callId = randomUUID();
        const seen: (string | null)[] = [];
        const arrived = inbox(1);
        const stop = await store.subscribe('calls', (m) => {
          void store.getSession<{ phase: string }>(callId).then((s) => {
            seen.push(`${m}: ${s?.phase ?? 'no session'}`);
            arrived.got();
          });
        });
        await store.putSession(callId, { phase: 'menu' }, 60, { channel: 'calls', message: 'call updated' });
        await arrived.all;
        expect(seen).toEqual(['call updated: menu']);
        await stop();
      }));

    it('delivers published messages to every subscriber of the channel until they leave', () =>
      withStore(async (store) => {
        const first: string[] = [];
        const second: string[] = [];
        const elsewhere: string[] = [];
        const twoArrived = inbox(2);
        const stopFirst = await store.subscribe('calls', (m) => {
          first.push(m);
          twoArrived.got();
        });
        const stopSecond = await store.subscribe('calls', (m) => second.push(m));
        const stopElsewhere = await store.subscribe('tickets', (m) => elsewhere.push(m));

        await store.publish('calls', 'call 1 started');
        await store.publish('calls', 'call 1 ended');
        await twoArrived.all;
        expect(first).toEqual(['call 1 started', 'call 1 ended']);

        await stopFirst();
        const oneMore = inbox(1);
        const stopThird = await store.subscribe('calls', () => oneMore.got());
        await store.publish('calls', 'call 2 started');
        await oneMore.all;
        expect(first).toEqual(['call 1 started', 'call 1 ended']);
        expect(second).toEqual(['call 1 started', 'call 1 ended', 'call 2 started']);
        expect(elsewhere).toEqual([]);
        await Promise.all([stopSecond(), stopThird(), stopElsewhere()]);
      }));

    it('refuses a lock or session that would never expire', () =>
      withStore(async (store) => {
        await expect(store.acquireLock('k', 'o', 0)).rejects.toThrow(RangeError);
        await expect(store.putSession(randomUUID(), {}, 0)).rejects.toThrow(RangeError);
      }));
  });
}

describe('in-process live store on its own clock', () => {
  function clock(start = Date.parse('2026-03-02T10:00:00Z')) {
    let now = start;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  }

  it('lets a session lapse when its time is up', async () => {
    const time = clock();
    const store = new MemoryLiveStore({ now: time.now });
    await store.putSession('call-1', { phase: 'menu' }, 60);
    time.advance(59_999);
    expect(await store.listSessions()).toEqual(['call-1']);
    time.advance(1);
    expect(await store.getSession('call-1')).toBeNull();
    expect(await store.listSessions()).toEqual([]);
  });

  it('lifts a PIN lock fifteen minutes after it was set, with a fresh set of tries', async () => {
    const time = clock();
    const store = new MemoryLiveStore({ now: time.now });
    for (let n = 0; n < 5; n++) {
      await store.recordPinFailure('account', '10001');
      time.advance(MINUTE);
    }
    // Locked at the fifth failure, four minutes in; the loop moved one more minute.
    time.advance(13 * MINUTE);
    expect(await store.isPinLocked('account', '10001')).toBe(true);
    time.advance(MINUTE);
    expect(await store.isPinLocked('account', '10001')).toBe(false);
    expect(await store.recordPinFailure('account', '10001')).toEqual({ failures: 1, locked: false });
  });

  it('counts failures within fifteen minutes of the first only', async () => {
    const time = clock();
    const store = new MemoryLiveStore({ now: time.now });
    for (let n = 0; n < 4; n++) await store.recordPinFailure('caller', '+447700900123');
    time.advance(15 * MINUTE);
    expect(await store.recordPinFailure('caller', '+447700900123')).toEqual({ failures: 1, locked: false });
  });

  it('lets another owner take an expired lock, which the first owner can no longer release', async () => {
    const time = clock();
    const store = new MemoryLiveStore({ now: time.now });
    await store.acquireLock('engineer:7', 'call-a', 30_000);
    time.advance(30_000);
    expect(await store.acquireLock('engineer:7', 'call-b', 30_000)).toBe(true);
    await store.releaseLock('engineer:7', 'call-a');
    expect(await store.acquireLock('engineer:7', 'call-c', 30_000)).toBe(false);
  });

  it('keeps its own copy of a session, as Redis would', async () => {
    const store = new MemoryLiveStore();
    const state = { phase: 'menu' };
    await store.putSession('call-1', state, 60);
    state.phase = 'changed after put';
    expect(await store.getSession('call-1')).toEqual({ phase: 'menu' });
  });
});

describe('Redis live store expiries and namespaces', () => {
  it('sets the expiry of sessions, PIN locks and locks on the keys themselves', async () => {
    const fresh = await freshRedisLiveStore();
    const redis = new Redis(REDIS_URL);
    try {
      await fresh.store.putSession('call-1', { phase: 'menu' }, 90);
      for (let n = 0; n < 3; n++) await fresh.store.recordPinFailure('account', '10001');
      for (let n = 0; n < 5; n++) await fresh.store.recordPinFailure('caller', '+447700900123');
      await fresh.store.acquireLock('engineer:7', 'call-a', 45_000);

      const ttl = (suffix: string) => redis.pttl(fresh.prefix + suffix);
      expectWithin(await ttl('session:call-1'), 90_000);
      expectWithin(await ttl('pin:fail:account:10001'), PIN_LOCKOUT.account.windowSeconds * 1000);
      expectWithin(await ttl('pin:lock:caller:+447700900123'), PIN_LOCKOUT.caller.lockSeconds * 1000);
      expectWithin(await ttl('lock:engineer:7'), 45_000);
      expect(await redis.exists(fresh.prefix + 'pin:fail:caller:+447700900123')).toBe(0); // reset on locking
    } finally {
      redis.disconnect();
      await fresh.cleanup();
    }
  });

  it('releases a lock only if its owner still holds it (compare and delete)', async () => {
    const fresh = await freshRedisLiveStore();
    const redis = new Redis(REDIS_URL);
    try {
      await fresh.store.acquireLock('engineer:7', 'call-a', 30_000);
      // As if call-a's lock expired and call-b took the engineer.
      await redis.del(fresh.prefix + 'lock:engineer:7');
      expect(await fresh.store.acquireLock('engineer:7', 'call-b', 30_000)).toBe(true);
      await fresh.store.releaseLock('engineer:7', 'call-a');
      expect(await redis.get(fresh.prefix + 'lock:engineer:7')).toBe('call-b');
    } finally {
      redis.disconnect();
      await fresh.cleanup();
    }
  });

  it('keeps each prefix to itself, and cleans up after a test', async () => {
    const [one, two] = [await freshRedisLiveStore(), await freshRedisLiveStore()];
    try {
      await one.store.putSession('call-1', { owner: 'one' }, 60);
      expect(await two.store.getSession('call-1')).toBeNull();
      expect(await two.store.listSessions()).toEqual([]);

      const heard: string[] = [];
      await two.store.subscribe('calls', (m) => heard.push(m));
      const own = inbox(1);
      await one.store.subscribe('calls', () => own.got());
      await one.store.publish('calls', 'for one only');
      await own.all;
      expect(heard).toEqual([]);
    } finally {
      await Promise.all([one.cleanup(), two.cleanup()]);
    }
    expect(await keysUnder(one.prefix)).toEqual([]);
  });

  it('fails fast with the address when Redis is not there', async () => {
    const { openRedisLiveStore } = await import('../../src/store/live/redis.ts');
    // Port 1 on loopback: nothing listens there.
    await expect(openRedisLiveStore('redis://127.0.0.1:1', { onError: () => undefined })).rejects.toThrow(
      /Redis is not reachable at redis:\/\/127\.0\.0\.1:1/,
    );
  });
});

/** Resolves once `count` messages have arrived (pub/sub delivery is asynchronous). */
function inbox(count: number): { got(): void; all: Promise<void> } {
  let left = count;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  return {
    got() {
      left -= 1;
      if (left === 0) done();
    },
    all,
  };
}

function expectWithin(ttlMs: number, limitMs: number): void {
  expect(ttlMs).toBeGreaterThan(limitMs - 5_000);
  expect(ttlMs).toBeLessThanOrEqual(limitMs);
}
