// The Twilio webhooks under the things that go wrong: retried deliveries, forged or
// altered requests, Asterisk up or down, stores failing mid-call, bad bodies.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import twilio from 'twilio';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pgCallRecords } from '../../src/calls/pg-records.ts';
import { callTimeline, findCallByCarrierId } from '../../src/store/calls.ts';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import {
  ASTERISK_SIP_URI,
  AUTH_TOKEN,
  DESK_NUMBER,
  PUBLIC_BASE_URL,
  startTwilioLine,
  type TwilioLineOptions,
  type TwilioLine,
} from '../support/fake-twilio/line.ts';
import { newSid, type Caller, type SentWebhook } from '../support/fake-twilio/simulator.ts';
import { parseTwiml } from '../support/fake-twilio/twiml.ts';
import { PROMPTS } from '../../src/domain/prompts.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();
const NIGHT = '2026-11-18T03:00:00Z';
const OFFICE = '2026-11-18T10:00:00Z';
const { cat4, cat1 } = CUSTOMERS;
const { sam, alex } = ENGINEERS;

let line: TwilioLine;
beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
});
afterEach(async () => {
  await line?.close();
});

async function lineAt(at: string, opts: Partial<TwilioLineOptions> = {}): Promise<TwilioLine> {
  line = await startTwilioLine({ db: fresh.db, live: redis.store, at, ...opts });
  return line;
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const [row] = await fresh.db.query<{ n: string }>(sql, params);
  return Number(row?.n ?? 0);
}

async function timelineOf(caller: Caller): Promise<string[]> {
  const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
  return call ? (await callTimeline(fresh.db, call.id)).map((e) => e.type) : [];
}

const lastWebhook = (l: TwilioLine, test: (w: SentWebhook) => boolean): SentWebhook => {
  const found = [...l.sim.webhooks].reverse().find(test);
  if (!found) throw new Error('no such webhook sent');
  return found;
};

/** The action URL of the <Gather> in a webhook's answer. */
function gatherAction(w: SentWebhook): string {
  const gather = parseTwiml(w.body, w.contentType).children.find((v) => v.name === 'Gather');
  return gather?.attrs['action'] ?? '';
}

describe('Twilio retries have the effect of one delivery', () => {
  it('a repeated Voice URL request answers the same and opens one call', async () => {
    const l = await lineAt(OFFICE);
    const caller = l.sim.call({ from: cat1.phone });
    await caller.hears('enter-pin');
    const first = lastWebhook(l, (w) => w.url.endsWith('/twilio/voice'));
    const again = await l.sim.replay(first);
    expect(again.body).toBe(first.body);
    expect(await count('select count(*) as n from calls where carrier_call_id = $1', [caller.callSid])).toBe(1);
    await caller.hangsUp();
  });

  it.each([false, true])('the answer that raises the ticket and rings the engineer, delivered twice: one ticket, one ring (rung first: %s)', async (rest) => {
    const l = await lineAt(NIGHT, { rest });
    l.sim.engineer(sam.phone).doesNotAnswer();
    l.sim.engineer(alex.phone).answers().presses('1');
    const caller = l.sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').isConnectedTo(alex.phone);

    const critical = lastWebhook(l, (w) => w.url.includes('purpose=critical'));
    expect((await l.sim.replay(critical)).body).toBe(critical.body);
    // Sam's no-answer: the caller's <Dial> action, or (rung first) the redirect his call's status sent the queued caller on.
    const noAnswer = lastWebhook(l, (w) => w.url.includes('on=engineer') && (w.params['DialCallStatus'] === 'no-answer' || w.url.includes('outcome=no_answer')));
    expect((await l.sim.replay(noAnswer)).body).toBe(noAnswer.body);
    if (l.ringFirst) {
      const status = lastWebhook(l, (w) => w.url.includes('/twilio/status') && w.url.includes('leg=engineer') && w.params['CallStatus'] === 'no-answer');
      expect((await l.sim.replay(status)).status).toBe(204);
      // Nobody rung again, the caller (now with Alex) not moved again.
      expect({ created: l.api.calls.map((c) => c.to), moved: l.api.updates.filter((u) => u.url).length }).toEqual({ created: [sam.phone, alex.phone], moved: 1 });
    }
    const accepted = lastWebhook(l, (w) => w.url.includes('/twilio/screen-result'));
    expect((await l.sim.replay(accepted)).body).toBe(accepted.body);

    const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
    expect(await count('select count(*) as n from tickets where call_id = $1', [call?.id])).toBe(1);
    const types = await timelineOf(caller);
    expect(types.filter((t) => t === 'engineer-rung')).toHaveLength(2);
    expect(types.filter((t) => t === 'response-met')).toHaveLength(1);
    await caller.hangsUp();
  });
});

describe('signatures', () => {
  it('a forged Voice URL request is refused with 403 and opens no call', async () => {
    const l = await lineAt(OFFICE);
    const sid = newSid('CA');
    const params = l.sim.callParams({ sid, from: cat1.phone, to: l.sim.lineNumber, status: 'ringing', direction: 'inbound' });
    const forged = await l.sim.send(`${PUBLIC_BASE_URL}/twilio/voice`, params, { signature: 'bm90IGEgc2lnbmF0dXJl' });
    expect(forged.status).toBe(403);
    const unsigned = await l.sim.send(`${PUBLIC_BASE_URL}/twilio/voice`, params, { signature: null });
    expect(unsigned.status).toBe(403);
    expect(await findCallByCarrierId(fresh.db, 'twilio', sid)).toBeNull();
  });

  it('an unsigned or forged request with a corrupt gzip or brotli body is refused before the body is read, and gives nothing away', async () => {
    const l = await lineAt(OFFICE);
    const calls = await count('select count(*) as n from calls', []);
    for (const encoding of ['gzip', 'br', 'deflate']) {
      for (const signature of [null, 'bm90IGEgc2lnbmF0dXJl']) {
        const res = await fetch(l.url + '/twilio/voice', {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': encoding, ...(signature ? { 'X-Twilio-Signature': signature } : {}) },
          body: Buffer.from('this is not compressed at all'),
        });
        const body = await res.text();
        expect([400, 403, 415], `${encoding}, signature ${signature}`).toContain(res.status);
        expect(body).not.toContain(DESK_NUMBER);
        expect(body).not.toMatch(/<Response/);
      }
    }
    expect(await count('select count(*) as n from calls', [])).toBe(calls);
  });

  it('a signed request with one parameter changed is refused, and the call carries on untouched', async () => {
    const l = await lineAt(OFFICE);
    l.sim.desk(DESK_NUMBER).answers();
    const caller = l.sim.call({ from: cat1.phone });
    await caller.hears('enter-pin');
    const action = gatherAction(lastWebhook(l, (w) => w.url.endsWith('/twilio/voice')));
    const params = { ...l.sim.callParams({ sid: caller.callSid, from: cat1.phone, to: l.sim.lineNumber, status: 'in-progress', direction: 'inbound' }), Digits: '0000', FinishedOnKey: '#' };
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, action, params);
    const tampered = await l.sim.send(action, { ...params, Digits: cat1.pin }, { signature });
    expect(tampered.status).toBe(403);
    const callId = (await findCallByCarrierId(fresh.db, 'twilio', caller.callSid))?.id ?? '';
    expect((await l.calls.snapshot(callId))?.phase).toBe('pin');
    await caller.presses(`${cat1.pin}#`).hears('main-menu').hangsUp();
  });
});

describe('Asterisk first, Twilio when it cannot', () => {
  it('hands the call to Asterisk over SIP while the ARI carrier is healthy', async () => {
    const l = await lineAt(OFFICE, { asteriskHealthy: true });
    l.sim.asterisk.answers();
    const caller = l.sim.call({ from: cat1.phone });
    await caller.isConnectedTo(ASTERISK_SIP_URI).hangsUp();
    expect(l.sim.asterisk.handOffs).toEqual([ASTERISK_SIP_URI]);
    expect(caller.heard).toEqual([]);
    expect(await findCallByCarrierId(fresh.db, 'twilio', caller.callSid)).toBeNull();
  });

  it.each([
    ['rejects the INVITE with 503', (l: TwilioLine) => l.sim.asterisk.rejects(503), '503'],
    ['is busy (486)', (l: TwilioLine) => l.sim.asterisk.rejects(486), '486'],
    ['does not answer', (l: TwilioLine) => l.sim.asterisk.doesNotAnswer(), '408'],
  ])('runs the IVR here when Asterisk %s', async (_what, script, code) => {
    const l = await lineAt(OFFICE, { asteriskHealthy: true });
    script(l);
    const caller = l.sim.call({ from: cat1.phone });
    await caller.hears('greeting', 'enter-pin').hangsUp();
    const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
    const notes = call ? await callTimeline(fresh.db, call.id) : [];
    expect(notes.find((e) => e.type === 'twilio.call')?.detail).toMatchObject({ why: 'sip-leg-failed', sipResponseCode: code });
  });

  it('runs the IVR at once when the ARI carrier is down, or no SIP URI is configured', async () => {
    const l = await lineAt(OFFICE, { asteriskHealthy: false });
    await l.sim.call({ from: cat1.phone }).hears('greeting').hangsUp();
    await l.close();
    const m = await lineAt(OFFICE, { asteriskHealthy: true, settings: { asteriskSipUri: null } });
    await m.sim.call({ from: cat1.phone }).hears('greeting').hangsUp();
    expect([...l.sim.asterisk.handOffs, ...m.sim.asterisk.handOffs]).toEqual([]);
  });

  it("runs the IVR at once for a trunk's disaster-recovery request and for the number's Fallback URL", async () => {
    const l = await lineAt(OFFICE, { asteriskHealthy: true });
    await l.sim.call({ from: cat1.phone, voicePath: '/twilio/voice?via=trunk' }).hears('greeting').hangsUp();
    await l.sim.call({ from: cat1.phone, extra: { ErrorCode: '11205', ErrorUrl: `${PUBLIC_BASE_URL}/twilio/voice` } }).hears('greeting').hangsUp();
    expect(l.sim.asterisk.handOffs).toEqual([]);
  });
});

describe('a webhook that fails inside still keeps the caller moving', () => {
  it('the call service failing (Redis down) sends the caller to the desk, with 200 TwiML', async () => {
    let failing = false;
    const l = await lineAt(OFFICE, {
      driver: (calls) => ({
        ...calls,
        feed: async (...args) => {
          if (failing) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
          return calls.feed(...args);
        },
      }),
    });
    l.sim.desk(DESK_NUMBER).answers();
    const caller = l.sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').check(() => {
      failing = true;
    });
    await caller.presses(`${cat1.pin}#`).hears('connecting-desk').isConnectedTo(DESK_NUMBER).hangsUp();
    expect(l.sim.webhooks.every((w) => w.status < 500)).toBe(true);
    expect(l.log.warnings('failed inside')).not.toHaveLength(0);
  });

  it('Postgres failing as the ticket is written takes a message when there is no desk number', async () => {
    const l = await lineAt(NIGHT, {
      settings: { deskNumber: null },
      records: (db) => ({
        ...pgCallRecords(db),
        createTicket: async () => {
          throw new Error('Connection terminated unexpectedly');
        },
      }),
    });
    const caller = l.sim.call({ from: cat4.phone });
    await caller
      .presses(`${cat4.pin}#`)
      .presses('1')
      .presses('1')
      .hears('leave-message')
      .leavesMessage({ seconds: 9 })
      .hears('message-taken', 'goodbye')
      .isHungUp();
    expect(l.log.warnings('safe-route message recorded')[0]).toMatchObject({ callSid: caller.callSid });
  });

  it('a failure at the very start (database down) still answers with the safe route', async () => {
    const l = await lineAt(OFFICE, {
      driver: (calls) => ({
        ...calls,
        start: async () => {
          throw new Error('database system is starting up');
        },
      }),
    });
    l.sim.desk(DESK_NUMBER).doesNotAnswer();
    const caller = l.sim.call({ from: cat1.phone });
    await caller.hears('connecting-desk', 'desk-busy', 'leave-message').leavesMessage().hears('message-taken').isHungUp();
  });

  it.each([false, true])("a failure on the engineer's screening leg never joins them; the ladder moves on (rung first: %s)", async (rest) => {
    let failOnce = true;
    const l = await lineAt(NIGHT, {
      rest,
      driver: (calls) => ({
        ...calls,
        feed: async (callId, event, at, options) => {
          if (event.type === 'engineerAnswered' && failOnce) {
            failOnce = false;
            throw new Error('ETIMEDOUT');
          }
          return calls.feed(callId, event, at, options);
        },
      }),
    });
    l.sim.engineer(sam.phone).answers().presses('1');
    l.sim.engineer(alex.phone).answers().presses('1');
    const caller = l.sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').isConnectedTo(alex.phone).hangsUp();
    expect(l.sim.engineer(sam.phone).rings[0]).toMatchObject({ outcome: 'answered', bridged: false });
  });
});

describe('bad requests', () => {
  async function signedPost(l: TwilioLine, pathAndQuery: string, body: string, params: Record<string, unknown>) {
    const url = PUBLIC_BASE_URL + pathAndQuery;
    return fetch(l.url + pathAndQuery, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params) },
      body,
    });
  }

  it('a step for a CallSid the line does not know gets the safe route and a log line', async () => {
    const l = await lineAt(OFFICE);
    const sid = newSid('CA');
    const params = { ...l.sim.callParams({ sid, from: cat1.phone, to: l.sim.lineNumber, status: 'in-progress', direction: 'inbound' }), Digits: '1', FinishedOnKey: '' };
    const res = await l.sim.send(`${PUBLIC_BASE_URL}/twilio/step?call=00000000-0000-4000-8000-000000000000&step=3&on=gather&purpose=menu`, params);
    expect(res.status).toBe(200);
    expect(parseTwiml(res.body, res.contentType).children.map((v) => v.name)).toEqual(['Say', 'Dial']);
    expect(res.body).toContain(PROMPTS['connecting-desk']);
    expect(l.log.warnings('does not know')).toHaveLength(1);
  });

  it('5,000 digits on a live call: safe TwiML, a log line, and the flow never sees them', async () => {
    const l = await lineAt(OFFICE);
    const caller = l.sim.call({ from: cat1.phone });
    await caller.hears('enter-pin');
    const action = gatherAction(lastWebhook(l, (w) => w.url.endsWith('/twilio/voice')));
    const res = await l.sim.send(action, {
      ...l.sim.callParams({ sid: caller.callSid, from: cat1.phone, to: l.sim.lineNumber, status: 'in-progress', direction: 'inbound' }),
      Digits: '7'.repeat(5000),
      FinishedOnKey: '#',
    });
    expect(res.status).toBe(200);
    expect(() => parseTwiml(res.body, res.contentType)).not.toThrow();
    expect(l.log.warnings('absurdly long Digits')).toHaveLength(1);
    const callId = (await findCallByCarrierId(fresh.db, 'twilio', caller.callSid))?.id ?? '';
    expect((await l.calls.snapshot(callId))?.phase).toBe('pin');
    await caller.hangsUp();
  });

  it('a body without a CallSid, or with a field repeated, is a 400', async () => {
    const l = await lineAt(OFFICE);
    const missing = await signedPost(l, '/twilio/voice', 'From=%2B441632960125&To=%2B441632960000', { From: '+441632960125', To: '+441632960000' });
    expect(missing.status).toBe(400);
    const sid = newSid('CA');
    const repeated = await signedPost(l, '/twilio/voice', `CallSid=${sid}&From=a&From=b`, { CallSid: sid, From: ['a', 'b'] });
    expect(repeated.status).toBe(400);
    expect(l.log.warnings('malformed Twilio webhook')).toHaveLength(2);
  });

  it('an oversized body is a 413 and a JSON body is not a Twilio webhook', async () => {
    const l = await lineAt(OFFICE);
    const big = await signedPost(l, '/twilio/voice', `CallSid=${newSid('CA')}&Junk=${'x'.repeat(20_000)}`, {});
    expect(big.status).toBe(413);
    const json = await fetch(l.url + '/twilio/voice', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_BASE_URL}/twilio/voice`, {}) },
      body: JSON.stringify({ CallSid: newSid('CA') }),
    });
    expect(json.status).toBe(400);
  });

  it('a status callback for an unknown call is acknowledged and changes nothing', async () => {
    const l = await lineAt(OFFICE);
    const sid = newSid('CA');
    const res = await l.sim.send(`${PUBLIC_BASE_URL}/twilio/status`, {
      ...l.sim.callParams({ sid, from: cat1.phone, to: l.sim.lineNumber, status: 'completed', direction: 'inbound' }),
      CallDuration: '12',
    });
    expect(res.status).toBe(204);
    expect(await findCallByCarrierId(fresh.db, 'twilio', sid)).toBeNull();
  });
});

describe('prompts played from files', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('plays the rendered prompt files this app serves, and speaks the rest', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sl-prompts-'));
    await writeFile(path.join(dir, 'greeting.wav'), Buffer.from('RIFF....WAVEfmt '));
    const l = await lineAt(OFFICE, { settings: { prompts: 'play', promptsDir: dir } });
    const caller = l.sim.call({ from: cat1.phone });
    await caller.hears('greeting', 'enter-pin').hangsUp();
    const voice = lastWebhook(l, (w) => w.url.endsWith('/twilio/voice'));
    expect(voice.body).toContain(`<Play>${PUBLIC_BASE_URL}/twilio/prompts/greeting.wav</Play>`);

    expect((await fetch(`${l.url}/twilio/prompts/greeting.wav`)).status).toBe(200);
    expect((await fetch(`${l.url}/twilio/prompts/goodbye.wav`)).status).toBe(404); // not rendered
    expect((await fetch(`${l.url}/twilio/prompts/not-a-prompt.wav`)).status).toBe(404);
    expect((await fetch(`${l.url}/twilio/prompts/..%2Fpackage.json`)).status).toBe(404);
  });
});
