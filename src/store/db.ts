// One SQL interface over a Postgres server (`pg`) and embedded Postgres (PGlite), so
// the same repositories and migrations run against both.
//
// Values come back the same way from both:
//   bigint / bigserial (int8) → string   (pg's default; ids never lose precision)
//   timestamptz              → Date
//   date                     → 'YYYY-MM-DD' string (a calendar day has no time zone)
//   numeric                  → string
//   jsonb                    → parsed JSON; text[] → string[]; uuid → string
//
// A query with parameters uses the extended protocol (one statement). A query without
// parameters uses the simple protocol, so it may hold several statements (migrations);
// it returns the rows of the last one.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import pg from 'pg';
import { PGlite, types as pgliteTypes, type PGliteInterface } from '@electric-sql/pglite';
import { translatePgError } from './errors.ts';
import { lockFile } from './process-lock.ts';

export interface Db {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws.
   * Use only the `tx` handle inside; a `tx` inside a transaction is a savepoint.
   */
  tx<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one pinned connection, outside any transaction, for session state
   * such as `pg_advisory_lock` (the migrator). On PGlite it holds the only connection.
   */
  session<T>(fn: (conn: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  readonly kind: 'pg' | 'pglite';
}

export interface OpenDbOptions {
  /** `postgres://…`: a connection pool on that server. Absent: embedded PGlite. */
  url?: string | undefined;
  /** PGlite's data directory (default `./data/pglite`); `memory://` keeps it in memory. */
  dataDir?: string;
  /** Pool size for `pg` (default 10). */
  maxConnections?: number;
  /** Told about errors on idle pooled connections (the pool has already dropped them). */
  onIdleError?: (err: Error) => void;
}

export async function openDb(opts: OpenDbOptions): Promise<Db> {
  return opts.url ? openPg(opts.url, opts) : openPglite(opts.dataDir ?? './data/pglite');
}

// ---------------------------------------------------------------------------
// One connection, either engine: BEGIN/COMMIT at the top, savepoints below.

type Run = (sql: string, params: unknown[] | undefined) => Promise<Record<string, unknown>[]>;

/** `broken` hears of a connection whose rollback failed: it must not be reused. */
function connectionDb(run: Run, kind: Db['kind'], depth: number, broken?: (err: Error) => void): Db {
  const db: Db = {
    kind,
    query: async <R>(sql: string, params?: unknown[]) => (await run(sql, params)) as R[],
    async tx<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      const savepoint = `sp_${depth}`;
      await run(depth === 0 ? 'begin' : `savepoint ${savepoint}`, undefined);
      try {
        const result = await fn(connectionDb(run, kind, depth + 1, broken));
        await run(depth === 0 ? 'commit' : `release savepoint ${savepoint}`, undefined);
        return result;
      } catch (err) {
        try {
          await run(depth === 0 ? 'rollback' : `rollback to savepoint ${savepoint}`, undefined);
        } catch (rollbackErr) {
          broken?.(rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr)));
        }
        throw err; // the cause, not the failed rollback
      }
    },
    session: (fn) => fn(db),
    close: () => Promise.reject(new Error('close the Db that was opened, not a transaction or session handle')),
  };
  return db;
}

// ---------------------------------------------------------------------------
// Postgres server

const DATE_OID = 1082;

// Per-pool parsers, so the process-wide `pg.types` stay untouched for other code.
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === DATE_OID ? (value: string) => value : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

async function openPg(url: string, opts: OpenDbOptions): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.maxConnections ?? 10,
    types: pgTypes,
    // Without a limit a connection to a silent host waits for ever.
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', (err) => opts.onIdleError?.(err));

  const runOn =
    (client: pg.Pool | pg.PoolClient): Run =>
    async (sql, params) => {
      try {
        const result = (await client.query(sql, params)) as pg.QueryResult | pg.QueryResult[];
        // Several statements in one simple query come back as one result each.
        const last = Array.isArray(result) ? result[result.length - 1] : result;
        return (last?.rows ?? []) as Record<string, unknown>[];
      } catch (err) {
        throw translatePgError(err);
      }
    };

  async function pinned<T>(fn: (conn: Db) => Promise<T>, sessionState: boolean): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    // A checked-out client has no pool listener: a connection reset (Postgres going away)
    // would be an unhandled 'error' event and end the process. The query itself rejects too.
    const onError = (err: Error) => (broken ??= err);
    client.on('error', onError);
    try {
      return await fn(connectionDb(runOn(client), 'pg', 0, (err) => (broken = err)));
    } catch (err) {
      // A session that failed may still hold session state (an advisory lock): do not reuse it.
      if (sessionState) broken ??= err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      // Releasing with an error destroys the connection instead of pooling it.
      client.off('error', onError);
      client.release(broken);
    }
  }

  // Fail at start-up, with the server's reason, rather than at the first call.
  try {
    await runOn(pool)('select 1', undefined);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`Postgres is not reachable at ${serverOf(url)}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }

  return {
    kind: 'pg',
    query: async <R>(sql: string, params?: unknown[]) => (await runOn(pool)(sql, params)) as R[],
    tx: (fn) => pinned((conn) => conn.tx(fn), false),
    session: (fn) => pinned(fn, true),
    close: () => pool.end(),
  };
}

/** `host:port/database` of a connection URL: never its password. */
function serverOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

// ---------------------------------------------------------------------------
// Embedded PGlite: one connection, so every query and transaction takes turns.

class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export class EmbeddedDatabaseInUseError extends Error {
  override readonly name = 'EmbeddedDatabaseInUseError';
}

/**
 * PGlite is one process's database: a second process opening the same folder (the CLI
 * while `npm start` runs) would lose its writes and corrupt the first's. A lock file
 * beside the folder (`./data/pglite.lock`) keeps it to one; the second is refused
 * before it reads or writes anything.
 */
async function openPglite(dataDir: string): Promise<Db> {
  if (dataDir.startsWith('memory://')) return wrapPglite(await PGlite.create({}));
  const folder = resolve(dataDir);
  mkdirSync(dirname(folder), { recursive: true });
  const lock = lockFile(`${folder}.lock`, (pid) =>
    new EmbeddedDatabaseInUseError(
      pid === null
        ? `the embedded database ${dataDir} is already open in this process`
        : `the embedded database ${dataDir} is in use by process ${pid} (a running \`npm start\`?): stop it first, or set DATABASE_URL to a shared Postgres so the server and the CLI can both use it`,
    ),
  );
  try {
    mkdirSync(folder, { recursive: true });
    const db = wrapPglite(await PGlite.create({ dataDir: folder }));
    return { ...db, close: () => db.close().finally(() => lock.release()) };
  } catch (err) {
    lock.release();
    throw err;
  }
}

const identity = (value: string) => value;
// Match pg's defaults (see the header). Given per query, so a clone() of an instance
// (which does not inherit its options) reads values the same way.
const PGLITE_PARSERS = { [pgliteTypes.INT8]: identity, [pgliteTypes.DATE]: identity, [pgliteTypes.NUMERIC]: identity };

/**
 * A Db over a PGlite instance already created, e.g. a `clone()` of a migrated template
 * (tests). The Db owns it from here: `close()` closes it.
 */
export function wrapPglite(pglite: PGliteInterface): Db {
  const turn = new Mutex();
  const run: Run = async (sql, params) => {
    try {
      if (params === undefined || params.length === 0) {
        const results = await pglite.exec(sql, { parsers: PGLITE_PARSERS });
        return (results[results.length - 1]?.rows ?? []) as Record<string, unknown>[];
      }
      return (await pglite.query<Record<string, unknown>>(sql, params, { parsers: PGLITE_PARSERS })).rows;
    } catch (err) {
      throw translatePgError(err);
    }
  };
  const conn = connectionDb(run, 'pglite', 0);

  return {
    kind: 'pglite',
    query: <R>(sql: string, params?: unknown[]) => turn.run(() => conn.query<R>(sql, params)),
    tx: (fn) => turn.run(() => conn.tx(fn)),
    session: (fn) => turn.run(() => fn(conn)),
    close: () => turn.run(() => pglite.close()),
  };
}
