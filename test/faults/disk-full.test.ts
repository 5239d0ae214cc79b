// The outbox's disk fills up. The line runs as its own process (as in production),
// with the disk under OUTBOX_DIR reporting ENOSPC to every write while the test says
// so (test/support/full-disk.ts). Whatever fails to be written, the process stays up
// and keeps answering calls; a promise rejection nothing handled is logged, never fatal.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callTimeline, findCallByCarrierId } from '../../src/store/calls.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { TwilioSimulator } from '../support/fake-twilio/simulator.ts';
import { ROOT, spawnInstance, tempDir, until, type ChildInstance } from '../support/instances.ts';
import { freshRedisLiveStore, type FreshRedis } from '../support/redis.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const PUBLIC_BASE_URL = 'https://support-line.example.co.uk';
const AUTH_TOKEN = 'disk-full-test-auth-token';
const FULL_DISK = join(ROOT, 'test/support/full-disk.ts');

let fresh: FreshDatabase;
let redis: FreshRedis;
let proxy: TcpProxy;
let outbox: ReturnType<typeof tempDir>;
const children: ChildInstance[] = [];

beforeAll(async () => {
  fresh = await freshDatabase();
  redis = await freshRedisLiveStore();
  proxy = await startTcpProxy({ port: Number(new URL(fresh.url).port || 5432) });
  outbox = tempDir();
});

const diskFull = () => writeFileSync(join(outbox.path, '.disk-full'), '');
const diskFreed = () => rmSync(join(outbox.path, '.disk-full'), { force: true });

afterEach(async () => {
  diskFreed();
  await proxy.restore();
  for (const child of children.splice(0)) await child.kill();
});

afterAll(async () => {
  await proxy?.close();
  await redis?.cleanup();
  await fresh?.drop();
  outbox?.remove();
});


async function metric(child: ChildInstance, series: string): Promise<number | null> {
  let text: string;
  try {
    text = await (await fetch(`${child.url}/metrics`)).text();
  } catch (err) {
    // Refused or reset: say whether the process is gone before anything else.
    await new Promise((r) => setTimeout(r, 200));
    alive(child);
    throw err;
  }
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

/** Fails at once, with what the process said, if it has ended. */
function alive(child: ChildInstance): void {
  if (child.process.exitCode !== null || child.process.signalCode !== null) {
    throw new Error(`the line's process ended (${child.process.exitCode ?? child.process.signalCode}):\n${child.output().slice(-3000)}`);
  }
}

// Each test starts the line as a process: on a busy 2-core machine a start alone can take 8 s.
describe('a full outbox disk', { timeout: 90_000 }, () => {
  it('when Postgres comes back and the replayed writes cannot be marked done on disk, the process stays up, the writes are in Postgres once, and calls go on', async () => {
    const child = await spawnInstance(
      {
        DATABASE_URL: proxy.url(fresh.url),
        REDIS_URL,
        REDIS_PREFIX: redis.prefix,
        OUTBOX_DIR: outbox.path,
        INSTANCE_ID: 'disk-full',
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        PUBLIC_BASE_URL,
        DESK_NUMBER: '+441632960999',
      },
      30_000,
      [FULL_DISK],
    );
    children.push(child);
    const sim = new TwilioSimulator({ target: child.url, publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN });

    // Postgres goes away; a caller rings, hears the greeting and hangs up: the call waits in the journal.
    await proxy.cut();
    const caller = sim.call({ from: '+441632960555' });
    await caller.hears('greeting').hangsUp();
    expect(await metric(child, 'support_line_outbox_depth')).toBeGreaterThan(2);

    // The disk fills up, then Postgres comes back: the replay cannot write its acknowledgements.
    diskFull();
    await proxy.restore();
    await until(
      async () => {
        alive(child);
        return (await metric(child, 'support_line_outbox_depth')) === 0;
      },
      'the outbox to be replayed',
      30_000,
    );
    alive(child);
    await until(() => /could not record a replayed write as done \(disk full\?\)/.test(child.output()), 'the failed acknowledgement to be logged');
    expect(child.output()).toMatch(/ENOSPC/);
    const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
    expect(call?.endedAt).not.toBeNull();
    const seqs = (await callTimeline(fresh.db, call!.id)).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    // Nothing was left to the safety net: the failure was handled where it happened.
    expect(await metric(child, 'support_line_unhandled_rejections_total')).toBe(0);

    // Still full, and Postgres answering: the next caller is answered and written as usual.
    const next = sim.call({ from: '+441632960556' });
    await next.hears('greeting').hangsUp();
    await until(async () => (await findCallByCarrierId(fresh.db, 'twilio', next.callSid))?.endedAt != null, 'the next call to be written');
    alive(child);

    diskFreed();
    expect(await child.stop()).toBe(0);
  });

  it('with Postgres away as well, a caller whose writes cannot be journaled is still answered, and the process stays up', async () => {
    const child = await spawnInstance(
      {
        DATABASE_URL: proxy.url(fresh.url),
        REDIS_URL,
        REDIS_PREFIX: redis.prefix,
        OUTBOX_DIR: outbox.path,
        INSTANCE_ID: 'disk-full-2',
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        PUBLIC_BASE_URL,
        DESK_NUMBER: '+441632960999',
      },
      30_000,
      [FULL_DISK],
    );
    children.push(child);
    const sim = new TwilioSimulator({ target: child.url, publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN });

    await proxy.cut();
    diskFull();
    const caller = sim.call({ from: '+441632960557' });
    // The flow cannot keep its record: the caller is put through to the desk rather than dropped.
    await caller.hears('connecting-desk');
    alive(child);
    // The log line reaches the pipe a moment after the answer.
    await until(() => /could not journal a write \(disk full\?\)/.test(child.output()), 'the journal failure to be logged');
    await caller.hangsUp();

    diskFreed();
    await proxy.restore();
    const after = sim.call({ from: '+441632960558' });
    await after.hears('greeting').hangsUp();
    await until(async () => (await findCallByCarrierId(fresh.db, 'twilio', after.callSid))?.endedAt != null, 'a later call to be written');
    alive(child);
    expect(await child.stop()).toBe(0);
  });
});

describe('the safety net', () => {
  it('a promise rejection nothing handled is logged with its error, and the process carries on', async () => {
    const script = [
      "import { createLogger } from './src/logger.ts';",
      "import { installSafetyNet } from './src/safety-net.ts';",
      "installSafetyNet(createLogger('info'));",
      "void Promise.reject(new Error('a background task forgot its catch'));",
      "setTimeout(() => process.stdout.write('still here\\n'), 200);",
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(output).toContain('still here');
    expect(output).toMatch(/unhandled promise rejection.*a background task forgot its catch|a background task forgot its catch.*unhandled promise rejection/);
    expect(code).toBe(0);
  });
});
