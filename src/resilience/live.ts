// The live store with Redis allowed to go away. Every session is also kept in this
// process (write-through), so calls in progress carry on when Redis does not answer;
// PIN lockout, rate limits and engineer locks fall back to this instance's own
// counters and locks; pub/sub falls back to this instance's subscribers. When Redis
// answers again, what was written meanwhile is put back (sessions, held locks,
// releases, subscriptions) and Redis is the shared truth again.
//
// What "per instance" costs while Redis is away (docs/operations.md): a PIN guesser
// spread over N instances gets N times the tries; two instances could each ring the
// same engineer for different calls; a Twilio webhook for a call landing on an
// instance that has never seen the call cannot continue it.
import type { Logger } from 'pino';
import { PIN_LOCKOUT, type PinLockoutRule, type PinScope } from '../domain/pin-policy.ts';
import {
  sessionVersion,
  type Announcement,
  type GrantedPinReservation,
  type LiveStore,
  type PinAttempt,
  type PinAttemptKey,
  type PinReservation,
  type PinSettlement,
  type StepClaim,
  type SwapResult,
} from '../store/live/live-store.ts';
import { MemoryLiveStore } from '../store/live/memory.ts';
import { isUnavailable, withTimeout } from './unavailable.ts';

export type RedisMode = 'up' | 'down';

export interface ResilientLiveOptions {
  logger: Logger;
  /** How long a call waits on Redis before falling back (default 1000 ms). */
  timeoutMs?: number;
  /** How often an unreachable Redis is asked again (default 1000 ms). */
  probeMs?: number;
  /** Milliseconds since the epoch (tests move it). */
  now?: () => number;
  pinRules?: Readonly<Record<PinScope, PinLockoutRule>>;
  onMode?: (mode: RedisMode) => void;
  /** Redis was unreachable at start-up: begin per instance and probe. */
  startDown?: boolean;
}

export interface LiveStatus {
  mode: RedisMode;
  downSince: string | null;
  /** Sessions written only here while Redis was away, waiting to be put back. */
  unsynced: number;
  /** Engineer locks granted by this instance alone while Redis was away. */
  localLocks: number;
  lastError: string | null;
}

export interface ResilientLiveStore extends LiveStore {
  status(): LiveStatus;
  /** Asks Redis now and, if it answers, puts back what was written meanwhile. */
  recover(): Promise<boolean>;
}

interface HeldLock {
  owner: string;
  expiresAt: number;
  /** False while only this instance knows of it (granted with Redis away). */
  shared: boolean;
}

const SWEEP_MS = 60_000;

export function resilientLiveStore(redis: LiveStore, opts: ResilientLiveOptions): ResilientLiveStore {
  const log = opts.logger.child({ component: 'live-store' });
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 1000;
  const probeMs = opts.probeMs ?? 1000;
  const local = new MemoryLiveStore({ now, pinRules: opts.pinRules ?? PIN_LOCKOUT, onError: (err) => log.warn({ err }, 'subscriber failed') });

  let mode: RedisMode = 'up';
  let downSince: number | null = null;
  let lastError: string | null = null;
  let probeTimer: NodeJS.Timeout | null = null;
  let recovering: Promise<boolean> | null = null;
  let closed = false;

  const sessions = new Map<string, { json: string; expiresAt: number }>();
  /** Sessions written while Redis was away. */
  const unsynced = new Set<string>();
  const deletes = new Set<string>();
  const locks = new Map<string, HeldLock>();
  const releases = new Map<string, string>();
  /** Redis subscriptions to make once Redis is back: channel → handler and where to keep the unsubscribe. */
  const subscriptions = new Set<{ channel: string; handler: (m: string) => void; unsubscribe: (() => Promise<void>) | null; closed: boolean }>();

  if (opts.startDown) {
    mode = 'down';
    downSince = now();
    lastError = 'unreachable at start-up';
    scheduleProbe();
  }

  const sweeper = setInterval(() => {
    const t = now();
    for (const [id, s] of sessions) {
      if (s.expiresAt > t) continue;
      sessions.delete(id);
      unsynced.delete(id);
    }
    for (const [key, l] of locks) if (l.expiresAt <= t) locks.delete(key);
  }, SWEEP_MS);
  sweeper.unref();

  function wentDown(err: unknown): void {
    lastError = err instanceof Error ? err.message : String(err);
    if (mode === 'down') return;
    mode = 'down';
    downSince = now();
    opts.onMode?.('down');
    log.warn({ err }, 'redis unreachable: calls continue on this instance’s copy; PIN limits and engineer locks are per instance');
    scheduleProbe();
  }

  function scheduleProbe(): void {
    if (closed || probeTimer) return;
    probeTimer = setTimeout(() => {
      probeTimer = null;
      void recover().then((ok) => {
        if (!ok) scheduleProbe();
      });
    }, probeMs);
    probeTimer.unref();
  }

  /** Redis, or `undefined` when it is away (then the caller uses the local copy). */
  async function tryRedis<T>(what: string, fn: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (mode === 'down') return undefined;
    try {
      return { value: await withTimeout(fn(), timeoutMs, `redis ${what}`) };
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      wentDown(err);
      return undefined;
    }
  }

  function localSession<T>(callId: string): T | null {
    const s = sessions.get(callId);
    if (!s || s.expiresAt <= now()) return null;
    return JSON.parse(s.json) as T;
  }

  function remainingSeconds(expiresAt: number): number {
    return Math.max(1, Math.ceil((expiresAt - now()) / 1000));
  }

  /** A PIN lock this instance earned while Redis was away (it still holds after Redis is back). */
  async function lockedHere(keys: readonly PinAttemptKey[]): Promise<boolean> {
    for (const k of keys) if (await local.isPinLocked(k.scope, k.id)) return true;
    return false;
  }

  /** A right PIN settled in Redis also forgets the account's failures counted here. */
  async function forgetLocalFailures(keys: readonly PinAttemptKey[]): Promise<void> {
    for (const k of keys) if (k.scope === 'account') await local.clearPinFailures(k.scope, k.id);
  }

  async function recover(): Promise<boolean> {
    if (recovering) return recovering;
    recovering = (async () => {
      try {
        await withTimeout(redis.getSession('__probe__'), timeoutMs, 'redis probe');
        // Put back what only this instance knows, then trust Redis again.
        for (const callId of [...unsynced]) {
          const s = sessions.get(callId);
          if (s && s.expiresAt > now()) await withTimeout(redis.putSession(callId, JSON.parse(s.json), remainingSeconds(s.expiresAt)), timeoutMs, 'redis put back');
          unsynced.delete(callId);
        }
        for (const callId of [...deletes]) {
          await withTimeout(redis.deleteSession(callId), timeoutMs, 'redis delete');
          deletes.delete(callId);
        }
        for (const [key, owner] of [...releases]) {
          await withTimeout(redis.releaseLock(key, owner), timeoutMs, 'redis release');
          releases.delete(key);
        }
        for (const [key, held] of locks) {
          if (held.shared || held.expiresAt <= now()) continue;
          const ok = await withTimeout(redis.acquireLock(key, held.owner, held.expiresAt - now()), timeoutMs, 'redis lock');
          if (!ok) log.warn({ key, owner: held.owner }, 'a lock granted while redis was away is held elsewhere too');
          held.shared = true;
        }
        for (const sub of subscriptions) {
          if (sub.unsubscribe || sub.closed) continue;
          sub.unsubscribe = await withTimeout(redis.subscribe(sub.channel, sub.handler), timeoutMs, 'redis subscribe');
        }
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        return false;
      }
      if (mode === 'down') {
        log.info({ downForMs: downSince ? now() - downSince : null }, 'redis reachable again: live state shared again');
        opts.onMode?.('up');
      }
      mode = 'up';
      downSince = null;
      return true;
    })().finally(() => {
      recovering = null;
    });
    return recovering;
  }

  const store: ResilientLiveStore = {
    status() {
      return {
        mode,
        downSince: downSince === null ? null : new Date(downSince).toISOString(),
        unsynced: unsynced.size,
        localLocks: [...locks.values()].filter((l) => !l.shared && l.expiresAt > now()).length,
        lastError,
      };
    },

    recover,

    async getSession<T>(callId: string): Promise<T | null> {
      if (unsynced.has(callId)) return localSession<T>(callId);
      const fromRedis = await tryRedis('get session', () => redis.getSession<T>(callId));
      if (!fromRedis) return localSession<T>(callId);
      // Redis restarted empty: this instance's copy carries the call on (and goes back at the next put).
      return fromRedis.value ?? localSession<T>(callId);
    },

    async getSessionAndLock<T>(callId: string, lockKey: string, owner: string, ttlMs: number): Promise<{ session: T | null; locked: boolean }> {
      const shared = unsynced.has(callId) ? undefined : await tryRedis('get session and lock', () => redis.getSessionAndLock<T>(callId, lockKey, owner, ttlMs));
      if (shared) {
        if (shared.value.locked) locks.set(lockKey, { owner, expiresAt: now() + ttlMs, shared: true });
        else if (locks.get(lockKey)?.owner !== owner) locks.delete(lockKey);
        return { session: shared.value.session ?? localSession<T>(callId), locked: shared.value.locked };
      }
      // This instance's copy of the call is newer than Redis's, or Redis is away.
      return { session: localSession<T>(callId), locked: await store.acquireLock(lockKey, owner, ttlMs) };
    },

    async putSession(callId: string, value: unknown, ttlSeconds: number, announce?: Announcement, settle?: PinSettlement, claim?: StepClaim): Promise<boolean> {
      const json = JSON.stringify(value);
      sessions.set(callId, { json, expiresAt: now() + ttlSeconds * 1000 });
      deletes.delete(callId);
      const put = await tryRedis('put session', () => redis.putSession(callId, value, ttlSeconds, announce, settle, claim));
      if (put) {
        unsynced.delete(callId);
        if (settle?.outcome === 'right') await forgetLocalFailures(settle.keys);
        if (claim && put.value) locks.set(claim.key, { owner: claim.owner, expiresAt: now() + claim.ttlMs, shared: true });
        else if (claim && locks.get(claim.key)?.owner !== claim.owner) locks.delete(claim.key);
        return put.value;
      }
      unsynced.add(callId);
      // Settled here, as settlePinAttempt does with Redis away (a reservation left in Redis lapses).
      if (settle) await local.settlePinAttempt(settle.keys, settle.reservation, settle.outcome);
      if (announce) await local.publish(announce.channel, announce.message);
      return claim ? store.acquireLock(claim.key, claim.owner, claim.ttlMs) : true;
    },

    async swapSession<T>(
      callId: string,
      expected: string,
      json: string | null,
      ttlSeconds: number,
      announce: Announcement | undefined,
      claim: StepClaim | undefined,
      reserve?: PinAttempt,
    ): Promise<SwapResult<T>> {
      // A lock earned while Redis was away still holds here after it comes back: no attempt is reserved.
      const refused = reserve ? await lockedHere(reserve.keys) : false;
      const attempt = refused ? undefined : reserve;
      const shared = unsynced.has(callId) ? undefined : await tryRedis('swap session', () => redis.swapSession<T>(callId, expected, json, ttlSeconds, announce, claim, attempt));
      if (shared) {
        const result = shared.value;
        if (result.swapped) {
          if (json !== null) sessions.set(callId, { json, expiresAt: now() + ttlSeconds * 1000 });
          else if (claim) locks.set(claim.key, { owner: claim.owner, expiresAt: now() + claim.ttlMs, shared: true });
          return reserve && json === null && refused ? { swapped: true, reservation: { granted: false } } : result;
        }
        if (claim && result.locked) locks.set(claim.key, { owner: claim.owner, expiresAt: now() + claim.ttlMs, shared: true });
        else if (claim && locks.get(claim.key)?.owner !== claim.owner) locks.delete(claim.key);
        // Redis restarted empty: this instance's copy carries the call on, as for a read.
        return { ...result, session: result.session ?? localSession<T>(callId) };
      }
      // This instance's copy of the call is newer than Redis's, or Redis is away: compare with that copy.
      const mine = sessions.get(callId);
      const held = claim ? locks.get(claim.key) : undefined;
      const free = !held || held.expiresAt <= now() || held.owner === claim?.owner;
      if (mine && mine.expiresAt > now() && sessionVersion(mine.json) === expected && free) {
        if (json !== null) {
          // Written as any put is: here, and to Redis if it answers now.
          await store.putSession(callId, JSON.parse(json), ttlSeconds, announce);
          return { swapped: true };
        }
        // Only compared: the step claimed and the attempt reserved as each is on its own.
        if (claim && !(await store.acquireLock(claim.key, claim.owner, claim.ttlMs))) return { swapped: false, session: localSession<T>(callId), locked: false };
        return reserve ? { swapped: true, reservation: await store.reservePinAttempt(reserve.keys, reserve.attemptId) } : { swapped: true };
      }
      return { swapped: false, session: localSession<T>(callId), locked: claim ? await store.acquireLock(claim.key, claim.owner, claim.ttlMs) : true };
    },

    async deleteSession(callId: string): Promise<void> {
      sessions.delete(callId);
      unsynced.delete(callId);
      const done = await tryRedis('delete session', () => redis.deleteSession(callId));
      if (!done) deletes.add(callId);
    },

    async listSessions(): Promise<string[]> {
      const t = now();
      const mine = new Set([...sessions].filter(([, s]) => s.expiresAt > t).map(([id]) => id));
      const fromRedis = await tryRedis('list sessions', () => redis.listSessions());
      if (!fromRedis) return [...mine];
      return [...new Set([...fromRedis.value, ...[...unsynced].filter((id) => mine.has(id))])];
    },

    async reservePinAttempt(keys: readonly PinAttemptKey[], attemptId: string): Promise<PinReservation> {
      // A lock earned while Redis was away still holds here after it comes back.
      if (await lockedHere(keys)) return { granted: false };
      const shared = await tryRedis('PIN attempt', () => redis.reservePinAttempt(keys, attemptId));
      return shared ? shared.value : local.reservePinAttempt(keys, attemptId);
    },

    async settlePinAttempt(keys: readonly PinAttemptKey[], reservation: GrantedPinReservation, outcome: 'right' | 'wrong' | 'unchecked') {
      // Settled where it was reserved if that store still answers; a reservation left in the other lapses.
      const shared = await tryRedis('PIN attempt', () => redis.settlePinAttempt(keys, reservation, outcome));
      if (shared) {
        if (outcome === 'right') await forgetLocalFailures(keys);
        return shared.value;
      }
      return local.settlePinAttempt(keys, reservation, outcome);
    },

    async recordPinFailure(scope: PinScope, id: string) {
      const shared = await tryRedis('PIN failure', () => redis.recordPinFailure(scope, id));
      return shared ? shared.value : local.recordPinFailure(scope, id);
    },

    async isPinLocked(scope: PinScope, id: string): Promise<boolean> {
      // A lock earned while Redis was away still holds here after it comes back.
      if (await local.isPinLocked(scope, id)) return true;
      const shared = await tryRedis('PIN lock', () => redis.isPinLocked(scope, id));
      return shared?.value ?? false;
    },

    async clearPinFailures(scope: PinScope, id: string): Promise<void> {
      await local.clearPinFailures(scope, id);
      await tryRedis('clear PIN failures', () => redis.clearPinFailures(scope, id));
    },

    async acquireLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
      // While Redis answers it is the only truth: a release made by another instance
      // deletes only the Redis key, so this instance's own entry may be stale.
      const shared = await tryRedis('lock', () => redis.acquireLock(key, owner, ttlMs));
      if (shared) {
        if (shared.value) locks.set(key, { owner, expiresAt: now() + ttlMs, shared: true });
        else if (locks.get(key)?.owner !== owner) locks.delete(key);
        return shared.value;
      }
      // Redis away: this instance's own locks are all it can go by.
      const held = locks.get(key);
      if (held && held.expiresAt > now() && held.owner !== owner) return false;
      locks.set(key, { owner, expiresAt: now() + ttlMs, shared: false });
      return true;
    },

    async releaseLock(key: string, owner: string): Promise<void> {
      const held = locks.get(key);
      if (held?.owner === owner) locks.delete(key);
      const done = await tryRedis('release lock', () => redis.releaseLock(key, owner));
      if (!done && held?.owner === owner && held.shared) releases.set(key, owner);
    },

    async claim(key: string, value: string, ttlMs: number): Promise<string> {
      // With Redis away the claim holds for this instance only (docs/operations.md).
      const shared = await tryRedis('claim', () => redis.claim(key, value, ttlMs));
      return shared ? local.claim(key, shared.value, ttlMs).then(() => shared.value) : local.claim(key, value, ttlMs);
    },

    async claimOf(key: string): Promise<string | null> {
      const shared = await tryRedis('claim', () => redis.claimOf(key));
      return shared?.value ?? local.claimOf(key);
    },

    async hit(key: string, windowMs: number) {
      const shared = await tryRedis('rate limit', () => redis.hit(key, windowMs));
      return shared ? shared.value : local.hit(key, windowMs);
    },

    async clearHits(key: string): Promise<void> {
      await local.clearHits(key);
      await tryRedis('clear rate limit', () => redis.clearHits(key));
    },

    async publish(channel: string, message: string): Promise<void> {
      const sent = await tryRedis('publish', () => redis.publish(channel, message));
      if (!sent) await local.publish(channel, message);
    },

    async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
      const unsubscribeLocal = await local.subscribe(channel, handler);
      const sub = { channel, handler, unsubscribe: null as (() => Promise<void>) | null, closed: false };
      subscriptions.add(sub);
      const shared = await tryRedis('subscribe', () => redis.subscribe(channel, handler));
      if (shared) sub.unsubscribe = shared.value;
      return async () => {
        sub.closed = true;
        subscriptions.delete(sub);
        await unsubscribeLocal();
        if (sub.unsubscribe) await tryRedis('unsubscribe', sub.unsubscribe);
      };
    },

    async close(): Promise<void> {
      closed = true;
      clearInterval(sweeper);
      if (probeTimer) clearTimeout(probeTimer);
      await local.close();
      await redis.close().catch((err: unknown) => log.warn({ err }, 'redis did not close cleanly'));
    },
  };
  return store;
}
