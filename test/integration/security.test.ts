// Cross-cutting security checks (the console's own auth, CSRF and role tests are in
// test/integration/api-*.test.ts; Twilio's forged and altered signatures, bad bodies
// and absurd Digits in test/scenarios/twilio-robustness.test.ts; unknown ARI events in
// test/integration/ari-client.test.ts):
//  - a PIN never reaches a log line (debug level), a timeline, the audit log, the
//    outbox journal or an HTTP answer, over Twilio and the CLI carrier, with
//    Postgres up and away;
//  - every call's log lines carry its call id;
//  - the line does not say whether an account exists;
//  - hostile HTTP input (oversized and malformed bodies, SQL and HTML in every API
//    filter and in a form) gets a clear 4xx or a harmless answer, never a 500 or a stack.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCarriers } from '../../src/carriers/start.ts';
import { apiRoutes } from '../../src/http/api/router.ts';
import { serve, type Line } from '../../src/runtime.ts';
import { addAccount } from '../../src/store/accounts.ts';
import { findCallByCarrierId } from '../../src/store/calls.ts';
import { signedIn, startConsoleLine, type ConsoleLine } from '../support/console-line.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { TwilioSimulator } from '../support/fake-twilio/simulator.ts';
import { capturedLogger, manualClock, openInstance, ring, tempDir, until } from '../support/instances.ts';
import { freshRedisLiveStore, type FreshRedis } from '../support/redis.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const PUBLIC_BASE_URL = 'https://support-line.example.co.uk';
const AUTH_TOKEN = 'security-test-auth-token';
const NIGHT = new Date('2026-11-18T03:00:00Z');
/** Distinctive enough never to turn up by chance in a uuid, a port or a timestamp. */
const PIN = '90817263';
const CUSTOMER = { number: '20001', name: 'Harbour Dental', phone: '+441632960301' };

describe('PIN digits', () => {
  let fresh: FreshDatabase;
  let redis: FreshRedis;
  let proxy: TcpProxy;
  let outbox: ReturnType<typeof tempDir>;
  let line: Line;
  const log = capturedLogger('debug');
  const clock = manualClock(NIGHT);

  beforeAll(async () => {
    fresh = await freshDatabase();
    redis = await freshRedisLiveStore();
    await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
    await addAccount(fresh.db, { number: CUSTOMER.number, name: CUSTOMER.name, pin: PIN, phones: [CUSTOMER.phone], tier: 'Cat4', startsOn: '2020-01-01', endsOn: null });
    proxy = await startTcpProxy({ port: Number(new URL(fresh.url).port || 5432) });
    outbox = tempDir();
    line = await openInstance({
      name: 'security-pin',
      databaseUrl: proxy.url(fresh.url),
      redisUrl: REDIS_URL,
      redisPrefix: redis.prefix,
      outboxDir: outbox.path,
      clock,
      logger: log.logger,
      env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL, LOG_LEVEL: 'debug' },
    });
    await startCarriers(line);
    await serve(line);
  });

  afterAll(async () => {
    await proxy?.restore();
    await line?.stop();
    await proxy?.close();
    await redis?.cleanup();
    await fresh?.drop();
    outbox?.remove();
  });

  it('never appear in the logs, the timelines, the audit log, the outbox journal or an answer', async () => {
    const sim = new TwilioSimulator({ target: line.url, publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN, startAt: clock.now(), onAdvance: (ms) => clock.advance(ms / 1000) });
    // Over Twilio: right PIN, then a keyed-in account with a wrong PIN that shares the right one's digits.
    const right = sim.call({ from: CUSTOMER.phone });
    // Eight digits end the entry by themselves.
    await right.presses(PIN).hears('main-menu').presses('3');
    await right.hangsUp();
    const wrong = sim.call({ from: '+441632960399' });
    await wrong.presses(`${CUSTOMER.number}#`).presses(`${PIN.slice(0, 7)}5`).hears('not-verified');
    await wrong.hangsUp();
    // Over the CLI carrier.
    await ring(line, clock, { from: CUSTOMER.phone, keys: [`${PIN}#`, '2', '1234#'] });
    // With Postgres away, so the writes go through the journal.
    await proxy.cut();
    await ring(line, clock, { from: '+441632960398', keys: [`${CUSTOMER.number}#`, `${PIN.slice(0, 7)}#`] });
    const journals = readdirSync(outbox.path).filter((f) => f.endsWith('.jsonl')).map((f) => readFileSync(join(outbox.path, f), 'utf8'));
    expect(journals.join('').length).toBeGreaterThan(0);
    await proxy.restore();
    await until(() => line.resilience.postgres?.status().outbox === 0, 'the outbox to drain');

    expect(log.lines.length).toBeGreaterThan(20);
    const haystacks: Record<string, string> = {
      logs: log.text(),
      journal: journals.join('\n'),
      timelines: JSON.stringify(await fresh.db.query('select type, detail from call_events')),
      audit: JSON.stringify(await fresh.db.query('select action, detail from audit_log')),
      tickets: JSON.stringify(await fresh.db.query('select summary, reference from tickets')),
      ticketEvents: JSON.stringify(await fresh.db.query('select detail from ticket_events')),
      answers: sim.webhooks.map((w) => w.body).join('\n'),
    };
    for (const [where, text] of Object.entries(haystacks)) {
      expect(text.includes(PIN), `the PIN is in the ${where}`).toBe(false);
      expect(text.includes(PIN.slice(0, 7)), `a PIN attempt is in the ${where}`).toBe(false);
    }
    // What was keyed at the PIN question is kept only as its length.
    const keyed = await fresh.db.query<{ digits: string }>("select detail->>'digits' as digits from call_events where type = 'keys' and detail->>'question' = 'pin'");
    expect(keyed.length).toBeGreaterThan(0);
    expect(keyed.every((k) => /^•+$/.test(k.digits))).toBe(true);
  });

  it("every log line about a call carries the call's id", async () => {
    const sim = new TwilioSimulator({ target: line.url, publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN, startAt: clock.now(), onAdvance: (ms) => clock.advance(ms / 1000) });
    const before = log.lines.length;
    const caller = sim.call({ from: CUSTOMER.phone });
    await caller.presses(PIN).presses('1').presses('1');
    await caller.hangsUp();
    const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
    const lines = log.lines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
    // While the call ran, everything said was about it, bar background parts that name themselves.
    const aboutTheCall = lines.filter((l) => l['component'] === undefined && l['worker'] === undefined);
    expect(aboutTheCall.length).toBeGreaterThan(5);
    const withoutId = aboutTheCall.filter((l) => l['callId'] !== call?.id);
    expect(withoutId.map((l) => l['msg'])).toEqual([]);
  });

  it('the line says the same to a caller whether or not the account exists', async () => {
    const heard = async (from: string, account: string) => {
      const c = await ring(line, clock, { from, keys: [`${account}#`, '11112222#', `${account}#`, '11112222#', `${account}#`, '11112222#'] });
      return c.transcript.filter((t) => t.who === 'line').map((t) => t.text);
    };
    const known = await heard('+441632960381', CUSTOMER.number);
    const unknown = await heard('+441632960382', '55555');
    expect(unknown).toEqual(known);
  });
});

describe('hostile HTTP input', () => {
  let t: ConsoleLine;
  beforeAll(async () => {
    t = await startConsoleLine();
  });
  afterAll(async () => {
    await t?.stop();
  });

  const HOSTILE = [
    "' OR '1'='1",
    "1; drop table calls; --",
    '"><script>alert(1)</script>',
    '%27%20OR%201=1--',
    '../../etc/passwd',
    '\u0000',
    'x'.repeat(5000),
    '2026-13-45',
    '-1',
    '99999999999999999999999',
  ];

  function expectNoLeak(status: number, body: string, what: string): void {
    expect(status, `${what} answered ${status}: ${body.slice(0, 200)}`).toBeLessThan(500);
    expect(body, what).not.toMatch(/\bat .*\.ts:\d+|syntax error at|\bpg_|SQLSTATE/);
  }

  it('every API filter and id, given SQL and HTML, answers 2xx or 4xx and echoes nothing as markup', async () => {
    const client = await signedIn(t.url, t.users.admin.email);
    const gets = apiRoutes().filter((r) => r.method === 'get');
    let probes = 0;
    for (const route of gets) {
      const keys = Object.keys((route.query as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
      for (const value of HOSTILE) {
        const path = route.path.replace(/\{(\w+)\}/g, () => encodeURIComponent(value));
        const query = keys.map((k) => `${k}=${encodeURIComponent(value)}`).join('&');
        const res = await client.get(`/api${path.replace(/^\/api/, '')}${query ? `?${query}` : ''}`);
        const body = await res.text();
        expectNoLeak(res.status, body, `GET ${route.path} with ${JSON.stringify(value.slice(0, 30))}`);
        // 431: Node itself refuses a request line over 16 kB before the app sees it.
        if (res.status === 431) expect(body).toBe('');
        else if (res.status >= 400) expect(JSON.parse(body), route.path).toHaveProperty('error');
        else expect(res.headers.get('content-type') ?? '', route.path).toMatch(/json|csv/);
        probes += 1;
      }
    }
    expect(probes).toBeGreaterThan(50);
    // The tables are all still there.
    expect(await t.line.db.query('select count(*) from calls')).toHaveLength(1);
  });

  it('console pages given hostile query strings escape what they show', async () => {
    const client = await signedIn(t.url, t.users.admin.email);
    for (const page of ['/console/calls', '/console/tickets', '/console/reports', '/console/rota', '/console/closures', '/console/']) {
      for (const value of HOSTILE) {
        const q = ['account', 'from', 'to', 'route', 'outcome', 'tier', 'status', 'q', 'after', 'month'].map((k) => `${k}=${encodeURIComponent(value)}`).join('&');
        const res = await client.get(`${page}?${q}`);
        const body = await res.text();
        expectNoLeak(res.status, body, `${page} with ${JSON.stringify(value.slice(0, 30))}`);
        expect(body).not.toContain('<script>alert(1)</script>');
      }
    }
  });

  it('a form field with SQL and HTML is stored as text and shown escaped', async () => {
    const client = await signedIn(t.url, t.users.admin.email);
    const reason = `Boiler room'); drop table calls; -- <script>alert(1)</script>`;
    const created = await client.json('POST', '/api/closures', { from: '2027-03-01T09:00:00Z', to: '2027-03-01T12:00:00Z', reason });
    expect(created.status, await created.clone().text()).toBeLessThan(300);
    const listed = await client.get('/api/closures?year=2027');
    expect(JSON.stringify(await listed.json())).toContain('drop table calls');
    const page = await (await client.get('/console/closures?year=2027')).text();
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&lt;script&gt;');
    expect(await t.line.db.query('select count(*) from calls')).toHaveLength(1);
  });

  it('oversized and malformed bodies get 413 and 400 with an error, and change nothing', async () => {
    const client = await signedIn(t.url, t.users.admin.email);
    const before = await t.line.db.query('select count(*) as n from closures');
    const big = await client.request('POST', '/api/closures', {
      body: JSON.stringify({ from: '2027-04-01T09:00:00Z', to: '2027-04-01T10:00:00Z', reason: 'x'.repeat(2_000_000) }),
      type: 'application/json',
      headers: { 'x-csrf-token': client.csrf ?? '' },
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toHaveProperty('error');
    for (const body of ['{"from": ', 'not json at all', '{"reason": "a"}}']) {
      const bad = await client.request('POST', '/api/closures', { body, type: 'application/json', headers: { 'x-csrf-token': client.csrf ?? '' } });
      expect(bad.status, body).toBe(400);
      const answer = (await bad.json()) as { error?: { code?: string } };
      expect(answer.error?.code).toBe('bad_request');
    }
    expect(await t.line.db.query('select count(*) as n from closures')).toEqual(before);
  });

  it('unknown routes are 404 with an error, never a stack', async () => {
    for (const path of ['/api/no-such-thing', '/nothing-here', '/console/../../etc/passwd', '/api/calls/%E0%A4%A']) {
      const res = await fetch(`${t.url}${path}`);
      const body = await res.text();
      expectNoLeak(res.status, body, path);
      expect([400, 401, 404]).toContain(res.status);
    }
  });
});
