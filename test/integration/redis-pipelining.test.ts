// The live store's commands from steps running side by side leave in one socket write
// (ioredis auto-pipelining), each with its own answer, in order.
import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { freshRedisLiveStore } from '../support/redis.ts';

describe('live store on Redis, commands issued together', () => {
  it('go to Redis in one write, and each call gets its own answer', async () => {
    const fresh = await freshRedisLiveStore();
    try {
      const { store } = fresh;
      await store.putSession('a', { n: 1 }, 60);
      await store.putSession('b', { n: 2 }, 60);
      // The store's own connection (private): its socket, to count the writes.
      const socket = (store as unknown as { redis: Redis }).redis.stream;
      let writes = 0;
      const write = socket.write.bind(socket);
      socket.write = ((...args: Parameters<typeof socket.write>) => {
        writes += 1;
        return write(...args);
      }) as typeof socket.write;
      const got = await Promise.all([store.getSession('a'), store.getSession('b'), store.getSession('missing'), store.getSession('a')]);
      socket.write = write;
      expect(got).toEqual([{ n: 1 }, { n: 2 }, null, { n: 1 }]);
      expect(writes).toBe(1);
    } finally {
      await fresh.cleanup();
    }
  });
});
