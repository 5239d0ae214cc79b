// Live state that must be shared between instances but need not outlive a call:
// call sessions (so another instance can resume a call), PIN lockout counters,
// short locks (one escalation per engineer) and pub/sub for the console.
// Redis in production; an in-process store for a single instance, the CLI and tests.
// Redis holds live state only, never the only copy of a promise: tickets and timers are in Postgres.
import { createHash } from 'node:crypto';
import type { PinScope } from '../../domain/pin-policy.ts';

export type { PinScope };

export interface LiveStore {
  getSession<T>(callId: string): Promise<T | null>;
  /**
   * Replaces the session; it lapses `ttlSeconds` after the last put. `announce` is
   * published in the same round trip (a key press costs one write to Redis, not two), as
   * are `settle` (a PIN attempt's outcome) and `claim` (taken as `acquireLock` does).
   * Returns whether `claim` is held (true when none was asked for).
   */
  putSession(callId: string, value: unknown, ttlSeconds: number, announce?: Announcement, settle?: PinSettlement, claim?: StepClaim): Promise<boolean>;
  /**
   * The session and, in the same round trip, `lockKey` taken for `owner` as `acquireLock`
   * does (a webhook step claims its step cluster-wide as it reads the call).
   */
  getSessionAndLock<T>(callId: string, lockKey: string, owner: string, ttlMs: number): Promise<{ session: T | null; locked: boolean }>;
  /**
   * Puts the session as `json` only if the stored one is still the one whose JSON has
   * SHA-1 `expected` and no other claimant holds `claim` (the step): one round trip for
   * a step run on the session this instance last wrote. Otherwise changes nothing but
   * takes `claim` as `getSessionAndLock` does and returns what that would: the caller
   * carries on from the stored session with no further read.
   * `json` null puts nothing: the stored session is only compared, `claim` taken and, with
   * `reserve`, a PIN attempt reserved as `reservePinAttempt` does, all in that round trip
   * (a PIN key, run on this copy, reserves its attempt as it claims its step).
   */
  swapSession<T>(
    callId: string,
    expected: string,
    json: string | null,
    ttlSeconds: number,
    announce: Announcement | undefined,
    claim: StepClaim | undefined,
    reserve?: PinAttempt,
  ): Promise<SwapResult<T>>;
  deleteSession(callId: string): Promise<void>;
  /** Call ids with a live session, for resuming calls after a restart. */
  listSessions(): Promise<string[]>;

  /**
   * Reserves one PIN attempt against every (scope, id) at once, before the PIN is checked
   * (src/domain/pin-policy.ts `mayAttempt`): refused while any is locked or its failures
   * plus attempts in flight reach the limit. Atomic across instances. A reservation not
   * settled (the process died) lapses after a minute.
   */
  reservePinAttempt(keys: readonly PinAttemptKey[], attemptId: string): Promise<PinReservation>;
  /**
   * The checked attempt's outcome: `wrong` counts a failure on every key (`locked` once a
   * limit is reached); `right` forgets, for the account, the failures the reservation saw;
   * `unchecked` only gives the reservation back.
   */
  settlePinAttempt(keys: readonly PinAttemptKey[], reservation: GrantedPinReservation, outcome: 'right' | 'wrong' | 'unchecked'): Promise<{ locked: boolean }>;

  /** One wrong PIN (src/domain/pin-policy.ts): `locked` once the limit is reached. */
  recordPinFailure(scope: PinScope, id: string): Promise<{ failures: number; locked: boolean }>;
  isPinLocked(scope: PinScope, id: string): Promise<boolean>;
  /** After a right PIN: forget the failures (and any lock). */
  clearPinFailures(scope: PinScope, id: string): Promise<void>;

  /** True when `owner` now holds `key`, for `ttlMs` unless released sooner (asking again as its holder renews it). */
  acquireLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases `key` only if `owner` still holds it (an expired lock may be someone else's now). */
  releaseLock(key: string, owner: string): Promise<void>;

  /**
   * Sets `key` to `value` unless it holds a value already; returns the value it holds
   * now (ours, or the first one). One answer per key cluster-wide, e.g. the ticket
   * reference a call was given while Postgres was away, whichever instance asks.
   */
  claim(key: string, value: string, ttlMs: number): Promise<string>;
  /** The value `key` was claimed with, or null. */
  claimOf(key: string): Promise<string | null>;

  /**
   * Counts one hit on `key` in a fixed window that opens at the key's first hit and
   * lasts `windowMs` (rate limits shared by every instance, e.g. console sign-in).
   * Returns the count including this hit and the milliseconds until the window ends.
   */
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  /** Forgets `key`'s hits (a successful sign-in). */
  clearHits(key: string): Promise<void>;

  publish(channel: string, message: string): Promise<void>;
  /** Resolves once subscribed (a message published after that is delivered); returns the unsubscribe. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;

  close(): Promise<void>;
}

/** A step claimed cluster-wide for one delivery of it (see `getSessionAndLock`). */
export interface StepClaim {
  key: string;
  owner: string;
  ttlMs: number;
}

/** `reservation`: only when `reserve` was asked for and the stored session was the one expected. */
export type SwapResult<T> = { swapped: true; reservation?: PinReservation } | { swapped: false; session: T | null; locked: boolean };

/** One PIN attempt to reserve (see `reservePinAttempt`). */
export interface PinAttempt {
  keys: readonly PinAttemptKey[];
  attemptId: string;
}

/** A reserved PIN attempt's outcome, settled in the session put's round trip (see `settlePinAttempt`). */
export interface PinSettlement {
  keys: readonly PinAttemptKey[];
  reservation: GrantedPinReservation;
  outcome: 'right' | 'wrong' | 'unchecked';
}

/** The version `swapSession` compares: SHA-1 of the session's JSON, as Redis's `redis.sha1hex` gives it. */
export function sessionVersion(json: string): string {
  return createHash('sha1').update(json, 'utf8').digest('hex');
}

/** A message published with a session put. */
export interface Announcement {
  channel: string;
  message: string;
}

export interface PinAttemptKey {
  scope: PinScope;
  id: string;
}

export interface GrantedPinReservation {
  granted: true;
  attemptId: string;
  /** Failures already counted on each key (in `keys` order) when the attempt was reserved. */
  seen: number[];
}

export type PinReservation = GrantedPinReservation | { granted: false };

/** How long an unsettled PIN reservation holds its place (a process died mid-check). */
export const PIN_RESERVATION_MS = 60_000;

export interface LiveStoreOptions {
  /** `redis://…`: Redis. Absent: the in-process store (one instance only). */
  redisUrl?: string | undefined;
  /** Namespace for every Redis key and channel (default `sl:`). */
  prefix?: string;
  /** Told when a subscriber's handler throws or the Redis connection reports an error. */
  onError?: (err: unknown) => void;
}

export async function openLiveStore(opts: LiveStoreOptions = {}): Promise<LiveStore> {
  if (opts.redisUrl) {
    const { openRedisLiveStore } = await import('./redis.ts');
    return openRedisLiveStore(opts.redisUrl, opts);
  }
  const { MemoryLiveStore } = await import('./memory.ts');
  return new MemoryLiveStore(opts);
}
