// The Twilio carrier inside the whole application: config → line → component →
// express app, answering a signed call and reporting itself on /readyz.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { twilioComponent } from '../../src/carriers/twilio/component.ts';
import { buildApp, openLine, type Line } from '../../src/runtime.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { Redis } from 'ioredis';
import { PIN_KEY, REDIS_URL } from '../support/env.ts';
import { keysUnder } from '../support/redis.ts';
import { captureLogger } from '../support/fake-twilio/log.ts';
import { CUSTOMERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { TestClock } from '../support/fake-twilio/line.ts';
import { TwilioSimulator } from '../support/fake-twilio/simulator.ts';

const PUBLIC = 'https://line.example.co.uk';
const TOKEN = 'integration-auth-token';
const OFFICE = '2026-11-18T10:00:00Z';

let db: FreshDatabase;
let line: Line;
let server: Server;
let url = '';
let dataDir = '';
const clock = new TestClock(OFFICE);
const REDIS_PREFIX = `sl:test:twilio-app-${process.pid}:`;
const log = captureLogger();

beforeAll(async () => {
  db = await freshDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'sl-twilio-app-'));
  await mkdir(path.join(dataDir, 'outbox'));
  await seedTwilioFixture(db.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    PIN_KEY,
    REDIS_URL,
    REDIS_PREFIX,
    PUBLIC_BASE_URL: PUBLIC,
    TWILIO_AUTH_TOKEN: TOKEN,
    DESK_NUMBER: '+441632960999',
    LOG_LEVEL: 'silent',
    OUTBOX_DIR: path.join(dataDir, 'outbox'),
  });
  line = await openLine(config, { logger: log.logger, clock: clock.now });
  line.components.push(twilioComponent(line, { clock: clock.now }));
  const app = buildApp(line);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  await line?.stop();
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  const keys = await keysUnder(REDIS_PREFIX);
  if (keys.length > 0) {
    const redis = new Redis(REDIS_URL);
    await redis.del(...keys);
    redis.disconnect();
  }
});

describe('the Twilio carrier in the application', () => {
  it('answers a signed call at /twilio/voice with the flow', async () => {
    const sim = new TwilioSimulator({ target: url, publicBaseUrl: PUBLIC, authToken: TOKEN, startAt: clock.now(), onAdvance: (ms) => clock.advance(ms) });
    sim.desk('+441632960999').answers();
    const { cat1 } = CUSTOMERS;
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('greeting', 'enter-pin').presses(`${cat1.pin}#`).presses('1').presses('2').hears('connecting-desk').isConnectedTo('+441632960999').hangsUp();
  });

  it('refuses an unsigned webhook with 403 through the whole app', async () => {
    const res = await fetch(`${url}/twilio/voice`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'CallSid=CA00' });
    expect(res.status).toBe(403);
  });

  it('reports how webhooks are checked on /readyz', async () => {
    const res = await fetch(`${url}/readyz`);
    const body = (await res.json()) as { checks: Record<string, { ok: boolean; detail: string }> };
    expect(body.checks['twilio']).toEqual({ ok: true, detail: `webhooks signature-checked against ${PUBLIC}` });
  });

  it('tells anyone beyond this machine the bare status, never hosts, ports or the public URL', async () => {
    // Through the trusted loopback proxy, as a client elsewhere on the internet.
    const res = await fetch(`${url}/readyz`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ ready: expect.any(Boolean), shuttingDown: false });
    expect(text).not.toContain(PUBLIC);
  });
});
