// A fresh Postgres database per test file: created on the test server, migrated,
// and dropped afterwards, so files never see each other's rows.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openDb, wrapPglite, type Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { DATABASE_URL } from './env.ts';

export interface FreshDatabase {
  db: Db;
  url: string;
  name: string;
  /** Closes `db` and drops the database (any other connection to it is cut). */
  drop(): Promise<void>;
}

export async function freshDatabase(opts: { migrate?: boolean } = {}): Promise<FreshDatabase> {
  const name = `sl_test_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = withDatabase(DATABASE_URL, name);
  let db: Db | undefined;
  try {
    db = await openDb({ url, maxConnections: 4 });
    if (opts.migrate ?? true) await migrate(db);
  } catch (err) {
    await db?.close();
    await admin(`drop database if exists ${name} with (force)`);
    throw err;
  }
  const opened = db;
  return {
    db: opened,
    url,
    name,
    async drop() {
      await opened.close();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

/**
 * A migrated database for one test file: `const fresh = useFreshDatabase()`, then
 * `fresh.db` inside tests. Created before the file's tests, dropped after them.
 */
export function useFreshDatabase(): { readonly db: Db; readonly url: string } {
  let fresh: FreshDatabase | undefined;
  beforeAll(async () => {
    fresh = await freshDatabase();
  });
  afterAll(async () => {
    await fresh?.drop();
  });
  const current = (): FreshDatabase => {
    if (!fresh) throw new Error('useFreshDatabase: the database exists only inside tests and hooks');
    return fresh;
  };
  return {
    get db() {
      return current().db;
    },
    get url() {
      return current().url;
    },
  };
}

/**
 * An embedded PGlite database in memory, migrated unless asked not to be. Starting
 * PGlite takes seconds on a busy machine, so each test process starts one template
 * per kind and hands out clones of it (about a second each).
 */
export async function freshPglite(opts: { migrate?: boolean } = {}): Promise<Db> {
  const kind = (opts.migrate ?? true) ? 'migrated' : 'blank';
  let template = pgliteTemplates.get(kind);
  if (!template) {
    template = (async () => {
      const instance = await PGlite.create();
      // The Db used to migrate it is never closed: the template stays open to be cloned.
      if (kind === 'migrated') await migrate(wrapPglite(instance));
      return instance;
    })();
    pgliteTemplates.set(kind, template);
  }
  return wrapPglite(await (await template).clone());
}

const pgliteTemplates = new Map<'blank' | 'migrated', Promise<PGlite>>();

/** Another database on the same server as `url`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Create and drop cannot run in a transaction or against the database itself: a short-lived client. */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
