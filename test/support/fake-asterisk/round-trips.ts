// Counts what the call service asks of Postgres (the call records port) and of Redis
// (the live store), so a test can say what one key press or one webhook costs.
import type { CallRecords } from '../../../src/calls/records.ts';
import type { LiveStore } from '../../../src/store/live/live-store.ts';

export class RoundTrips {
  private readonly counts = new Map<string, number>();

  /** The call records, each method call counted as `pg.<method>`. */
  records(inner: CallRecords): CallRecords {
    return this.counted(inner, 'pg');
  }

  /** The live store, each method call counted as `redis.<method>`. */
  live(inner: LiveStore): LiveStore {
    return this.counted(inner, 'redis');
  }

  reset(): void {
    this.counts.clear();
  }

  /** Calls so far by name (`pg.appendTimeline`, `redis.getSession` …), sorted. */
  get byName(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** All calls to one store so far. */
  total(store: 'pg' | 'redis'): number {
    let n = 0;
    for (const [name, count] of this.counts) if (name.startsWith(`${store}.`)) n += count;
    return n;
  }

  private counted<T extends object>(inner: T, store: string): T {
    return new Proxy(inner, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || typeof property !== 'string') return value;
        return (...args: unknown[]) => {
          const name = `${store}.${property}`;
          this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }
}
