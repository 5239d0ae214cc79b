// What the people who run the line see: /metrics and /readyz through a normal call
// and a Postgres outage, security headers on every answer, and a graceful stop
// (no new calls, calls in hand finished, the outbox flushed).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCarriers } from '../../src/carriers/start.ts';
import { consoleComponent } from '../../src/http/console/component.ts';
import { CONTENT_SECURITY_POLICY } from '../../src/http/console/headers.ts';
import { serve, type Line } from '../../src/runtime.ts';
import { findCallByCarrierId, getCall } from '../../src/store/calls.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { TwilioSimulator } from '../support/fake-twilio/simulator.ts';
import { FAST_RESILIENCE, manualClock, openInstance, ring, tempDir, until, type ManualClock } from '../support/instances.ts';
import { freshRedisLiveStore, type FreshRedis } from '../support/redis.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const PUBLIC_BASE_URL = 'https://support-line.example.co.uk';
const AUTH_TOKEN = 'operability-test-auth-token';
const NIGHT = new Date('2026-11-18T03:00:00Z');
const { cat4 } = CUSTOMERS;
const { sam } = ENGINEERS;

let fresh: FreshDatabase;
let redis: FreshRedis;
let proxy: TcpProxy;
let outbox: ReturnType<typeof tempDir>;
const lines: Line[] = [];

beforeAll(async () => {
  fresh = await freshDatabase();
  redis = await freshRedisLiveStore();
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
  proxy = await startTcpProxy({ port: Number(new URL(fresh.url).port || 5432) });
  outbox = tempDir();
});

afterEach(async () => {
  await proxy.restore();
  for (const line of lines.splice(0)) await line.stop().catch(() => undefined);
});

afterAll(async () => {
  await proxy?.close();
  await redis?.cleanup();
  await fresh?.drop();
  outbox?.remove();
});

async function served(name: string, clock: ManualClock, opts: { env?: Record<string, string>; probeMs?: number; console?: boolean } = {}): Promise<Line> {
  const line = await openInstance({
    name,
    databaseUrl: proxy.url(fresh.url),
    redisUrl: REDIS_URL,
    redisPrefix: redis.prefix,
    outboxDir: outbox.path,
    clock,
    env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL, DESK_NUMBER: '+441632960999', ...opts.env },
    resilience: { ...FAST_RESILIENCE, ...(opts.probeMs ? { probeMs: opts.probeMs } : {}) },
  });
  lines.push(line);
  await startCarriers(line);
  if (opts.console) line.components.push(consoleComponent(line));
  await serve(line);
  return line;
}

const simulator = (line: Line, clock: ManualClock) =>
  new TwilioSimulator({ target: line.url, publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN, startAt: clock.now(), onAdvance: (ms) => clock.advance(ms / 1000) });

async function metrics(line: Line): Promise<string> {
  const res = await fetch(`${line.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

/** The value of one sample (`name{labels}`), or null. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

async function readyz(line: Line) {
  const res = await fetch(`${line.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; checks: Record<string, { ok: boolean; detail: string }> } };
}

describe('metrics and readiness', () => {
  it('count the call, its engineer leg and its webhooks, and show a Postgres outage and its recovery', async () => {
    const clock = manualClock(NIGHT);
    const line = await served('ops-metrics', clock);
    const sim = simulator(line, clock);
    sim.engineer(sam.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').isConnectedTo(sam.phone);
    await caller.hangsUp();

    let text = await metrics(line);
    expect(sample(text, 'support_line_calls_total{route="oncall",outcome="engineer"}')).toBe(1);
    expect(sample(text, 'support_line_escalation_legs_total{outcome="accepted"}')).toBe(1);
    expect(sample(text, 'support_line_twilio_webhook_duration_seconds_count{route="voice",status="200"}')).toBe(1);
    expect(sample(text, 'support_line_postgres_up')).toBe(1);
    expect(sample(text, 'support_line_outbox_depth')).toBe(0);
    expect((await readyz(line)).body.checks['outbox']).toMatchObject({ ok: true });

    await proxy.cut();
    await ring(line, clock, { from: '+441632960555', keys: [] });
    text = await metrics(line);
    expect(sample(text, 'support_line_postgres_up')).toBe(0);
    const depth = sample(text, 'support_line_outbox_depth') ?? 0;
    expect(depth).toBeGreaterThan(0);
    expect(sample(text, 'support_line_outbox_journaled_total{op="openCall"}')).toBe(1);
    const degraded = await readyz(line);
    // Still ready: calls are answered from the cached copy; the checks say what is wrong and why.
    expect(degraded.status).toBe(200);
    expect(degraded.body.checks['postgres']).toMatchObject({ ok: false });
    expect(degraded.body.checks['postgres']?.detail).toMatch(/^unreachable since .*routing from the copy of/);
    expect(degraded.body.checks['outbox']?.detail).toMatch(new RegExp(`^${depth} writes waiting since`));

    await proxy.restore();
    await until(async () => sample(await metrics(line), 'support_line_outbox_depth') === 0, 'the outbox to drain');
    text = await metrics(line);
    expect(sample(text, 'support_line_postgres_up')).toBe(1);
    expect(sample(text, 'support_line_outbox_replayed_total{op="openCall",duplicate="false"}')).toBe(1);
  });

  it('every answer carries the security headers, the console keeping its own policy', async () => {
    const clock = manualClock(NIGHT);
    const line = await served('ops-headers', clock, { console: true });
    for (const path of ['/healthz', '/readyz', '/metrics', '/no-such-page']) {
      const res = await fetch(`${line.url}${path}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
      expect(res.headers.get('content-security-policy'), path).toMatch(/default-src 'self'/);
      expect(res.headers.get('strict-transport-security'), path).toMatch(/max-age=/);
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    }
    const page = await fetch(`${line.url}/console/sign-in`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('strict-transport-security')).toMatch(/max-age=/);
    const twiml = await simulator(line, clock).send(`${PUBLIC_BASE_URL}/twilio/voice`, { CallSid: 'CA' + '0'.repeat(32), From: cat4.phone, To: '+441632960000' });
    expect(twiml.status).toBe(200);
    expect(twiml.body).toMatch(/^<\?xml/);
  });
});

describe('a graceful stop', () => {
  it('says 503 on /readyz while draining, sends new callers to the safe route, lets a call in hand carry on, and flushes the outbox', async () => {
    const clock = manualClock(NIGHT);
    // A slow probe, so only the stop flushes the outbox.
    const line = await served('ops-stop', clock, { env: { SHUTDOWN_DRAIN_SECONDS: '4' }, probeMs: 600_000 });
    const sim = simulator(line, clock);

    await proxy.cut();
    const journaled = await ring(line, clock, { from: '+441632960556', keys: [] });
    expect(line.resilience.postgres?.status().outbox).toBeGreaterThan(0);
    await proxy.restore();

    const inHand = sim.call({ from: cat4.phone });
    await inHand.hears('greeting', 'enter-pin');

    const stopping = line.stop();
    lines.splice(lines.indexOf(line), 1);
    await until(async () => (await readyz(line)).status === 503, '/readyz to say 503');
    expect((await readyz(line)).body).toMatchObject({ ready: false });

    // A new caller is sent to the desk (the safe route), not into the flow.
    const newcomer = sim.call({ from: '+441632960557' });
    await newcomer.hears('connecting-desk');
    expect(await findCallByCarrierId(fresh.db, 'twilio', newcomer.callSid)).toBeNull();
    // The call in hand is still answered by the flow.
    await inHand.presses(`${cat4.pin}#`).hears('main-menu');

    await stopping;
    expect(line.resilience.postgres?.status().outbox).toBe(0);
    expect(await getCall(fresh.db, journaled.callId)).toMatchObject({ id: journaled.callId });
  });
});
