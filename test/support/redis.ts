// A live store on the real Redis, under a key prefix of its own so test files can
// run side by side; its keys are deleted afterwards.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { openRedisLiveStore, type RedisLiveStore } from '../../src/store/live/redis.ts';
import type { PinLockoutRule, PinScope } from '../../src/domain/pin-policy.ts';
import { REDIS_URL } from './env.ts';

export interface FreshRedis {
  store: RedisLiveStore;
  prefix: string;
  /** Closes the store and deletes every key under its prefix. */
  cleanup(): Promise<void>;
}

export async function freshRedisLiveStore(
  opts: { pinRules?: Readonly<Record<PinScope, PinLockoutRule>> } = {},
): Promise<FreshRedis> {
  const prefix = `sl:test:${randomBytes(6).toString('hex')}:`;
  const store = await openRedisLiveStore(REDIS_URL, { prefix, ...opts });
  return {
    store,
    prefix,
    async cleanup() {
      await store.close();
      await deleteKeys(prefix);
    },
  };
}

/** A Redis live store for one test file: `const live = useRedisLiveStore()`, then `live.store`. */
export function useRedisLiveStore(): { readonly store: RedisLiveStore; readonly prefix: string } {
  let fresh: FreshRedis | undefined;
  beforeAll(async () => {
    fresh = await freshRedisLiveStore();
  });
  afterAll(async () => {
    await fresh?.cleanup();
  });
  const current = (): FreshRedis => {
    if (!fresh) throw new Error('useRedisLiveStore: the store exists only inside tests and hooks');
    return fresh;
  };
  return {
    get store() {
      return current().store;
    },
    get prefix() {
      return current().prefix;
    },
  };
}

/** Every key under `prefix` (test keys only: the prefix always starts `sl:test:`). */
export async function keysUnder(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  } finally {
    redis.disconnect();
  }
}

async function deleteKeys(prefix: string): Promise<void> {
  if (!prefix.startsWith('sl:test:')) throw new Error(`refusing to delete keys under ${prefix}`);
  const keys = await keysUnder(prefix);
  if (keys.length === 0) return;
  const redis = new Redis(REDIS_URL);
  try {
    await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
