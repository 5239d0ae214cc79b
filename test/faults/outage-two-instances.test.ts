// Two instances behind one load balancer, every Twilio webhook of every call going
// to the other instance than the one before, and Postgres taken away for a minute
// in the middle of 200 calls. Each instance journals what it cannot write, so one
// call's writes end up split over both journals, and the journals drain in whatever
// order they drain. Afterwards every caller's ticket reference is a real ticket of
// their call, every timeline is whole, every message is on its ticket, and nothing
// was set aside.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCarriers } from '../../src/carriers/start.ts';
import { PROMPTS } from '../../src/domain/prompts.ts';
import { serve, type Line } from '../../src/runtime.ts';
import { callTimeline, findCallByCarrierId } from '../../src/store/calls.ts';
import { getTicket } from '../../src/store/tickets.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture, type Customer } from '../support/fake-twilio/fixture.ts';
import { TwilioSimulator, type Caller } from '../support/fake-twilio/simulator.ts';
import { FAST_RESILIENCE, manualClock, openInstance, tempDir, until, type ManualClock } from '../support/instances.ts';
import { freshRedisLiveStore, type FreshRedis } from '../support/redis.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const PUBLIC_BASE_URL = 'https://support-line.example.co.uk';
const AUTH_TOKEN = 'outage-two-instances-token';
// Wednesday 18 November 2026, 03:00 in London: only 24-hour cover is open.
const NIGHT = new Date('2026-11-18T03:00:00Z');
const CALLS = 200;
/** Calls in progress at once (the load balancer's callers). */
const AT_ONCE = 8;
/** Postgres goes away as call 20 rings and comes back as call 160 rings: calls are mid-way at both edges. */
const CUT_AT = 20;
const RESTORE_AT = 160;
/** The line's clock moves a minute across the outage, spread over the calls that ring during it. */
const OUTAGE_SECONDS = 60;

let fresh: FreshDatabase;
let redis: FreshRedis;
let proxy: TcpProxy;
let outbox: ReturnType<typeof tempDir>;
let clock: ManualClock;
let a: Line;
let b: Line;

beforeAll(async () => {
  fresh = await freshDatabase();
  redis = await freshRedisLiveStore();
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
  proxy = await startTcpProxy({ port: Number(new URL(fresh.url).port || 5432) });
  outbox = tempDir();
  clock = manualClock(NIGHT);
  [a, b] = await Promise.all([instance('lb-a'), instance('lb-b')]);
});

afterAll(async () => {
  await proxy?.restore();
  for (const line of [a, b]) await line?.stop().catch(() => undefined);
  await proxy?.close();
  await redis?.cleanup();
  await fresh?.drop();
  outbox?.remove();
});

async function instance(name: string): Promise<Line> {
  const line = await openInstance({
    name,
    databaseUrl: proxy.url(fresh.url),
    redisUrl: REDIS_URL,
    redisPrefix: redis.prefix,
    outboxDir: outbox.path,
    clock,
    env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL, DESK_NUMBER: '+441632960999' },
    resilience: FAST_RESILIENCE,
  });
  await startCarriers(line);
  await serve(line);
  return line;
}

type Kind = 'engineer-joins' | 'nobody-answers' | 'non-critical' | 'wrong-pin';

interface Placed {
  kind: Kind;
  caller: Caller;
  /** The digits after "Your ticket reference is", if the caller heard one. */
  reference: string | null;
  /** The caller left a message. */
  message: boolean;
}

const KINDS: Kind[] = ['engineer-joins', 'nobody-answers', 'non-critical', 'engineer-joins', 'nobody-answers', 'non-critical', 'engineer-joins', 'wrong-pin'];

/** One caller through the load balancer: each webhook of the call goes to the other instance. */
async function placeCall(i: number): Promise<Placed> {
  const kind = KINDS[i % KINDS.length]!;
  // Ringing, recording and talking are Twilio's time; the line's clock is the test's.
  const sim = new TwilioSimulator({ target: [a.url, b.url], publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN, startAt: clock.now() });
  if (kind === 'engineer-joins') sim.engineer(ENGINEERS.sam.phone).answers().presses('1');
  const customer: Customer = kind === 'non-critical' ? CUSTOMERS.cat1 : kind === 'wrong-pin' ? CUSTOMERS.wrongPin : CUSTOMERS.cat4;
  const caller = sim.call({ from: customer.phone });
  let message = false;
  await caller;
  if (kind === 'wrong-pin') {
    for (let tries = 0; tries < 3 && caller.state === 'gather'; tries += 1) await caller.presses('0000#');
  } else {
    await caller.presses(`${customer.pin}#`).presses('1').presses(kind === 'non-critical' ? '2' : '1');
  }
  // Whoever was free: joined to an engineer, or a message after the ladder.
  if (caller.state === 'record') {
    await caller.leavesMessage({ seconds: 20 });
    message = true;
  }
  if (caller.state !== 'ended') await caller.hangsUp();
  return { kind, caller, reference: referenceHeard(caller.heard), message };
}

function referenceHeard(heard: readonly string[]): string | null {
  const at = heard.findIndex((h) => h.includes(PROMPTS['ticket-reference']));
  if (at < 0) return null;
  const said = heard.slice(at).join(' ').slice(heard.slice(at).join(' ').indexOf(PROMPTS['ticket-reference']) + PROMPTS['ticket-reference'].length);
  return /^[\s.]*([0-9](?: [0-9])*)/.exec(said)?.[1]?.replace(/ /g, '') ?? null;
}

describe('Postgres away for a minute under two instances with webhooks alternating', () => {
  it('200 callers: every ticket reference exists, every timeline is whole, every message is attached, nothing parked', { timeout: 240_000 }, async () => {
    const placed: Placed[] = new Array(CALLS);
    const perOutageCall = OUTAGE_SECONDS / (RESTORE_AT - CUT_AT);
    let next = 0;
    let cutDuring = 0;
    const callers = Array.from({ length: AT_ONCE }, async () => {
      for (;;) {
        const i = next++;
        if (i >= CALLS) return;
        if (i === CUT_AT) await proxy.cut();
        if (i === RESTORE_AT) await proxy.restore();
        if (i >= CUT_AT && i < RESTORE_AT) {
          clock.advance(perOutageCall);
          cutDuring += 1;
        }
        placed[i] = await placeCall(i);
      }
    });
    await Promise.all(callers);
    expect(cutDuring).toBe(RESTORE_AT - CUT_AT);
    // Both instances noticed the outage and journaled; both drain, in their own time.
    for (const line of [a, b]) expect(line.metrics.registry.getSingleMetric('support_line_outbox_journaled_total')).toBeDefined();
    await until(
      () => [a, b].every((line) => line.resilience.postgres!.status().outbox === 0 && line.resilience.postgres!.status().mode === 'up'),
      'both outboxes to drain',
      120_000,
    );

    const problems: string[] = [];
    let references = 0;
    let messages = 0;
    for (const [i, p] of placed.entries()) {
      const who = `call ${i} (${p.kind}, ${p.caller.callSid})`;
      const call = await findCallByCarrierId(fresh.db, 'twilio', p.caller.callSid);
      if (!call) {
        problems.push(`${who}: no call record`);
        continue;
      }
      const timeline = await callTimeline(fresh.db, call.id);
      const seqs = timeline.map((e) => e.seq);
      if (seqs.some((s, i) => s !== i + 1)) problems.push(`${who}: timeline seqs ${seqs.join(',')}`);
      if (timeline.at(-1)?.type !== 'call-ended' && !timeline.some((e) => e.type === 'call-ended')) problems.push(`${who}: timeline has no end`);
      if (!call.endedAt) problems.push(`${who}: call never closed`);
      if (p.reference) {
        references += 1;
        const ticket = await getTicket(fresh.db, { reference: p.reference });
        if (!ticket) problems.push(`${who}: told ticket reference ${p.reference}, which does not exist`);
        else if (ticket.id !== call.ticketId) problems.push(`${who}: told ${p.reference}, but the call's ticket is ${call.ticketId}`);
      }
      if (p.message) {
        messages += 1;
        const ticket = call.ticketId ? await getTicket(fresh.db, { id: call.ticketId }) : null;
        if (!ticket?.recordingName) problems.push(`${who}: message not attached to a ticket`);
        else {
          if (ticket.events.filter((e) => e.type === 'recording').length !== 1) problems.push(`${who}: recording attached ${ticket.events.filter((e) => e.type === 'recording').length} times`);
          // The call's own summary is the one it ended with, whichever instance wrote last.
          if (call.recordingName !== ticket.recordingName) problems.push(`${who}: call summary says recording ${call.recordingName}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // The mix really happened: tickets given and messages taken, many of them during the outage.
    expect(references).toBeGreaterThan(CALLS / 2);
    expect(messages).toBeGreaterThan(CALLS / 4);
    for (const line of [a, b]) {
      expect(line.resilience.postgres!.status()).toMatchObject({ parked: 0, waiting: 0, outbox: 0 });
      expect(existsSync(join(outbox.path, `${line.config.INSTANCE_ID}.parked.jsonl`))).toBe(false);
    }
    // No ticket without its call, and one ticket per call.
    const orphans = await fresh.db.query<{ n: string }>(
      'select count(*) as n from tickets t where t.call_id is not null and not exists (select 1 from calls c where c.id = t.call_id and c.ticket_id = t.id)',
    );
    expect(Number(orphans[0]?.n)).toBe(0);
  });
});
