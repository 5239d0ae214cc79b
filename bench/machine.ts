// The machine the figures come from: they mean little without it.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { Redis } from 'ioredis';

export interface Machine {
  node: string;
  cpu: string;
  cores: number;
  memoryGB: number;
  os: string;
  postgres: string;
  redis: string;
  /** 1-minute load average when the run started: above the core count, others were busy too. */
  loadAverageAtStart: number;
}

export async function describeMachine(databaseUrl: string, redisUrl: string): Promise<Machine> {
  return {
    node: process.version,
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    postgres: await postgresVersion(databaseUrl),
    redis: await redisVersion(redisUrl),
    loadAverageAtStart: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    // Not Linux: fall through to what Node knows.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const r = await client.query<{ v: string }>("select current_setting('server_version') as v");
    return `PostgreSQL ${r.rows[0]?.v ?? '?'}`;
  } catch (err) {
    return `unreachable (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisVersion(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('server');
    return `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
  } catch (err) {
    return `unreachable (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    redis.disconnect();
  }
}
