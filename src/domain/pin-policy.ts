// Voice PIN lockout. Five wrong PINs for one account within 15 minutes lock voice
// authentication for that account for 15 minutes; the same for one caller number,
// so a caller cannot walk through accounts and an account cannot be attacked from many phones.
// The window opens at the first failure (a fixed window, which Redis does with one expiry).

export type PinScope = 'account' | 'caller';

export interface PinLockoutRule {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

export const PIN_LOCKOUT: Readonly<Record<PinScope, PinLockoutRule>> = {
  account: { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  caller: { maxFailures: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
};

/** What is remembered about one account's or caller's wrong PINs (ms since the epoch). */
export interface PinFailureState {
  failures: number;
  windowEndsAt: number;
  lockedUntil: number | null;
}

export function isLocked(state: PinFailureState | null, now: number): boolean {
  return state?.lockedUntil != null && now < state.lockedUntil;
}

/**
 * One more wrong PIN at `now`. Reaching the limit locks and starts counting afresh,
 * so the caller gets a full set of tries once the lock lifts. A failure while locked
 * changes nothing (the lock is not extended).
 */
export function recordFailure(
  state: PinFailureState | null,
  now: number,
  rule: PinLockoutRule,
): { state: PinFailureState; failures: number; locked: boolean } {
  if (state && isLocked(state, now)) return { state, failures: rule.maxFailures, locked: true };
  const inWindow = state !== null && now < state.windowEndsAt;
  const failures = inWindow ? state.failures + 1 : 1;
  const windowEndsAt = inWindow ? state.windowEndsAt : now + rule.windowSeconds * 1000;
  if (failures >= rule.maxFailures) {
    return { state: { failures: 0, windowEndsAt: now, lockedUntil: now + rule.lockSeconds * 1000 }, failures, locked: true };
  }
  return { state: { failures, windowEndsAt, lockedUntil: null }, failures, locked: false };
}

/** Failures counted in the window still open at `now` (none while locked: the lock replaced them). */
export function failuresNow(state: PinFailureState | null, now: number): number {
  return state && !isLocked(state, now) && now < state.windowEndsAt ? state.failures : 0;
}

/**
 * Whether one more PIN may be checked: not while locked, and not while the failures so far
 * plus the attempts still being checked reach the limit. Counting attempts in flight is
 * what stops twenty simultaneous guesses from all being checked before any has failed.
 */
export function mayAttempt(state: PinFailureState | null, inFlight: number, now: number, rule: PinLockoutRule): boolean {
  return !isLocked(state, now) && failuresNow(state, now) + inFlight < rule.maxFailures;
}

/**
 * A right PIN forgets the failures it saw when its attempt was reserved; failures made
 * meanwhile by other attempts, and any lock they earned, stand.
 */
export function forgetSeenFailures(state: PinFailureState | null, seen: number, now: number): PinFailureState | null {
  if (!state || isLocked(state, now)) return state;
  const left = failuresNow(state, now) - seen;
  return left > 0 ? { ...state, failures: left } : null;
}
