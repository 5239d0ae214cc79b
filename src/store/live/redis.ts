// The live store on Redis, shared by every instance. Each rule that reads then
// writes runs as one Lua script, so two instances cannot interleave inside it.
import { Redis } from 'ioredis';
import { PIN_LOCKOUT, type PinLockoutRule, type PinScope } from '../../domain/pin-policy.ts';
import {
  PIN_RESERVATION_MS,
  type Announcement,
  type GrantedPinReservation,
  type LiveStore,
  type LiveStoreOptions,
  type PinAttempt,
  type PinAttemptKey,
  type PinReservation,
  type PinSettlement,
  type StepClaim,
  type SwapResult,
} from './live-store.ts';
import { requireTtl } from './memory.ts';

// KEYS: failures counter, lock. ARGV: max failures, window ms, lock ms.
// Mirrors recordFailure in src/domain/pin-policy.ts: the window opens at the first
// failure; reaching the limit locks and clears the count; failing while locked changes nothing.
const RECORD_PIN_FAILURE = `
if redis.call('exists', KEYS[2]) == 1 then return {tonumber(ARGV[1]), 1} end
local failures = redis.call('incr', KEYS[1])
if failures == 1 then redis.call('pexpire', KEYS[1], ARGV[2]) end
if failures >= tonumber(ARGV[1]) then
  redis.call('set', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('del', KEYS[1])
  return {failures, 1}
end
return {failures, 0}`;

// From KEYS[first]: per (scope, id) its failures counter, lock and attempts in flight (a
// sorted set of attempt id → when the reservation lapses); ARGV[maxFrom…]: each key's max
// failures. Mirrors mayAttempt in src/domain/pin-policy.ts: refused while any is locked or
// its failures plus attempts in flight reach the limit; else the attempt is put in flight
// on every key at once. Returns {1, failures seen…} or {0}.
const RESERVE_LUA = `
local function reserve(first, attempt, ms, maxFrom)
  local t = redis.call('time')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local n = (#KEYS - first + 1) / 3
  local seen = {}
  for i = 0, n - 1 do
    local k = first + i * 3
    if redis.call('exists', KEYS[k + 1]) == 1 then return {0} end
    redis.call('zremrangebyscore', KEYS[k + 2], '-inf', now)
    local failures = tonumber(redis.call('get', KEYS[k]) or '0')
    if failures + redis.call('zcard', KEYS[k + 2]) >= tonumber(ARGV[maxFrom + i]) then return {0} end
    seen[i + 1] = failures
  end
  for i = 0, n - 1 do
    local k = first + i * 3
    redis.call('zadd', KEYS[k + 2], now + tonumber(ms), attempt)
    redis.call('pexpire', KEYS[k + 2], ms)
  end
  return {1, unpack(seen)}
end`;

// KEYS: as RESERVE_LUA. ARGV: attempt id, reservation ms, then each key's max failures.
const RESERVE_PIN_ATTEMPT = `${RESERVE_LUA}
return reserve(1, ARGV[1], ARGV[2], 3)`;

// KEYS: as RESERVE_PIN_ATTEMPT. ARGV: attempt id, outcome (right, wrong, unchecked), then
// per key: max failures, window ms, lock ms, failures seen at reservation, 1 if a right PIN
// forgets them. A wrong PIN counts as RECORD_PIN_FAILURE does; a right one takes away only
// the failures it saw (never a lock). Returns 1 when a wrong PIN locked (or found a lock).
const SETTLE_PIN_ATTEMPT = `
local n = #KEYS / 3
local locked = 0
for i = 0, n - 1 do
  local fail, lock, pending = KEYS[i * 3 + 1], KEYS[i * 3 + 2], KEYS[i * 3 + 3]
  local a = 2 + i * 5
  redis.call('zrem', pending, ARGV[1])
  if ARGV[2] == 'wrong' then
    if redis.call('exists', lock) == 1 then
      locked = 1
    else
      local failures = redis.call('incr', fail)
      if failures == 1 then redis.call('pexpire', fail, ARGV[a + 2]) end
      if failures >= tonumber(ARGV[a + 1]) then
        redis.call('set', lock, '1', 'PX', ARGV[a + 3])
        redis.call('del', fail)
        locked = 1
      end
    end
  elseif ARGV[2] == 'right' and ARGV[a + 5] == '1' then
    local left = tonumber(redis.call('get', fail) or '0') - tonumber(ARGV[a + 4])
    if left <= 0 then redis.call('del', fail) else redis.call('set', fail, left, 'KEEPTTL') end
  end
end
return locked`;

// KEYS: counter. ARGV: window ms. The window opens at the first hit.
const HIT = `
local count = redis.call('incr', KEYS[1])
if count == 1 then redis.call('pexpire', KEYS[1], ARGV[1]) end
local ttl = redis.call('pttl', KEYS[1])
if ttl < 0 then redis.call('pexpire', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

// KEYS: lock. ARGV: owner, ttl ms. The holder asking again keeps it (and renews it).
const ACQUIRE_LOCK = `
local held = redis.call('get', KEYS[1])
if held == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
if held then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

// KEYS: session, lock. ARGV: owner, ttl ms. ACQUIRE_LOCK with the session read alongside.
const GET_SESSION_AND_LOCK = `
local session = redis.call('get', KEYS[1])
local held = redis.call('get', KEYS[2])
local locked = 0
if held == ARGV[1] then redis.call('pexpire', KEYS[2], ARGV[2]) locked = 1
elseif not held then redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[2]) locked = 1 end
return {locked, session}`;

// KEYS: session, step lock (or the session again when the step is not claimed), then the
// PIN attempt's keys as RESERVE_LUA's (none when no attempt). ARGV: expected SHA-1 of the
// stored JSON, new JSON ('' to put nothing), session ttl ms, owner, lock ttl ms ('' when
// no claim), channel, message ('' when none), attempt id ('' when none), reservation ms,
// then each PIN key's max failures. Puts the session when it is unchanged and the step is
// free or ours; with nothing to put, claims the step and reserves the attempt instead
// ({1, granted, seen…}); else GET_SESSION_AND_LOCK's answer, so the caller carries on
// from it without another round trip.
const SWAP_SESSION = `${RESERVE_LUA}
local session = redis.call('get', KEYS[1])
local claimed = ARGV[5] ~= ''
local held = false
if claimed then held = redis.call('get', KEYS[2]) end
if session and redis.sha1hex(session) == ARGV[1] and (not held or held == ARGV[4]) then
  if ARGV[2] ~= '' then
    redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
    if ARGV[6] ~= '' then redis.call('publish', ARGV[6], ARGV[7]) end
    return {1}
  end
  if claimed then redis.call('set', KEYS[2], ARGV[4], 'PX', ARGV[5]) end
  if ARGV[8] == '' then return {1} end
  return {1, unpack(reserve(3, ARGV[8], ARGV[9], 10))}
end
local locked = 1
if claimed then
  if held == ARGV[4] then redis.call('pexpire', KEYS[2], ARGV[5])
  elseif not held then redis.call('set', KEYS[2], ARGV[4], 'PX', ARGV[5])
  else locked = 0 end
end
return {0, locked, session}`;

// KEYS: claim. ARGV: value, ttl ms. The first value stands; every caller learns it.
const CLAIM = `
if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return ARGV[1] end
return redis.call('get', KEYS[1])`;

const RELEASE_IF_OWNER = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/**
 * Every instance's connection to Redis. Auto-pipelining: the commands of every step issued
 * in one turn of the event loop go in one socket write (each still gets its own reply, in
 * order); under load a write per command was about a twentieth of the line's CPU.
 */
export const REDIS_CLIENT_OPTIONS = { lazyConnect: true, maxRetriesPerRequest: 3, enableAutoPipelining: true } as const;

export interface RedisLiveStoreOptions extends Omit<LiveStoreOptions, 'redisUrl'> {
  pinRules?: Readonly<Record<PinScope, PinLockoutRule>>;
}

/** Connects (failing fast if Redis is not there) and returns the store. */
export async function openRedisLiveStore(url: string, opts: RedisLiveStoreOptions = {}): Promise<RedisLiveStore> {
  const onError = opts.onError ?? ((err: unknown) => console.error('live store (redis) error', err));
  const redis = new Redis(url, REDIS_CLIENT_OPTIONS);
  redis.on('error', onError);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis is not reachable at ${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  return new RedisLiveStore(redis, { ...opts, onError });
}

export class RedisLiveStore implements LiveStore {
  private readonly prefix: string;
  private readonly pinRules: Readonly<Record<PinScope, PinLockoutRule>>;
  private readonly onError: (err: unknown) => void;
  /** A connection in subscriber mode can do nothing else, so pub/sub has its own. */
  private subscriber: Redis | null = null;
  private readonly channels = new Map<string, { handlers: Set<(message: string) => void>; ready: Promise<unknown> }>();

  constructor(
    private readonly redis: Redis,
    opts: RedisLiveStoreOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'sl:';
    this.pinRules = opts.pinRules ?? PIN_LOCKOUT;
    this.onError = opts.onError ?? ((err) => console.error('live store (redis) error', err));
  }

  async getSession<T>(callId: string): Promise<T | null> {
    const json = await this.redis.get(this.sessionKey(callId));
    return json === null ? null : (JSON.parse(json) as T);
  }

  async getSessionAndLock<T>(callId: string, lockKey: string, owner: string, ttlMs: number): Promise<{ session: T | null; locked: boolean }> {
    requireTtl(ttlMs);
    const [locked, json] = (await this.redis.eval(GET_SESSION_AND_LOCK, 2, this.sessionKey(callId), this.lockKey(lockKey), owner, Math.ceil(ttlMs))) as [
      number,
      string | undefined,
    ];
    return { session: json === undefined ? null : (JSON.parse(json) as T), locked: locked === 1 };
  }

  async putSession(callId: string, value: unknown, ttlSeconds: number, announce?: Announcement, settle?: PinSettlement, claim?: StepClaim): Promise<boolean> {
    const ttlMs = Math.round(ttlSeconds * 1000);
    requireTtl(ttlMs);
    if (claim) requireTtl(claim.ttlMs);
    if (!announce && !settle && !claim) {
      await this.redis.set(this.sessionKey(callId), JSON.stringify(value), 'PX', ttlMs);
      return true;
    }
    // One pipeline: the commands go in one write and their replies come back together.
    const pipeline = this.redis.pipeline();
    if (claim) pipeline.eval(ACQUIRE_LOCK, 1, this.lockKey(claim.key), claim.owner, Math.ceil(claim.ttlMs));
    if (settle) pipeline.eval(SETTLE_PIN_ATTEMPT, settle.keys.length * 3, ...this.settleArgs(settle.keys, settle.reservation, settle.outcome));
    pipeline.set(this.sessionKey(callId), JSON.stringify(value), 'PX', ttlMs);
    if (announce) pipeline.publish(this.prefix + announce.channel, announce.message);
    const replies = await pipeline.exec();
    const failed = replies?.find(([err]) => err);
    if (failed) throw failed[0];
    return claim ? replies?.[0]?.[1] === 1 : true;
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
    const ttlMs = Math.round(ttlSeconds * 1000);
    requireTtl(ttlMs);
    if (claim) requireTtl(claim.ttlMs);
    // A reservation is made only with nothing to put (the step carries on from the copy).
    const attempt = json === null ? reserve : undefined;
    const sessionKey = this.sessionKey(callId);
    const [swapped, ...rest] = (await this.redis.eval(
      SWAP_SESSION,
      2 + (attempt ? attempt.keys.length * 3 : 0),
      sessionKey,
      claim ? this.lockKey(claim.key) : sessionKey,
      ...(attempt ? this.pinAttemptKeys(attempt.keys) : []),
      expected,
      json ?? '',
      ttlMs,
      claim?.owner ?? '',
      claim ? Math.ceil(claim.ttlMs) : '',
      announce ? this.prefix + announce.channel : '',
      announce?.message ?? '',
      attempt?.attemptId ?? '',
      PIN_RESERVATION_MS,
      ...(attempt ? attempt.keys.map((k) => this.pinRules[k.scope].maxFailures) : []),
    )) as [number, ...(number | string | null)[]];
    if (swapped === 1) {
      if (!attempt) return { swapped: true };
      const [granted, ...seen] = rest as number[];
      return { swapped: true, reservation: granted === 1 ? { granted: true, attemptId: attempt.attemptId, seen } : { granted: false } };
    }
    const [locked, stored] = rest as [number, string | null | undefined];
    return { swapped: false, session: stored == null ? null : (JSON.parse(stored) as T), locked: locked === 1 };
  }

  async deleteSession(callId: string): Promise<void> {
    await this.redis.del(this.sessionKey(callId));
  }

  async listSessions(): Promise<string[]> {
    const pattern = `${escapeGlob(this.sessionKey(''))}*`;
    const keys = new Set<string>(); // SCAN may return a key twice
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      for (const key of batch) keys.add(key);
    } while (cursor !== '0');
    // SCAN can still list a key that has just expired; EXISTS settles it.
    const list = [...keys];
    const exists = await Promise.all(list.map((key) => this.redis.exists(key)));
    const start = this.sessionKey('').length;
    return list.filter((_, i) => exists[i] === 1).map((key) => key.slice(start));
  }

  async reservePinAttempt(keys: readonly PinAttemptKey[], attemptId: string): Promise<PinReservation> {
    const [granted, ...seen] = (await this.redis.eval(
      RESERVE_PIN_ATTEMPT,
      keys.length * 3,
      ...this.pinAttemptKeys(keys),
      attemptId,
      PIN_RESERVATION_MS,
      ...keys.map((k) => this.pinRules[k.scope].maxFailures),
    )) as number[];
    return granted === 1 ? { granted: true, attemptId, seen } : { granted: false };
  }

  async settlePinAttempt(
    keys: readonly PinAttemptKey[],
    reservation: GrantedPinReservation,
    outcome: 'right' | 'wrong' | 'unchecked',
  ): Promise<{ locked: boolean }> {
    const locked = await this.redis.eval(SETTLE_PIN_ATTEMPT, keys.length * 3, ...this.settleArgs(keys, reservation, outcome));
    return { locked: locked === 1 };
  }

  /** SETTLE_PIN_ATTEMPT's keys and arguments. */
  private settleArgs(keys: readonly PinAttemptKey[], reservation: GrantedPinReservation, outcome: PinSettlement['outcome']): (string | number)[] {
    return [
      ...this.pinAttemptKeys(keys),
      reservation.attemptId,
      outcome,
      ...keys.flatMap((k, i) => {
        const rule = this.pinRules[k.scope];
        return [rule.maxFailures, rule.windowSeconds * 1000, rule.lockSeconds * 1000, reservation.seen[i] ?? 0, k.scope === 'account' ? 1 : 0];
      }),
    ];
  }

  private pinAttemptKeys(keys: readonly PinAttemptKey[]): string[] {
    return keys.flatMap((k) => [this.pinKey('fail', k.scope, k.id), this.pinKey('lock', k.scope, k.id), this.pinKey('tries', k.scope, k.id)]);
  }

  async recordPinFailure(scope: PinScope, id: string): Promise<{ failures: number; locked: boolean }> {
    const rule = this.pinRules[scope];
    const [failures, locked] = (await this.redis.eval(
      RECORD_PIN_FAILURE,
      2,
      this.pinKey('fail', scope, id),
      this.pinKey('lock', scope, id),
      rule.maxFailures,
      rule.windowSeconds * 1000,
      rule.lockSeconds * 1000,
    )) as [number, number];
    return { failures, locked: locked === 1 };
  }

  async isPinLocked(scope: PinScope, id: string): Promise<boolean> {
    return (await this.redis.exists(this.pinKey('lock', scope, id))) === 1;
  }

  async clearPinFailures(scope: PinScope, id: string): Promise<void> {
    await this.redis.del(this.pinKey('fail', scope, id), this.pinKey('lock', scope, id));
  }

  async acquireLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    requireTtl(ttlMs);
    return (await this.redis.eval(ACQUIRE_LOCK, 1, this.lockKey(key), owner, Math.ceil(ttlMs))) === 1;
  }

  async releaseLock(key: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_OWNER, 1, this.lockKey(key), owner);
  }

  async claim(key: string, value: string, ttlMs: number): Promise<string> {
    requireTtl(ttlMs);
    const held = (await this.redis.eval(CLAIM, 1, this.claimKey(key), value, Math.ceil(ttlMs))) as string | null;
    // Expired between the SET and the GET: ours is as good as any.
    return held ?? value;
  }

  async claimOf(key: string): Promise<string | null> {
    return this.redis.get(this.claimKey(key));
  }

  async hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }> {
    requireTtl(windowMs);
    const [count, resetMs] = (await this.redis.eval(HIT, 1, this.hitKey(key), Math.ceil(windowMs))) as [number, number];
    return { count, resetMs };
  }

  async clearHits(key: string): Promise<void> {
    await this.redis.del(this.hitKey(key));
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const subscriber = this.subscriberConnection();
    const name = this.prefix + channel;
    const entry = (message: string) => handler(message);
    let channelState = this.channels.get(name);
    if (!channelState) {
      const state = { handlers: new Set<(message: string) => void>(), ready: subscriber.subscribe(name) };
      // A failed SUBSCRIBE must not leave the channel looking subscribed to the next caller.
      state.ready.catch(() => this.channels.get(name) === state && this.channels.delete(name));
      channelState = state;
      this.channels.set(name, channelState);
    }
    channelState.handlers.add(entry);
    // A second subscriber to the channel also waits until Redis has confirmed it.
    await channelState.ready;
    const own = channelState;
    return async () => {
      own.handlers.delete(entry);
      if (own.handlers.size === 0 && this.channels.get(name) === own) {
        this.channels.delete(name);
        await subscriber.unsubscribe(name);
      }
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
    await Promise.all([this.redis.quit(), this.subscriber?.quit()]);
    this.subscriber = null;
  }

  private subscriberConnection(): Redis {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.redis.duplicate();
    subscriber.on('error', this.onError);
    subscriber.on('message', (name: string, message: string) => {
      for (const handler of [...(this.channels.get(name)?.handlers ?? [])]) {
        try {
          handler(message);
        } catch (err) {
          this.onError(err);
        }
      }
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  private claimKey(key: string): string {
    return `${this.prefix}claim:${key}`;
  }

  private sessionKey(callId: string): string {
    return `${this.prefix}session:${callId}`;
  }

  private pinKey(kind: 'fail' | 'lock' | 'tries', scope: PinScope, id: string): string {
    return `${this.prefix}pin:${kind}:${scope}:${id}`;
  }

  private hitKey(key: string): string {
    return `${this.prefix}hits:${key}`;
  }

  private lockKey(key: string): string {
    return `${this.prefix}lock:${key}`;
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}
