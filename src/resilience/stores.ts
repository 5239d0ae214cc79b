// Puts the degraded modes around the line's stores: the call records over Postgres
// (cached routing copy + durable outbox) and the live store over Redis (in-process
// copy). Embedded PGlite and the in-process live store cannot become unreachable,
// so they are used as they are.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { CallRecords } from '../calls/records.ts';
import type { Check } from '../http/health.ts';
import type { Db } from '../store/db.ts';
import { Redis } from 'ioredis';
import { openLiveStore, type LiveStore, type LiveStoreOptions } from '../store/live/live-store.ts';
import { REDIS_CLIENT_OPTIONS, RedisLiveStore } from '../store/live/redis.ts';
import { OutboxInUseError } from './instance-lock.ts';
import { resilientLiveStore, type RedisMode, type ResilientLiveStore } from './live.ts';
import { resilientRecords, type ResilienceEvent, type ResilientRecords } from './records.ts';
import { withTimeout } from './unavailable.ts';

export interface Resilience {
  postgres: ResilientRecords | null;
  redis: ResilientLiveStore | null;
  /** Readiness lines: postgres, live-store, outbox. */
  checks(): Check[];
  /** Flushes the outbox (for up to `flushMs`) and closes it. The live store is closed by its owner. */
  close(flushMs?: number): Promise<void>;
}

/**
 * The live store; with Redis unreachable at start-up, a Redis store that keeps trying
 * to connect (`unreachable: true`), so the line starts and runs per instance meanwhile.
 */
export async function openLiveStoreTolerant(opts: LiveStoreOptions, logger: Logger): Promise<{ live: LiveStore; unreachable: boolean }> {
  try {
    return { live: await openLiveStore(opts), unreachable: false };
  } catch (err) {
    if (!opts.redisUrl) throw err;
    logger.warn({ err }, 'redis unreachable at start-up: starting with per-instance live state until it answers');
    const redis = new Redis(opts.redisUrl, REDIS_CLIENT_OPTIONS);
    const onError = opts.onError ?? (() => undefined);
    redis.on('error', onError);
    // ioredis keeps retrying a failed first connection with its backoff.
    redis.connect().catch(() => undefined);
    return { live: new RedisLiveStore(redis, { ...(opts.prefix ? { prefix: opts.prefix } : {}), onError }), unreachable: true };
  }
}

export interface GuardOptions {
  db: Db;
  live: LiveStore;
  /** Redis did not answer at start-up: begin in the per-instance mode. */
  redisUnreachable?: boolean;
  config: Config;
  logger: Logger;
  recordsOn: (db: Db) => CallRecords;
  clock?: () => Date;
  onRecordsEvent?: (event: ResilienceEvent) => void;
  onRedisMode?: (mode: RedisMode) => void;
  /** Tuning for tests (timeouts, probe and refresh intervals). */
  tuning?: { timeoutMs?: number; probeMs?: number; refreshMs?: number; redisTimeoutMs?: number };
}

export async function guardStores(opts: GuardOptions): Promise<{ records: CallRecords; live: LiveStore; resilience: Resilience }> {
  const { config, logger, tuning = {} } = opts;
  const redis = config.REDIS_URL
    ? resilientLiveStore(opts.live, {
        logger,
        ...(tuning.redisTimeoutMs ? { timeoutMs: tuning.redisTimeoutMs } : {}),
        ...(tuning.probeMs ? { probeMs: tuning.probeMs } : {}),
        ...(opts.onRedisMode ? { onMode: opts.onRedisMode } : {}),
        ...(opts.redisUnreachable ? { startDown: true } : {}),
      })
    : null;
  const live: LiveStore = redis ?? opts.live;

  let postgres: ResilientRecords | null = null;
  if (opts.db.kind === 'pg') {
    const open = (instance: string) =>
      resilientRecords(opts.recordsOn(opts.db), {
        db: opts.db,
        recordsOn: opts.recordsOn,
        dir: config.OUTBOX_DIR,
        instance,
        logger,
        live,
        ...(opts.clock ? { clock: opts.clock } : {}),
        ...(opts.onRecordsEvent ? { onEvent: opts.onRecordsEvent } : {}),
        ...tuning,
      });
    postgres = config.INSTANCE_ID ? open(config.INSTANCE_ID) : openUnnamed(open, logger);
    await postgres.start();
  }
  const records = postgres ?? opts.recordsOn(opts.db);

  const resilience: Resilience = {
    postgres,
    redis,
    checks: () => checks(opts.db, live, resilience, config),
    async close(flushMs) {
      await postgres?.close(flushMs);
    },
  };
  return { records, live, resilience };
}

/**
 * Without INSTANCE_ID: the host's name, or, when another process (or line) on this host has
 * it, one of this process's own. A journal left under such a name by a crash is replayed only
 * under the same name, which is why production sets INSTANCE_ID.
 */
function openUnnamed(open: (name: string) => ResilientRecords, logger: Logger): ResilientRecords {
  const host = defaultInstanceId();
  const names = [host, ...Array.from({ length: 8 }, (_, i) => `${host}-${process.pid}${i === 0 ? '' : `-${i + 1}`}`)];
  for (const name of names) {
    try {
      const records = open(name);
      if (name !== host) logger.warn({ host, outbox: name }, 'INSTANCE_ID is not set and the host name is taken: outbox named for this process');
      return records;
    } catch (err) {
      if (!(err instanceof OutboxInUseError)) throw err;
    }
  }
  throw new OutboxInUseError(`no free outbox name for ${host}: set INSTANCE_ID`);
}

/** A host name is a fair default for one instance per host; several per host need INSTANCE_ID. */
function defaultInstanceId(): string {
  return hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64) || 'line';
}

function checks(db: Db, live: LiveStore, r: Resilience, config: Config): Check[] {
  const pg = r.postgres;
  const redis = r.redis;
  return [
    {
      name: 'postgres',
      // With the outbox in place an unreachable Postgres degrades the line but calls are still answered.
      optional: pg !== null,
      async run() {
        if (pg) {
          const s = pg.status();
          if (s.mode === 'down') {
            return {
              ok: false,
              detail: `unreachable since ${s.downSince}: routing from the copy of ${s.snapshotAt ?? 'never'}, writes journaled (${s.lastError ?? 'no answer'})`,
            };
          }
        }
        await withTimeout(db.query('select 1'), 1500, 'postgres');
        return { ok: true, detail: db.kind === 'pg' ? 'connected' : 'embedded (PGlite)' };
      },
    },
    {
      name: 'live-store',
      optional: redis !== null,
      async run() {
        if (redis) {
          const s = redis.status();
          if (s.mode === 'down') {
            return {
              ok: false,
              detail: `redis unreachable since ${s.downSince}: calls continue on this instance's copy; PIN limits and engineer locks per instance (${s.lastError ?? 'no answer'})`,
            };
          }
        }
        await live.getSession('readyz-probe');
        return { ok: true, detail: config.REDIS_URL ? 'redis connected' : 'in-process (single instance)' };
      },
    },
    ...(pg
      ? [
          {
            name: 'outbox',
            optional: true,
            async run() {
              const s = pg.status();
              const refs = `${s.reservedReferences} ticket references in reserve`;
              if (s.parked > 0) {
                return { ok: false, detail: `${s.parked} journaled writes refused by postgres and set aside for a person; ${s.outbox} waiting; ${refs}` };
              }
              if (s.outbox > 0) {
                return { ok: false, detail: `${s.outbox} writes waiting since ${s.oldestWaitingAt} (${s.mode === 'down' ? 'postgres unreachable' : 'replaying'}); ${refs}` };
              }
              return { ok: true, detail: `empty; ${refs}` };
            },
          } satisfies Check,
        ]
      : []),
  ];
}
