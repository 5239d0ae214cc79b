// Two instances behind one load balancer while Postgres goes away: each must stay in
// the balancer (a /readyz 503 on every instance would leave callers with nobody),
// say what is degraded, and keep answering calls.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { twilioComponent } from '../../src/carriers/twilio/component.ts';
import { serve, type Line } from '../../src/runtime.ts';
import { startSlaWorkers } from '../../src/tickets/start.ts';
import { startBalancer, type Balancer } from '../support/balancer.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { AUTH_TOKEN, PUBLIC_BASE_URL } from '../support/fake-twilio/line.ts';
import { TwilioSimulator } from '../support/fake-twilio/simulator.ts';
import { manualClock, openInstance, tempDir, until } from '../support/instances.ts';
import { freshRedisLiveStore, type FreshRedis } from '../support/redis.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const NIGHT = new Date('2026-11-18T03:00:00Z');
const { cat4 } = CUSTOMERS;
const { sam } = ENGINEERS;

let fresh: FreshDatabase;
let redis: FreshRedis;
let proxy: TcpProxy;
let outbox: ReturnType<typeof tempDir>;
const lines: Line[] = [];
const balancers: Balancer[] = [];

beforeAll(async () => {
  fresh = await freshDatabase();
  redis = await freshRedisLiveStore();
  outbox = tempDir();
  proxy = await startTcpProxy({ port: Number(new URL(fresh.url).port || 5432) });
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
});

afterEach(async () => {
  await proxy.restore();
  for (const b of balancers.splice(0)) await b.close();
  for (const line of lines.splice(0)) await line.stop().catch(() => undefined);
});

afterAll(async () => {
  await proxy?.close();
  await redis?.cleanup();
  await fresh?.drop();
  outbox?.remove();
});

interface Readiness {
  status: number;
  ready: boolean;
  degraded: string[];
  checks: Record<string, { ok: boolean; detail: string }>;
}

async function readyz(line: Line): Promise<Readiness> {
  const res = await fetch(`${line.url}/readyz`);
  const body = (await res.json()) as Omit<Readiness, 'status'>;
  return { status: res.status, ...body };
}

describe('/readyz on two instances while Postgres is away', () => {
  it('both stay ready, list what is degraded, and a caller still gets an engineer and a ticket reference', async () => {
    const clock = manualClock(NIGHT);
    const open = async (name: string): Promise<Line> => {
      const line = await openInstance({
        name,
        databaseUrl: proxy.url(fresh.url),
        redisUrl: REDIS_URL,
        redisPrefix: redis.prefix,
        outboxDir: outbox.path,
        clock,
        // The watcher ticks every second, so it notices the outage at once.
        env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL, SLA_WATCH_INTERVAL_SECONDS: '1' },
      });
      lines.push(line);
      line.components.push(twilioComponent(line, { clock: clock.now }));
      startSlaWorkers(line);
      await serve(line);
      return line;
    };
    const a = await open('ops-a');
    const b = await open('ops-b');
    for (const line of [a, b]) expect(await readyz(line)).toMatchObject({ status: 200, ready: true, degraded: [] });

    await proxy.cut();
    // Each instance's SLA watcher fails its next tick: Postgres is where its timers are.
    for (const line of [a, b]) {
      await until(async () => (await readyz(line)).checks['sla-watcher']?.ok === false, `${line.config.INSTANCE_ID}'s watcher to notice`);
    }
    for (const line of [a, b]) {
      const r = await readyz(line);
      expect(r.status).toBe(200);
      expect(r.ready).toBe(true);
      expect(r.degraded).toEqual(expect.arrayContaining(['postgres', 'sla-watcher']));
      expect(r.checks['sla-watcher']?.detail).toMatch(/^last tick failed/);
    }

    // The balancer keeps both, and a critical call with its webhooks alternating goes through.
    const balancer = await startBalancer([a.url, b.url].map((u) => u.replace('localhost', '127.0.0.1')));
    balancers.push(balancer);
    const sim = new TwilioSimulator({ target: balancer.url, publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN, startAt: clock.now(), onAdvance: (ms) => clock.advance(ms / 1000) });
    sim.engineer(sam.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference').isConnectedTo(sam.phone);
    await caller.hangsUp();
    expect(new Set(balancer.sentTo)).toEqual(new Set([0, 1]));

    await proxy.restore();
    for (const line of [a, b]) {
      await until(async () => {
        const r = await readyz(line);
        return r.status === 200 && !r.degraded.includes('postgres') && !r.degraded.includes('sla-watcher');
      }, `${line.config.INSTANCE_ID} to be whole again`, 30_000);
    }
  });
});
