// Runs once before the test files: checks Postgres and Redis are there, so a missing
// server is one clear line instead of every test timing out.
import pg from 'pg';
import { Redis } from 'ioredis';
import { DATABASE_URL, REDIS_URL, hostPort } from './env.ts';

const TIMEOUT_MS = 3000;
const HINT = 'start it with: docker compose up -d postgres redis';

export default async function setup(): Promise<void> {
  const failures = (await Promise.all([checkPostgres(), checkRedis()])).filter((f): f is string => f !== null);
  if (failures.length > 0) throw new Error(`${failures.join('; ')} — ${HINT}`);
}

async function checkPostgres(): Promise<string | null> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: TIMEOUT_MS });
  client.on('error', () => undefined); // reported through connect() below
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return `Postgres is not reachable at ${hostPort(DATABASE_URL, 5432)} (${reason(err)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(): Promise<string | null> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null, // one attempt: this is a probe
  });
  // The socket's own error (ECONNREFUSED) says more than connect()'s "Connection is closed".
  let socketError: unknown;
  redis.on('error', (err) => (socketError ??= err));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (err) {
    return `Redis is not reachable at ${hostPort(REDIS_URL, 6379)} (${reason(socketError ?? err)})`;
  } finally {
    redis.disconnect();
  }
}

function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] || 'no reply';
}
