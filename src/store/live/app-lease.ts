// Which instance holds the Asterisk application: one lease in Redis with a time limit,
// taken by whoever finds it free and extended only by the term that took it. Each term
// has a fencing token (a counter that only grows), so a holder whose lease lapsed and
// was taken by another can never extend it again, even if Redis answers it later.
//
// It has its own connection, apart from the live store's: the live store falls back to
// this process when Redis is away, and a lease that fell back would let two instances
// hold the application at once. Commands fail at once while Redis is unreachable.
import { Redis } from 'ioredis';

/** A term of holding the lease. */
export interface LeaseTerm {
  token: number;
  owner: string;
}

export type AcquireResult = { taken: true; term: LeaseTerm } | { taken: false; heldBy: string };

export interface AppLeaseStore {
  /** Takes the lease for `ttlMs` if nobody holds it; otherwise says who does. */
  acquire(owner: string, ttlMs: number): Promise<AcquireResult>;
  /** Extends the lease by `ttlMs` from now if `term` still holds it; false if it does not. */
  renew(term: LeaseTerm, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `term` still holds it, so a standby need not wait for it to lapse. */
  release(term: LeaseTerm): Promise<void>;
  close(): Promise<void>;
}

// KEYS: lease, fencing counter. ARGV: owner, ttl ms. Returns {token, ''} or {0, current holder}.
const ACQUIRE = `
local current = redis.call('get', KEYS[1])
if current then return {0, current} end
local token = redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], token .. ' ' .. ARGV[1], 'PX', ARGV[2])
return {token, ''}`;

// KEYS: lease. ARGV: this term's value, ttl ms. Compare and extend, in one step.
const RENEW = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

export interface RedisLeaseOptions {
  url: string;
  /** Key namespace (REDIS_PREFIX). */
  prefix: string;
  /** What is leased, e.g. the Stasis application's name. */
  name: string;
  /** A command not answered within this is a failure (keep it below the renew interval). */
  commandTimeoutMs: number;
  onError?: (err: unknown) => void;
}

export function redisAppLease(opts: RedisLeaseOptions): AppLeaseStore {
  const redis = new Redis(opts.url, {
    lazyConnect: true,
    // Nothing waits for a reconnection: a renewal that cannot be sent now has failed.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs,
  });
  redis.on('error', (err) => opts.onError?.(err));
  let connecting: Promise<void> | null = null;
  const ready = async (): Promise<void> => {
    if (redis.status === 'ready') return;
    if (redis.status === 'wait') connecting ??= redis.connect().finally(() => (connecting = null));
    if (connecting) await connecting;
    // Reconnecting (ioredis retries by itself): the command below fails at once.
  };
  const leaseKey = `${opts.prefix}ari-lease:${opts.name}`;
  const fenceKey = `${opts.prefix}ari-lease-token:${opts.name}`;
  const value = (term: LeaseTerm) => `${term.token} ${term.owner}`;

  return {
    async acquire(owner, ttlMs) {
      requireOwner(owner);
      await ready();
      const [token, current] = (await redis.eval(ACQUIRE, 2, leaseKey, fenceKey, owner, String(ttlMs))) as [number, string];
      if (token > 0) return { taken: true, term: { token, owner } };
      return { taken: false, heldBy: current.slice(current.indexOf(' ') + 1) };
    },
    async renew(term, ttlMs) {
      await ready();
      return (await redis.eval(RENEW, 1, leaseKey, value(term), String(ttlMs))) === 1;
    },
    async release(term) {
      await ready();
      await redis.eval(RELEASE, 1, leaseKey, value(term));
    },
    async close() {
      await connecting?.catch(() => undefined);
      redis.disconnect();
    },
  };
}

function requireOwner(owner: string): void {
  if (owner.length === 0 || /\s/.test(owner)) throw new Error(`lease owner must be a name without spaces, got "${owner}"`);
}
