// Fresh stores for a benchmark line: its own Postgres database (migrated, with the
// benchmark's customers) and its own Redis key prefix, both removed afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { Tier } from '../../src/domain/contracts.ts';
import { addAccount } from '../../src/store/accounts.ts';
import { openDb, type Db } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { withDatabase } from '../db/seed.ts';

export interface Customer {
  number: string;
  pin: string;
  phone: string;
  tier: Tier;
}

const TIERS: readonly Tier[] = ['Cat1', 'Cat2', 'Cat4'];

/** Customers with a contract (no ad hoc offer), each with their own caller ID and PIN. */
export function benchCustomers(count: number): Customer[] {
  return Array.from({ length: count }, (_, i) => ({
    number: String(30_001 + i),
    pin: String(4_000 + ((i * 7_919) % 6_000)),
    phone: `+44163296${String(200 + i).padStart(4, '0')}`,
    tier: TIERS[i % TIERS.length]!,
  }));
}

export interface LineStores {
  databaseUrl: string;
  redisPrefix: string;
  db: Db;
  customers: Customer[];
  remove(): Promise<void>;
}

export async function freshLineStores(opts: { serverUrl: string; redisUrl: string; label: string; customers: number }): Promise<LineStores> {
  const suffix = randomBytes(4).toString('hex');
  const name = `sl_bench_${opts.label}_${suffix}`;
  await admin(opts.serverUrl, `create database ${name}`);
  const databaseUrl = withDatabase(opts.serverUrl, name);
  const db = await openDb({ url: databaseUrl, maxConnections: 4 });
  const redisPrefix = `sl:bench:${suffix}:`;
  try {
    await migrate(db);
    const customers = benchCustomers(opts.customers);
    // Under the PIN keys this process runs with (bench/run.ts), which the line processes get as PIN_KEY.
    for (let i = 0; i < customers.length; i += 4) {
      await Promise.all(
        customers.slice(i, i + 4).map((c) =>
          addAccount(db, { number: c.number, name: `Bench customer ${c.number}`, pin: c.pin, phones: [c.phone], tier: c.tier, startsOn: '2020-01-01', endsOn: null }),
        ),
      );
    }
    return {
      databaseUrl,
      redisPrefix,
      db,
      customers,
      async remove() {
        await db.close().catch(() => undefined);
        await admin(opts.serverUrl, `drop database if exists ${name} with (force)`);
        await deleteKeys(opts.redisUrl, redisPrefix);
      },
    };
  } catch (err) {
    await db.close().catch(() => undefined);
    await admin(opts.serverUrl, `drop database if exists ${name} with (force)`);
    throw err;
  }
}

/** Deletes every Redis key under a benchmark prefix (sl:bench:…). */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  if (!prefix.startsWith('sl:bench:')) throw new Error(`refusing to delete keys under ${prefix}`);
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
