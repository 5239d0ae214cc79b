// `npm start` where something is wrong at start-up: one clear line and exit code 1,
// never "listening" over a port that another program holds.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { FAKETIME_ENV } from '../support/env.ts';
import { ROOT, tempDir } from '../support/instances.ts';

let fresh: FreshDatabase;
let outbox: ReturnType<typeof tempDir>;
let holder: Server;

beforeAll(async () => {
  fresh = await freshDatabase();
  outbox = tempDir();
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => holder?.close(resolve));
  await fresh?.drop();
  outbox?.remove();
});

function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...FAKETIME_ENV, PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('start-up', () => {
  it('on a port another program holds, says so in one line and exits 1', async () => {
    const port = (holder.address() as AddressInfo).port;
    const { code, stdout, stderr } = await start({ DATABASE_URL: fresh.url, PIN_KEY: 'k'.repeat(32), OUTBOX_DIR: outbox.path, HOST: '127.0.0.1', PORT: String(port), INSTANCE_ID: 'start-up-port' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([`support line failed to start: port ${port} on 127.0.0.1 is already in use (another support line, or another program); stop it or set PORT to a free port`]);
    expect(stdout).not.toMatch(/listening/i);
  }, 60_000);

  it('with TRUST_PROXY=0.0.0.0/0, refuses to start and names the variable', async () => {
    const { code, stderr } = await start({ DATABASE_URL: fresh.url, PIN_KEY: 'k'.repeat(32), OUTBOX_DIR: outbox.path, PORT: '0', TRUST_PROXY: '0.0.0.0/0' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/TRUST_PROXY: 0\.0\.0\.0\/0 is every address/);
  }, 60_000);
});
