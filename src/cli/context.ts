// What a command needs, opened only when it needs it: the same configuration and
// database as the server (DATABASE_URL, else the embedded one).
import { loadConfig, type Config } from '../config.ts';
import { openDb, type Db } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import { usePinKeys } from '../store/pin-hash.ts';
import { loadPinKeys } from '../store/pin-key.ts';
import { openLiveStore, type LiveStore } from '../store/live/live-store.ts';
import { listClosures } from '../store/closures.ts';
import type { CalendarContext } from '../domain/calendar/calendar.ts';

export interface CliContext {
  config: Config;
  out(value: unknown): void;
  line(text: string): void;
  db(): Promise<Db>;
  /** Migrations this run applied when it opened the database. */
  applied: string[];
  live(): Promise<LiveStore>;
  calendar(): Promise<CalendarContext>;
  close(): Promise<void>;
}

export function createContext(write: (s: string) => void): CliContext {
  const config = loadConfig();
  let db: Promise<Db> | null = null;
  let live: Promise<LiveStore> | null = null;
  const ctx: CliContext = {
    config,
    applied: [],
    out: (value) => write(`${JSON.stringify(value, null, 2)}\n`),
    line: (text) => write(`${text}\n`),
    db() {
      db ??= (async () => {
        usePinKeys(await loadPinKeys(config));
        const d = await openDb({ url: config.DATABASE_URL, dataDir: config.PGLITE_DIR });
        ctx.applied = (await migrate(d)).applied;
        return d;
      })();
      return db;
    },
    live() {
      live ??= openLiveStore({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX });
      return live;
    },
    async calendar() {
      const closures = await listClosures(await this.db());
      return { division: config.OFFICE_DIVISION, closures: closures.map((c) => ({ from: c.from, to: c.to, reason: c.reason })) };
    },
    async close() {
      if (live) await (await live).close();
      if (db) await (await db).close();
    },
  };
  return ctx;
}
