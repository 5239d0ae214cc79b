// This service restarted under a call: killed outright (SIGKILL) with writes still
// in its outbox, the next start writes them; stopped mid-call for a deploy, the
// next webhook of the call is served by another instance from the shared session.
// (Asterisk calls picked up after a restart: test/scenarios/asterisk-resilience.test.ts.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCarriers } from '../../src/carriers/start.ts';
import type { Line } from '../../src/runtime.ts';
import { serve } from '../../src/runtime.ts';
import { callTimeline, findCallByCarrierId } from '../../src/store/calls.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { TwilioSimulator } from '../support/fake-twilio/simulator.ts';
import { manualClock, openInstance, spawnInstance, tempDir, until, type ChildInstance } from '../support/instances.ts';
import { freshRedisLiveStore, type FreshRedis } from '../support/redis.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

/** Wednesday 18 November 2026, 03:00 UK: out of hours, so a Cat4 critical fault rings the on-call engineer. */
const NIGHT = new Date('2026-11-18T03:00:00Z');

const PUBLIC_BASE_URL = 'https://support-line.example.co.uk';
const AUTH_TOKEN = 'restart-test-auth-token';
const { cat4 } = CUSTOMERS;
const { sam } = ENGINEERS;

let fresh: FreshDatabase;
let redis: FreshRedis;
let proxy: TcpProxy;
let outbox: ReturnType<typeof tempDir>;
const children: ChildInstance[] = [];
const lines: Line[] = [];

beforeAll(async () => {
  fresh = await freshDatabase();
  redis = await freshRedisLiveStore();
  // The child processes' clocks start at NIGHT (TEST_CLOCK_START): a rota around it, and a Cat4 customer (24-hour cover).
  await seedTwilioFixture(fresh.db, { from: new Date(NIGHT.getTime() - 86_400_000).toISOString(), to: new Date(NIGHT.getTime() + 86_400_000).toISOString() });
  proxy = await startTcpProxy({ port: Number(new URL(fresh.url).port || 5432) });
  outbox = tempDir();
});

afterEach(async () => {
  await proxy.restore();
  for (const child of children.splice(0)) await child.kill();
  for (const line of lines.splice(0)) await line.stop().catch(() => undefined);
});

afterAll(async () => {
  await proxy?.close();
  await redis?.cleanup();
  await fresh?.drop();
  outbox?.remove();
});

const childEnv = (name: string) => ({
  DATABASE_URL: proxy.url(fresh.url),
  REDIS_URL,
  REDIS_PREFIX: redis.prefix,
  OUTBOX_DIR: outbox.path,
  INSTANCE_ID: name,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  PUBLIC_BASE_URL,
  TEST_CLOCK_START: NIGHT.toISOString(),
});

function simulator(target: string, onAdvance?: (ms: number) => void): TwilioSimulator {
  return new TwilioSimulator({ target, publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN, startAt: NIGHT, ...(onAdvance ? { onAdvance } : {}) });
}

describe('killed with writes in the outbox', () => {
  // Two processes started one after the other: on a busy 2-core machine each start alone can take 8 s.
  it('a Cat4 call taken while Postgres was away is written when the restarted process finds Postgres again', { timeout: 90_000 }, async () => {
    const first = await spawnInstance(childEnv('killed'));
    children.push(first);
    const sim = simulator(first.url);
    sim.engineer(sam.phone).answers().presses('1');

    await proxy.cut();
    const caller = sim.call({ from: cat4.phone });
    await caller.hears('greeting', 'enter-pin').presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference').isConnectedTo(sam.phone);
    await caller.hangsUp();
    const journal = join(outbox.path, 'killed.jsonl');
    const waiting = readFileSync(journal, 'utf8').split('\n').filter(Boolean).length;
    expect(waiting).toBeGreaterThan(0);

    // A crash: no shutdown, no flush.
    await first.kill();
    expect(await findCallByCarrierId(fresh.db, 'twilio', caller.callSid)).toBeNull();

    await proxy.restore();
    const second = await spawnInstance(childEnv('killed'));
    children.push(second);
    await until(async () => (await findCallByCarrierId(fresh.db, 'twilio', caller.callSid))?.endedAt != null, 'the restarted instance to replay the outbox', 30_000);
    await until(() => readFileSync(journal, 'utf8') === '', 'the journal to be emptied');

    const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
    expect(call).toMatchObject({ route: 'oncall', outcome: 'engineer', tier: 'Cat4' });
    const tickets = await fresh.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [call!.id]);
    expect(tickets).toHaveLength(1);
    // The caller heard the reference that is on the ticket.
    expect(caller.heard.join(' ').replace(/(\d) (?=\d)/g, '$1')).toContain(tickets[0]!.reference);
    const seqs = (await callTimeline(fresh.db, call!.id)).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});

describe('stopped mid-call for a deploy', () => {
  it('the next webhook of the call is served by another instance, which carries the call on from Redis', async () => {
    const clock = manualClock(NIGHT);
    const open = async (name: string) => {
      const line = await openInstance({
        name,
        databaseUrl: fresh.url,
        redisUrl: REDIS_URL,
        redisPrefix: redis.prefix,
        outboxDir: outbox.path,
        clock,
        env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL },
      });
      lines.push(line);
      await startCarriers(line);
      await serve(line);
      return line;
    };
    const a = await open('deploy-a');
    const b = await open('deploy-b');
    const sim = simulator(a.url, (ms) => clock.advance(ms / 1000));
    sim.engineer(sam.phone).answers().presses('1');

    const caller = sim.call({ from: cat4.phone });
    await caller.hears('greeting', 'enter-pin').presses(`${cat4.pin}#`).hears('main-menu');
    // Instance A goes away between two webhooks; the load balancer sends the rest to B.
    await a.stop();
    lines.splice(lines.indexOf(a), 1);
    sim.options.target = b.url;
    await caller.presses('1').presses('1').hears('ticket-reference').isConnectedTo(sam.phone);
    await caller.hangsUp();

    const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
    expect(call).toMatchObject({ route: 'oncall', outcome: 'engineer' });
    const seqs = (await callTimeline(fresh.db, call!.id)).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});
