// Only one process may open an embedded PGlite database: the CLI run while `npm start`
// holds ./data/pglite is refused with what to do, before it touches anything.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedDatabaseInUseError, openDb } from '../../src/store/db.ts';
import { FAKETIME_ENV, PIN_KEY } from '../support/env.ts';
import { ROOT, tempDir } from '../support/instances.ts';

const dir = tempDir('sl-pglite-');
afterAll(() => dir.remove());

/** `support-line <args>` as its own process, on the embedded database in `pgliteDir`. */
function cli(pgliteDir: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
    cwd: ROOT,
    env: { ...FAKETIME_ENV, PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PGLITE_DIR: pgliteDir, PIN_KEY, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('one process per embedded database', () => {
  it('the CLI run while the server holds the database is refused, says what to do, and changes nothing', async () => {
    const pglite = join(dir.path, 'busy');
    const server = await openDb({ dataDir: pglite });
    await server.query('create table probe (note text)');
    await server.query("insert into probe values ('written by the server')");

    const refused = await cli(pglite, 'numbers', 'list');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`is in use by process ${process.pid}`);
    expect(refused.stderr).toContain('stop it first, or set DATABASE_URL to a shared Postgres');
    // The server carries on with its data as it was; the lock still names it.
    expect(await server.query('select note from probe')).toEqual([{ note: 'written by the server' }]);
    expect(JSON.parse(readFileSync(`${pglite}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });

    // A second open in the same process is refused too.
    await expect(openDb({ dataDir: pglite })).rejects.toThrow(EmbeddedDatabaseInUseError);

    // Server stopped: the lock goes with it and the CLI gets in.
    await server.close();
    expect(existsSync(`${pglite}.lock`)).toBe(false);
    const after = await cli(pglite, 'numbers', 'list');
    expect(after.stderr).toBe('');
    expect(after.code).toBe(0);
  }, 180_000);

  it('a lock left by a process that has died is taken over', async () => {
    const pglite = join(dir.path, 'stale');
    const gone = spawn(process.execPath, ['-e', '0']);
    const deadPid = gone.pid!;
    await new Promise((resolve) => gone.on('close', resolve));
    writeFileSync(`${pglite}.lock`, JSON.stringify({ pid: deadPid, start: null }));

    const db = await openDb({ dataDir: pglite });
    expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
    expect(JSON.parse(readFileSync(`${pglite}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    await db.close();
    expect(existsSync(`${pglite}.lock`)).toBe(false);
  }, 60_000);
});
