// The support-line command run in-process, as an operator types it, against a fresh
// database for the test file: JSON (or a line) out, exit code and error line back.
import { afterAll, beforeAll } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { freshDatabase, type FreshDatabase } from './db.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
  /** The output read as JSON (most commands print JSON). */
  json(): Record<string, unknown>;
}

/**
 * Points DATABASE_URL at a fresh database for this file (migrated unless `migrate` is
 * false) and unsets `unset` (REDIS_URL always: one command needs no shared live store).
 */
export function useCliDatabase(options: { migrate?: boolean; unset?: readonly string[] } = {}): Pick<FreshDatabase, 'db' | 'url'> {
  let fresh: FreshDatabase | undefined;
  const saved = { ...process.env };
  beforeAll(async () => {
    fresh = await freshDatabase(options.migrate === false ? { migrate: false } : {});
    process.env.DATABASE_URL = fresh.url;
    for (const name of ['REDIS_URL', ...(options.unset ?? [])]) delete process.env[name];
  });
  afterAll(async () => {
    process.env = saved;
    await fresh?.drop();
  });
  return {
    get db() {
      return fresh!.db;
    },
    get url() {
      return fresh!.url;
    },
  };
}

export async function cli(...argv: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err, json: () => JSON.parse(out) as Record<string, unknown> };
}
