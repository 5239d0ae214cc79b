// The on-call ladder over Twilio: the engineer rung through the REST API as soon as
// the flow dials them (the caller waits in the call's queue, hearing the reference),
// screening, press 1 to take the caller from the queue, anything else moves on, and
// the ladder's end takes a message.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findCallByCarrierId, callTimeline } from '../../src/store/calls.ts';
import { getTicket } from '../../src/store/tickets.ts';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { startTwilioLine, type TwilioLine } from '../support/fake-twilio/line.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();
// Wednesday 18 November 2026, 03:00 in London (GMT): only 24-hour cover is open.
const NIGHT = '2026-11-18T03:00:00Z';
const { cat4 } = CUSTOMERS;
const { sam, alex, morgan } = ENGINEERS;

let line: TwilioLine;
beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
});
afterEach(async () => {
  await line?.close();
});

async function start(opts: { rest?: boolean; speechWordsPerSecond?: number } = {}): Promise<TwilioLine> {
  // The REST API on unless a test says otherwise: the engineer rings first.
  line = await startTwilioLine({ db: fresh.db, live: redis.store, at: NIGHT, rest: true, ...opts });
  return line;
}

/** Simulated seconds from the caller's critical key to the first engineer's phone ringing. */
async function keyToRing(l: TwilioLine): Promise<number> {
  const { sim } = l;
  sim.engineer(sam.phone).answers({ afterSeconds: 4 }).presses('1');
  let keyAt = 0;
  const caller = sim.call({ from: cat4.phone });
  await caller
    .presses(`${cat4.pin}#`)
    .presses('1')
    .check(() => {
      keyAt = sim.now().getTime();
    })
    .presses('1')
    .hears('ticket-reference', 'hold')
    .isConnectedTo(sam.phone)
    .hangsUp();
  const ring = sim.engineer(sam.phone).rings[0];
  if (!ring) throw new Error('the engineer never rang');
  return (ring.startedAt.getTime() - keyAt) / 1000;
}

async function callRecord(callSid: string) {
  const call = await findCallByCarrierId(fresh.db, 'twilio', callSid);
  if (!call) throw new Error(`no call for ${callSid}`);
  return call;
}

describe('the engineer rings first over Twilio', () => {
  it("rings the engineer within 2 s of the critical key, while the caller hears the reference and the hold", async () => {
    expect(await keyToRing(await start({ speechWordsPerSecond: 2.5 }))).toBeLessThanOrEqual(2);
  });

  it('without the REST API the caller dials the engineer only after the reference has been said', async () => {
    expect(await keyToRing(await start({ rest: false, speechWordsPerSecond: 2.5 }))).toBeGreaterThan(2);
  });

  it('rings the next engineer while the caller waits in the queue', async () => {
    const { sim, api } = await start();
    sim.engineer(sam.phone).doesNotAnswer();
    sim.engineer(alex.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference', 'hold').isConnectedTo(alex.phone);
    expect(api.calls.map((c) => c.to)).toEqual([sam.phone, alex.phone]);
    // Sam's unanswered call moved the caller on by a redirect, once; Alex took them from the queue.
    expect(api.updates.filter((u) => u.url)).toHaveLength(1);
    expect(caller.heard.filter((h) => h.includes('reference')).length).toBeGreaterThan(0);
    await caller.hangsUp();
  });

  it('moves the waiting caller on when Twilio refuses the first redirect for a moment (503, then 429)', async () => {
    const { sim, api } = await start();
    api.failNextUpdate(503, 20500, 'Service Unavailable').failNextUpdate(429, 20429, 'Too Many Requests');
    sim.engineer(sam.phone).doesNotAnswer();
    sim.engineer(alex.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference', 'hold').isConnectedTo(alex.phone);
    expect(api.calls.map((c) => c.to)).toEqual([sam.phone, alex.phone]);
    // Two refusals, then the redirect that took the caller from Sam's attempt to Alex's.
    expect(api.requests.filter((r) => /\/Calls\/CA[0-9a-f]{32}\.json$/.test(r.uri) && r.data?.['Url'])).toHaveLength(3);
    await caller.hangsUp();
  });

  it('gives up at once on a redirect Twilio refuses for good (the caller has gone)', async () => {
    const { sim, api } = await start();
    api.failNextUpdate(400, 21220, 'Call is not in-progress. Cannot redirect.');
    sim.engineer(sam.phone).doesNotAnswer();
    sim.engineer(alex.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference', 'hold');
    await caller.hangsUp();
    expect(api.requests.filter((r) => /\/Calls\/CA[0-9a-f]{32}\.json$/.test(r.uri) && r.data?.['Url'])).toHaveLength(1);
  });

  it("carries on when Twilio also asks the queue's action after the line moved the caller out of it", async () => {
    const { sim, api } = await start({ rest: true });
    // Twilio lists QueueResult "redirected"; whether a REST redirect posts it is unverified.
    sim.redirectAsksEnqueueAction = true;
    sim.engineer(sam.phone).doesNotAnswer();
    sim.engineer(alex.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference').isConnectedTo(alex.phone);
    // The one redirect the line made; Sam's finished call is not cancelled again.
    expect(api.updates).toEqual([expect.objectContaining({ url: expect.any(String) })]);
    await caller.hangsUp();
    const call = await callRecord(caller.callSid);
    const timeline = await callTimeline(fresh.db, call.id);
    expect(timeline.map((e) => e.type)).not.toContain('twilio.safe-route');
    expect(call.outcome).toBe('engineer');
  });

  it.each([true, false])('an engineer who hangs up during the whisper passes the caller to the next engineer (REST API: %s)', async (rest) => {
    const { sim, api } = await start({ rest });
    sim.engineer(sam.phone).answers().hangsUpDuringWhisper();
    sim.engineer(alex.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference').isConnectedTo(alex.phone);
    expect(sim.engineer(sam.phone).rings).toMatchObject([{ outcome: 'answered', bridged: false }]);
    expect(sim.engineer(sam.phone).heard.join(' ')).toContain('Press 1 to accept');
    // Over the REST API the caller was taken out of the queue once, to the step that rang Alex.
    if (rest) expect({ created: api.calls.map((c) => c.to), moved: api.updates.filter((u) => u.url).length }).toEqual({ created: [sam.phone, alex.phone], moved: 1 });
    await caller.hangsUp();
    const call = await callRecord(caller.callSid);
    const timeline = await callTimeline(fresh.db, call.id);
    expect(timeline.filter((e) => e.type === 'engineer-result').map((e) => e.detail['outcome'])).toEqual(['no_key', 'accepted']);
  });

  it('takes a message when every engineer hangs up during the whisper, every round', async () => {
    const { sim, api } = await start();
    for (const e of [sam, alex, morgan]) sim.engineer(e.phone).answers().hangsUpDuringWhisper().answers().hangsUpDuringWhisper();
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').hears('oncall-failed', 'leave-message').leavesMessage({ seconds: 12 }).hears('message-taken').isHungUp();
    for (const e of [sam, alex, morgan]) expect(sim.engineer(e.phone).rings.map((r) => r.outcome)).toEqual(['answered', 'answered']);
    // Six attempts, six moves out of the queue: one each.
    expect({ created: api.calls.length, moved: api.updates.filter((u) => u.url).length }).toEqual({ created: 6, moved: 6 });
    expect((await callRecord(caller.callSid)).outcome).toBe('message');
  });

  it("cancels the engineer's ringing call when the caller hangs up in the queue, and frees the engineer", async () => {
    const { sim, api } = await start();
    sim.engineer(sam.phone).keepsRinging();
    const first = sim.call({ from: cat4.phone });
    await first.presses(`${cat4.pin}#`).presses('1').presses('1').hears('ticket-reference').hangsUp();
    const [samCall] = api.calls;
    expect(api.updates).toEqual([{ sid: samCall?.sid, status: 'canceled', url: null }]);
    expect(sim.engineer(sam.phone).rings.map((r) => r.outcome)).toEqual(['canceled']);
    const call = await callRecord(first.callSid);
    expect(call.outcome).not.toBe('engineer');
    // Sam is free again: the next critical call rings Sam first.
    sim.engineer(sam.phone).answers().presses('1');
    const second = sim.call({ from: cat4.phone });
    await second.presses(`${cat4.pin}#`).presses('1').presses('1').isConnectedTo(sam.phone).hangsUp();
  });
});

describe('a critical Cat4 fault at night over Twilio', () => {
  it('rings the primary engineer, who hears the whisper, presses 1 and is joined to the caller', async () => {
    const { sim } = await start();
    sim.engineer(sam.phone).answers({ afterSeconds: 4 }).presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller
      .hears('greeting', 'enter-pin')
      .presses(`${cat4.pin}#`)
      .hears('main-menu')
      .presses('1')
      .hears('fault-critical-question')
      .presses('1')
      .hears('ticket-reference', 'connecting-oncall', 'hold')
      .isConnectedTo(sam.phone);

    const [ring] = sim.engineer(sam.phone).rings;
    expect(ring?.heard.join(' ')).toContain('Critical Cat 4 call from account');
    expect(ring?.heard.join(' ')).toContain(cat4.name);
    expect(ring?.heard.at(-1)).toContain('Connecting you to the caller now.');

    await caller.hangsUp();
    const call = await callRecord(caller.callSid);
    expect(call).toMatchObject({ outcome: 'engineer', route: 'oncall', tier: 'Cat4', priority: 'critical' });
    const ticket = await getTicket(fresh.db, { id: call.ticketId ?? '' });
    // The response target is met when the engineer accepts: four seconds into ringing.
    expect(ticket?.respondedAt).toEqual(new Date(Date.parse(NIGHT) + 4_000));
    const timeline = await callTimeline(fresh.db, call.id);
    // What the engineer pressed (Twilio's word), then the flow's bridge: in one write.
    const screened = timeline.findIndex((e) => e.type === 'twilio.screen');
    expect(timeline[screened]?.detail).toMatchObject({ outcome: 'accepted' });
    expect(timeline.slice(screened + 1).map((e) => e.type)).toContain('bridge');
  });

  it('moves to the secondary when the primary does not answer, and to the manager when the secondary presses 2', async () => {
    const { sim } = await start();
    sim.engineer(sam.phone).doesNotAnswer();
    sim.engineer(alex.phone).answers().presses('2');
    sim.engineer(morgan.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').isConnectedTo(morgan.phone);
    expect(sim.engineer(sam.phone).rings.map((r) => r.outcome)).toEqual(['no-answer']);
    expect(sim.engineer(alex.phone).rings.map((r) => r.bridged)).toEqual([false]);
    await caller.hangsUp();
  });

  it("treats a voicemail box that picks up (no key) as no answer", async () => {
    const { sim } = await start();
    sim.engineer(sam.phone).voicemailAnswers();
    sim.engineer(alex.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).presses('1').presses('1').isConnectedTo(alex.phone);
    expect(sim.engineer(sam.phone).rings[0]?.heard.join(' ')).toContain('Press 1 to accept');
    await caller.hangsUp();
  });

  it('takes a message and flags the ticket when every engineer fails for every round', async () => {
    const { sim } = await start();
    const caller = sim.call({ from: cat4.phone });
    await caller
      .presses(`${cat4.pin}#`)
      .presses('1')
      .presses('1')
      .hears('oncall-failed', 'leave-message')
      .leavesMessage({ seconds: 30 })
      .hears('message-taken', 'ticket-reference', 'goodbye')
      .isHungUp();
    for (const e of [sam, alex, morgan]) expect(sim.engineer(e.phone).rings).toHaveLength(2);
    const call = await callRecord(caller.callSid);
    expect(call.outcome).toBe('message');
    const ticket = await getTicket(fresh.db, { id: call.ticketId ?? '' });
    expect(ticket?.escalationFailed).toBe(true);
    expect(ticket?.recordingName).toMatch(/^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Recordings\/RE[0-9a-f]{32}$/);
  });

  it('never rings one engineer for two calls at once', async () => {
    const { sim } = await start();
    sim.engineer(sam.phone).keepsRinging();
    sim.engineer(alex.phone).answers().presses('1');
    const first = sim.call({ from: cat4.phone });
    await first.presses(`${cat4.pin}#`).presses('1').presses('1').hears('connecting-oncall');
    // Sam's phone is still ringing for the first call: the second call starts with Alex.
    const second = sim.call({ from: cat4.phone });
    await second.presses(`${cat4.pin}#`).presses('1').presses('1').isConnectedTo(alex.phone);
    expect(sim.engineer(sam.phone).rings).toHaveLength(1);
    await first.hangsUp();
    await second.hangsUp();
  });
});
