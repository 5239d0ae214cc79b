// The live store in this process's memory, with the same rules as Redis. The clock
// is injected so tests can move time instead of waiting for it.
import {
  failuresNow,
  forgetSeenFailures,
  isLocked,
  mayAttempt,
  PIN_LOCKOUT,
  recordFailure,
  type PinFailureState,
  type PinLockoutRule,
  type PinScope,
} from '../../domain/pin-policy.ts';
import {
  PIN_RESERVATION_MS,
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
} from './live-store.ts';

export interface MemoryLiveStoreOptions {
  /** Milliseconds since the epoch. */
  now?: () => number;
  pinRules?: Readonly<Record<PinScope, PinLockoutRule>>;
  onError?: (err: unknown) => void;
}

export class MemoryLiveStore implements LiveStore {
  private readonly now: () => number;
  private readonly pinRules: Readonly<Record<PinScope, PinLockoutRule>>;
  private readonly onError: (err: unknown) => void;
  // Sessions are kept as JSON, as in Redis, so a caller cannot mutate the stored copy.
  private readonly sessions = new Map<string, { json: string; expiresAt: number }>();
  private readonly pins = new Map<string, PinFailureState>();
  private readonly locks = new Map<string, { owner: string; expiresAt: number }>();
  /** PIN attempts being checked, by scope:id → attempt id → when the reservation lapses. */
  private readonly pinAttempts = new Map<string, Map<string, number>>();
  private readonly channels = new Map<string, Set<(message: string) => void>>();
  private readonly hits = new Map<string, { count: number; expiresAt: number }>();
  private readonly claims = new Map<string, { value: string; expiresAt: number }>();

  constructor(opts: MemoryLiveStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.pinRules = opts.pinRules ?? PIN_LOCKOUT;
    this.onError = opts.onError ?? ((err) => console.error('live store subscriber failed', err));
  }

  async getSession<T>(callId: string): Promise<T | null> {
    const entry = this.sessions.get(callId);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.sessions.delete(callId);
      return null;
    }
    return JSON.parse(entry.json) as T;
  }

  async getSessionAndLock<T>(callId: string, lockKey: string, owner: string, ttlMs: number): Promise<{ session: T | null; locked: boolean }> {
    return { session: await this.getSession<T>(callId), locked: await this.acquireLock(lockKey, owner, ttlMs) };
  }

  async putSession(callId: string, value: unknown, ttlSeconds: number, announce?: Announcement, settle?: PinSettlement, claim?: StepClaim): Promise<boolean> {
    requireTtl(ttlSeconds * 1000);
    const claimed = claim ? await this.acquireLock(claim.key, claim.owner, claim.ttlMs) : true;
    if (settle) await this.settlePinAttempt(settle.keys, settle.reservation, settle.outcome);
    this.sessions.set(callId, { json: JSON.stringify(value), expiresAt: this.now() + ttlSeconds * 1000 });
    if (announce) await this.publish(announce.channel, announce.message);
    return claimed;
  }

  async swapSession<T>(
    callId: string,
    expected: string,
    json: string | null,
    ttlSeconds: number,
    announce: Announcement | undefined,
    claim: StepClaim | undefined,
    reserve?: PinAttempt,
  ): Promise<SwapResult<T>> {
    requireTtl(ttlSeconds * 1000);
    const entry = this.sessions.get(callId);
    const stored = entry && entry.expiresAt > this.now() ? entry.json : null;
    const held = claim ? this.locks.get(claim.key) : undefined;
    const free = !held || held.expiresAt <= this.now() || held.owner === claim?.owner;
    if (stored !== null && sessionVersion(stored) === expected && free) {
      if (json !== null) {
        this.sessions.set(callId, { json, expiresAt: this.now() + ttlSeconds * 1000 });
        if (announce) await this.publish(announce.channel, announce.message);
        return { swapped: true };
      }
      if (claim) await this.acquireLock(claim.key, claim.owner, claim.ttlMs);
      return reserve ? { swapped: true, reservation: await this.reservePinAttempt(reserve.keys, reserve.attemptId) } : { swapped: true };
    }
    const locked = claim ? await this.acquireLock(claim.key, claim.owner, claim.ttlMs) : true;
    return { swapped: false, session: stored === null ? null : (JSON.parse(stored) as T), locked };
  }

  async deleteSession(callId: string): Promise<void> {
    this.sessions.delete(callId);
  }

  async listSessions(): Promise<string[]> {
    const now = this.now();
    return [...this.sessions].filter(([, entry]) => entry.expiresAt > now).map(([callId]) => callId);
  }

  async reservePinAttempt(keys: readonly PinAttemptKey[], attemptId: string): Promise<PinReservation> {
    const now = this.now();
    const seen: number[] = [];
    for (const { scope, id } of keys) {
      const key = `${scope}:${id}`;
      const state = this.pins.get(key) ?? null;
      if (!mayAttempt(state, this.inFlight(key, now), now, this.pinRules[scope])) return { granted: false };
      seen.push(failuresNow(state, now));
    }
    for (const { scope, id } of keys) {
      const key = `${scope}:${id}`;
      const attempts = this.pinAttempts.get(key) ?? new Map<string, number>();
      attempts.set(attemptId, now + PIN_RESERVATION_MS);
      this.pinAttempts.set(key, attempts);
    }
    return { granted: true, attemptId, seen };
  }

  async settlePinAttempt(
    keys: readonly PinAttemptKey[],
    reservation: GrantedPinReservation,
    outcome: 'right' | 'wrong' | 'unchecked',
  ): Promise<{ locked: boolean }> {
    const now = this.now();
    let locked = false;
    keys.forEach(({ scope, id }, i) => {
      const key = `${scope}:${id}`;
      this.pinAttempts.get(key)?.delete(reservation.attemptId);
      const state = this.pins.get(key) ?? null;
      if (outcome === 'wrong') {
        const result = recordFailure(state, now, this.pinRules[scope]);
        this.pins.set(key, result.state);
        locked ||= result.locked;
      } else if (outcome === 'right' && scope === 'account') {
        const left = forgetSeenFailures(state, reservation.seen[i] ?? 0, now);
        if (left) this.pins.set(key, left);
        else this.pins.delete(key);
      }
    });
    return { locked };
  }

  private inFlight(key: string, now: number): number {
    const attempts = this.pinAttempts.get(key);
    if (!attempts) return 0;
    for (const [attemptId, until] of attempts) if (until <= now) attempts.delete(attemptId);
    if (attempts.size === 0) this.pinAttempts.delete(key);
    return attempts.size;
  }

  async recordPinFailure(scope: PinScope, id: string): Promise<{ failures: number; locked: boolean }> {
    const key = `${scope}:${id}`;
    const result = recordFailure(this.pins.get(key) ?? null, this.now(), this.pinRules[scope]);
    this.pins.set(key, result.state);
    return { failures: result.failures, locked: result.locked };
  }

  async isPinLocked(scope: PinScope, id: string): Promise<boolean> {
    return isLocked(this.pins.get(`${scope}:${id}`) ?? null, this.now());
  }

  async clearPinFailures(scope: PinScope, id: string): Promise<void> {
    this.pins.delete(`${scope}:${id}`);
  }

  async acquireLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    requireTtl(ttlMs);
    const now = this.now();
    const held = this.locks.get(key);
    if (held && held.expiresAt > now && held.owner !== owner) return false;
    this.locks.set(key, { owner, expiresAt: now + ttlMs });
    return true;
  }

  async releaseLock(key: string, owner: string): Promise<void> {
    const held = this.locks.get(key);
    if (held && held.owner === owner && held.expiresAt > this.now()) this.locks.delete(key);
  }

  async claim(key: string, value: string, ttlMs: number): Promise<string> {
    requireTtl(ttlMs);
    const held = await this.claimOf(key);
    if (held !== null) return held;
    this.claims.set(key, { value, expiresAt: this.now() + ttlMs });
    return value;
  }

  async claimOf(key: string): Promise<string | null> {
    const held = this.claims.get(key);
    if (!held) return null;
    if (held.expiresAt > this.now()) return held.value;
    this.claims.delete(key);
    return null;
  }

  async hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }> {
    requireTtl(windowMs);
    const now = this.now();
    const current = this.hits.get(key);
    const entry = current && current.expiresAt > now ? current : { count: 0, expiresAt: now + windowMs };
    entry.count += 1;
    this.hits.set(key, entry);
    return { count: entry.count, resetMs: entry.expiresAt - now };
  }

  async clearHits(key: string): Promise<void> {
    this.hits.delete(key);
  }

  async publish(channel: string, message: string): Promise<void> {
    // Delivered after publish returns, as from Redis.
    for (const handler of [...(this.channels.get(channel) ?? [])]) {
      queueMicrotask(() => {
        try {
          handler(message);
        } catch (err) {
          this.onError(err);
        }
      });
    }
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    // Each subscription is its own entry, so subscribing one function twice needs two unsubscribes.
    const entry = (message: string) => handler(message);
    const handlers = this.channels.get(channel) ?? new Set();
    handlers.add(entry);
    this.channels.set(channel, handlers);
    return async () => {
      handlers.delete(entry);
      if (handlers.size === 0 && this.channels.get(channel) === handlers) this.channels.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
  }
}

export function requireTtl(ms: number): void {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`ttl must be positive, got ${ms} ms`);
}
