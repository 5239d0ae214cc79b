// Two instances on one Postgres and one Redis, with Twilio's webhooks spread across
// them by a load balancer that alternates: what one instance did must never be
// undone, doubled or hidden by the other.
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { twilioComponent } from '../../src/carriers/twilio/component.ts';
import { serve, type Line } from '../../src/runtime.ts';
import { engineerWasRung } from '../../src/store/call-log.ts';
import { callTimeline, findCallByCarrierId } from '../../src/store/calls.ts';
import { startBalancer, type Balancer } from '../support/balancer.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { ACCOUNT_SID, AUTH_TOKEN, LINE_NUMBER, PUBLIC_BASE_URL, ringFirstFromEnv } from '../support/fake-twilio/line.ts';
import { TwilioRestDouble } from '../support/fake-twilio/rest-double.ts';
import { TwilioSimulator, type Params, type SentWebhook } from '../support/fake-twilio/simulator.ts';
import { LiveCall, manualClock, openInstance, tempDir, type ManualClock } from '../support/instances.ts';
import { freshRedisLiveStore, keysUnder, type FreshRedis } from '../support/redis.ts';

// Wednesday 18 November 2026, 03:00 in London: only Cat4's 24-hour cover is open.
const NIGHT = new Date('2026-11-18T03:00:00Z');
const { cat4 } = CUSTOMERS;
const { sam, alex, morgan } = ENGINEERS;

let fresh: FreshDatabase;
let redis: FreshRedis;
let outbox: ReturnType<typeof tempDir>;
let engineerIds: Record<keyof typeof ENGINEERS, string>;

const lines: Line[] = [];
const balancers: Balancer[] = [];

beforeAll(async () => {
  fresh = await freshDatabase();
  redis = await freshRedisLiveStore();
  outbox = tempDir();
  engineerIds = await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
});

afterEach(async () => {
  for (const b of balancers.splice(0)) await b.close();
  for (const line of lines.splice(0)) await line.stop().catch(() => undefined);
});

afterAll(async () => {
  await redis?.cleanup();
  await fresh?.drop();
  outbox?.remove();
});

interface Pair {
  a: Line;
  b: Line;
  clock: ManualClock;
  /** The simulated Twilio, its webhooks alternating between the instances. */
  sim: TwilioSimulator;
  /** Twilio's REST API, shared by both instances (ring-first only). */
  api: TwilioRestDouble;
}

/**
 * `ringFirst`: both instances have the REST API and TWILIO_RING_FIRST (the engineer rings
 * as the caller queues); unset → as TWILIO_RING_FIRST in the test run's environment.
 */
async function pair(name: string, opts: { ringFirst?: boolean } = {}): Promise<Pair> {
  const clock = manualClock(NIGHT);
  const api = new TwilioRestDouble(ACCOUNT_SID, AUTH_TOKEN);
  const ringFirst: Record<string, string> = (opts.ringFirst ?? ringFirstFromEnv()) ? { TWILIO_RING_FIRST: 'true', TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_CALLER_ID: LINE_NUMBER } : { TWILIO_RING_FIRST: 'false' };
  const open = async (instance: string): Promise<Line> => {
    const line = await openInstance({
      name: `${name}-${instance}`,
      databaseUrl: fresh.url,
      redisUrl: REDIS_URL,
      redisPrefix: redis.prefix,
      outboxDir: outbox.path,
      clock,
      env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL, ...ringFirst },
    });
    lines.push(line);
    line.components.push(twilioComponent(line, { clock: clock.now, httpClient: api }));
    await serve(line);
    return line;
  };
  const a = await open('a');
  const b = await open('b');
  const balancer = await startBalancer([a.url, b.url].map((u) => u.replace('localhost', '127.0.0.1')));
  balancers.push(balancer);
  const sim = new TwilioSimulator({
    target: balancer.url,
    publicBaseUrl: PUBLIC_BASE_URL,
    authToken: AUTH_TOKEN,
    startAt: clock.now(),
    onAdvance: (ms) => clock.advance(ms / 1000),
  });
  api.attach(sim);
  return { a, b, clock, sim, api };
}

describe('engineer locks with webhooks alternating between two instances', () => {
  it('eight critical Cat4 calls in a row each reach an engineer, and no engineer stays locked afterwards', async () => {
    const { sim } = await pair('locks');
    for (let n = 1; n <= 8; n += 1) {
      // Whoever is rung first answers and presses 1; the call ends after a short chat.
      for (const e of [sam, alex, morgan]) sim.engineer(e.phone).answers().presses('1');
      const caller = sim.call({ from: cat4.phone });
      await caller.hears('greeting', 'enter-pin').presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference', 'connecting-oncall');
      await caller.isConnectedTo(sam.phone);
      await caller.hangsUp();
      const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
      expect(call, `call ${n}`).toMatchObject({ route: 'oncall', outcome: 'engineer' });
      // Unused plans would answer the next call: start each call from a clean slate.
      for (const e of [sam, alex, morgan]) while (sim.engineer(e.phone).next().kind === 'answer');
    }
    expect(sim.engineer(sam.phone).rings.filter((r) => r.bridged)).toHaveLength(8);
    expect(await keysUnder(`${redis.prefix}lock:engineer:`)).toEqual([]);
  });
});

describe('who may see a call', () => {
  it('an engineer skipped because they are on another call was never rung, and cannot see the call', async () => {
    const { sim } = await pair('visibility');
    sim.engineer(sam.phone).answers().presses('1');
    sim.engineer(alex.phone).answers().presses('1');
    const first = sim.call({ from: cat4.phone });
    await first.presses(`${cat4.pin}#`).presses('1').presses('1').isConnectedTo(sam.phone);
    // Sam is still talking to the first caller when the second critical call comes in.
    const second = sim.call({ from: cat4.phone });
    await second.presses(`${cat4.pin}#`).presses('1').presses('1').isConnectedTo(alex.phone);
    await second.hangsUp();
    await first.hangsUp();

    const call = await findCallByCarrierId(fresh.db, 'twilio', second.callSid);
    const timeline = await callTimeline(fresh.db, call!.id);
    expect(timeline.filter((e) => e.type === 'engineer-result').map((e) => e.detail)).toContainEqual(
      expect.objectContaining({ engineerId: engineerIds.sam, outcome: 'locked' }),
    );
    expect(timeline.filter((e) => e.type === 'engineer-rung').map((e) => e.detail['engineerId'])).toEqual([engineerIds.alex]);
    expect(sim.engineer(sam.phone).rings).toHaveLength(1);
    expect(await engineerWasRung(fresh.db, call!.id, engineerIds.sam)).toBe(false);
    expect(await engineerWasRung(fresh.db, call!.id, engineerIds.alex)).toBe(true);
  });
});

describe('what strangers can do to /metrics', () => {
  it('unsigned requests to made-up webhook paths add no series, on either instance', async () => {
    const { a, b } = await pair('metrics');
    const series = async (line: Line) => {
      const text = await (await fetch(`${line.url}/metrics`)).text();
      return text.split('\n').filter((l) => l.startsWith('support_line_twilio_webhook_duration_seconds_count'));
    };
    const knock = (line: Line, word: string) => fetch(`${line.url}/twilio/${word}`, { method: 'POST', body: 'CallSid=CA1' });
    for (const line of [a, b]) await knock(line, 'warmup');
    const before = [await series(a), await series(b)];
    // Four hundred one-word paths, spread over both instances, none of them a webhook the line has.
    for (let n = 0; n < 400; n += 1) {
      const refused = await knock(n % 2 === 0 ? a : b, `probe${String.fromCharCode(97 + (n % 26))}${'x'.repeat(n % 17)}`);
      expect(refused.status).toBe(403);
    }
    expect([await series(a), await series(b)].map((s) => s.length)).toEqual(before.map((s) => s.length));
    expect((await series(a)).join('\n')).toMatch(/route="other",status="403"\} 201/);
  });
});

describe("Twilio's retried callbacks", () => {
  it('a status callback delivered again, to either instance, adds nothing to the timeline', async () => {
    const { sim } = await pair('status');
    sim.engineer(sam.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').isConnectedTo(sam.phone);
    await caller.hangsUp();
    const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
    const statusEntries = async () => (await callTimeline(fresh.db, call!.id)).filter((e) => /^twilio\..*(status|-leg)$/.test(e.type));
    const before = await statusEntries();
    expect(before.map((e) => e.type)).toContain('twilio.status');

    // Twilio did not hear back in time and delivers every status callback twice more; the balancer alternates.
    const callbacks = sim.webhooks.filter((w) => new URL(w.url).pathname === '/twilio/status');
    expect(callbacks.length).toBeGreaterThan(1);
    for (let round = 0; round < 2; round += 1) {
      for (const w of callbacks) expect((await sim.replay(w)).status).toBe(204);
    }
    expect((await statusEntries()).map((e) => e.seq)).toEqual(before.map((e) => e.seq));
    const seqs = (await callTimeline(fresh.db, call!.id)).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});

describe('the PIN lockout under simultaneous guesses', () => {
  it('forty callers typing a PIN for one account at the same instant, on two instances: at most five PINs are checked', async () => {
    const { a, b, clock } = await pair('pins');
    const { wrongPin } = CUSTOMERS;
    // Forty callers from numbers the line does not know, so each gives the account number first.
    const calls = await Promise.all(
      Array.from({ length: 40 }, (_, n) => LiveCall.dial(n % 2 === 0 ? a.calls : b.calls, clock, `+4477009002${String(n).padStart(2, '0')}`)),
    );
    for (const call of calls) await call.press(`${wrongPin.number}#`);
    // Thirty-nine wrong PINs and the right one, all at once.
    const results = await Promise.all(calls.map((call, n) => call.press(n === 20 ? `${wrongPin.pin}#` : '0000#')));
    expect(results).toHaveLength(40);

    const outcomes = await fresh.db.query<{ result: string; n: string }>(
      "select detail->>'result' as result, count(*) as n from call_events where type = 'pin-checked' and call_id = any($1::uuid[]) group by 1",
      [calls.map((c) => c.callId)],
    );
    const audited = await fresh.db.query<{ n: string }>("select count(*) as n from audit_log where action like 'pin.%' and detail->>'accountNumber' = $1", [wrongPin.number]);
    const right = Number(outcomes.find((o) => o.result === 'ok')?.n ?? 0);
    // Checked = each wrong PIN audited, plus the right one if it was let through.
    expect(Number(audited[0]!.n) + right).toBeLessThanOrEqual(5);
    expect(outcomes.reduce((sum, o) => sum + Number(o.n), 0)).toBe(40);
    for (const call of calls) await call.hangUp();
    expect(await keysUnder(`${redis.prefix}pin:tries:`)).toEqual([]);
  });
});

const isStep = (url: string): boolean => new URL(url).pathname === '/twilio/step';

/**
 * Every webhook `twice` picks (by default every caller step) that the simulator sends to
 * instance `a` goes, at the same instant and byte for byte, to instance `b` too: each
 * pair of answers is kept.
 */
function everyStepTwiceAtOnce(sim: TwilioSimulator, b: Line, twice: (url: string, params: Params) => boolean = isStep): Array<[string, string]> {
  const answers: Array<[string, string]> = [];
  const send = sim.send.bind(sim);
  sim.send = async (url, params, opts): Promise<SentWebhook> => {
    if (!twice(url, params)) return send(url, params, opts);
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
    const [sent, other] = await Promise.all([
      send(url, params, { signature }),
      fetch(b.url + url.slice(PUBLIC_BASE_URL.replace(/\/+$/, '').length), {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
        body: new URLSearchParams(params).toString(),
      }).then((res) => res.text()),
    ]);
    answers.push([sent.body, other]);
    return sent;
  };
  return answers;
}

describe('the same webhook step delivered to both instances at once', () => {
  it('twenty critical calls, every key press on both instances at the same instant: one answer each, one ticket, one ring, no lock left', async () => {
    const { a, b, clock, api } = await pair('same-step');
    const sim = new TwilioSimulator({
      target: a.url.replace('localhost', '127.0.0.1'),
      publicBaseUrl: PUBLIC_BASE_URL,
      authToken: AUTH_TOKEN,
      startAt: clock.now(),
      onAdvance: (ms) => clock.advance(ms / 1000),
    });
    // Engineers rung through the REST API (TWILIO_RING_FIRST) ring in this simulator.
    api.attach(sim);
    const answers = everyStepTwiceAtOnce(sim, b);
    let wrongPins = 0;
    for (let n = 1; n <= 20; n += 1) {
      sim.engineer(sam.phone).answers().presses('1');
      const caller = sim.call({ from: cat4.phone });
      await caller.hears('greeting', 'enter-pin');
      // Every fifth caller mistypes the PIN once first: one wrong PIN, counted once.
      const mistyped = n % 5 === 1;
      if (mistyped) await caller.presses('0000#');
      await caller.presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference', 'connecting-oncall');
      await caller.isConnectedTo(sam.phone);
      await caller.hangsUp();
      wrongPins += mistyped ? 1 : 0;
      const audited = await fresh.db.query<{ n: string }>("select count(*) as n from audit_log where action like 'pin.%' and detail->>'accountNumber' = $1", [cat4.number]);
      expect(Number(audited[0]!.n), `wrong PINs counted after call ${n}`).toBe(wrongPins);

      const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
      expect(call, `call ${n}`).toMatchObject({ route: 'oncall', outcome: 'engineer' });
      const timeline = await callTimeline(fresh.db, call!.id);
      const count = (type: string) => timeline.filter((e) => e.type === type).length;
      expect({ call: n, keys: count('keys'), pins: count('pin-checked'), tickets: count('ticket-created'), rung: count('engineer-rung') }).toEqual({
        call: n,
        keys: mistyped ? 4 : 3,
        pins: mistyped ? 2 : 1,
        tickets: 1,
        rung: 1,
      });
      expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
      const tickets = await fresh.db.query<{ n: string }>('select count(*) as n from tickets where call_id = $1', [call!.id]);
      expect(Number(tickets[0]!.n), `tickets of call ${n}`).toBe(1);
      expect(await keysUnder(`${redis.prefix}lock:engineer:`), `locks after call ${n}`).toEqual([]);
      for (const e of [sam, alex, morgan]) while (sim.engineer(e.phone).next().kind === 'answer');
    }
    expect(answers.length).toBeGreaterThanOrEqual(60);
    for (const [first, second] of answers) expect(second).toBe(first);
    // Twenty calls on two instances: 17 s on a quiet machine, 28-30 s at load 17 (so not the 30 s default).
  }, 120_000);
});

describe('the engineer rung first (TWILIO_RING_FIRST) with two instances', () => {
  /** The simulated Twilio sending to instance `a` only (the test doubles what it chooses to `b`). */
  function simOn(p: Pair): TwilioSimulator {
    const sim = new TwilioSimulator({
      target: p.a.url.replace('localhost', '127.0.0.1'),
      publicBaseUrl: PUBLIC_BASE_URL,
      authToken: AUTH_TOKEN,
      startAt: p.clock.now(),
      onAdvance: (ms) => p.clock.advance(ms / 1000),
    });
    p.api.attach(sim);
    return sim;
  }

  it('every caller step on both instances at the same instant: one call created per engineer rung, the same TwiML from both', async () => {
    const p = await pair('ring-same-step', { ringFirst: true });
    const sim = simOn(p);
    const answers = everyStepTwiceAtOnce(sim, p.b);
    for (let n = 1; n <= 4; n += 1) {
      // Sam does not answer (his status moves the caller on by a redirect, itself a step on both); Alex takes the call.
      sim.engineer(sam.phone).doesNotAnswer();
      sim.engineer(alex.phone).answers().presses('1');
      const caller = sim.call({ from: cat4.phone });
      await caller.presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference', 'connecting-oncall').isConnectedTo(alex.phone);
      await caller.hangsUp();
      expect(p.api.calls.map((c) => c.to), `calls created by call ${n}`).toEqual(Array.from({ length: n }, () => [sam.phone, alex.phone]).flat());
      expect(p.api.updates.filter((u) => u.url), `callers moved by call ${n}`).toHaveLength(n);
      const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
      expect(call, `call ${n}`).toMatchObject({ route: 'oncall', outcome: 'engineer' });
      expect(await keysUnder(`${redis.prefix}lock:engineer:`), `locks after call ${n}`).toEqual([]);
      for (const e of [sam, alex, morgan]) while (sim.engineer(e.phone).next().kind === 'answer');
    }
    expect(answers.length).toBeGreaterThanOrEqual(16);
    for (const [first, second] of answers) expect(second).toBe(first);
  });

  it("Twilio's retry of the critical key's webhook, to the other instance, answers the same and rings nobody again", async () => {
    const { sim, api } = await pair('ring-retry', { ringFirst: true });
    sim.engineer(sam.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').isConnectedTo(sam.phone);
    const critical = [...sim.webhooks].reverse().find((w) => w.url.includes('purpose=critical'));
    expect(critical?.body).toContain('<Enqueue');
    for (let round = 0; round < 2; round += 1) expect((await sim.replay(critical!)).body).toBe(critical!.body);
    expect(api.calls.map((c) => c.to)).toEqual([sam.phone]);
    await caller.hangsUp();
  });

  /** Each engineer call's final status goes to both instances at the same instant. */
  function finalStatusTwice(p: Pair): TwilioSimulator {
    const sim = simOn(p);
    const engineerLegEnded = (url: string, params: Params): boolean =>
      new URL(url).pathname === '/twilio/status' && url.includes('leg=engineer') && ['no-answer', 'completed'].includes(params['CallStatus'] ?? '');
    everyStepTwiceAtOnce(sim, p.b, engineerLegEnded);
    return sim;
  }

  it("an unanswered engineer call's status delivered to both instances at once moves the waiting caller on once", async () => {
    const p = await pair('ring-status-twice', { ringFirst: true });
    const sim = finalStatusTwice(p);
    sim.engineer(sam.phone).doesNotAnswer();
    sim.engineer(alex.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference').isConnectedTo(alex.phone);
    await caller.hangsUp();
    expect({ created: p.api.calls.map((c) => c.to), moved: p.api.updates.filter((u) => u.url).length }).toEqual({ created: [sam.phone, alex.phone], moved: 1 });
    expect(await keysUnder(`${redis.prefix}lock:engineer:`)).toEqual([]);
  });

  it('an engineer who hangs up during the whisper, their call\'s completed status on both instances at once: the caller moves on once, to the next engineer', async () => {
    const p = await pair('ring-whisper-twice', { ringFirst: true });
    const sim = finalStatusTwice(p);
    sim.engineer(sam.phone).doesNotAnswer();
    sim.engineer(alex.phone).answers().hangsUpDuringWhisper();
    sim.engineer(morgan.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference').isConnectedTo(morgan.phone);
    await caller.hangsUp();
    expect({ created: p.api.calls.map((c) => c.to), moved: p.api.updates.filter((u) => u.url).length }).toEqual({ created: [sam.phone, alex.phone, morgan.phone], moved: 2 });
    const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
    const timeline = await callTimeline(fresh.db, call!.id);
    expect(timeline.filter((e) => e.type === 'engineer-result').map((e) => e.detail['outcome'])).toEqual(['no_answer', 'no_key', 'accepted']);
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
    expect(await keysUnder(`${redis.prefix}lock:engineer:`)).toEqual([]);
  });
});
