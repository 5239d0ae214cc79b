// The line keeps working when Asterisk, the network or this process misbehave: a
// dropped event socket, an Asterisk restart, a process restart mid-call, refused
// credentials, an Asterisk that is not there yet.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { startAsteriskLine, type AsteriskLine, type AsteriskLineOptions } from '../support/fake-asterisk/line.ts';
import type { Caller } from '../support/fake-asterisk/index.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();

const NIGHT = '2026-11-18T03:00:00Z';
const OFFICE = '2026-11-18T10:00:00Z';
const { cat4, cat1 } = CUSTOMERS;
const { sam, alex } = ENGINEERS;

let line: AsteriskLine | undefined;
beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
});
afterEach(async () => {
  const violations = line?.violations() ?? [];
  await line?.close();
  line = undefined;
  expect(violations).toEqual([]);
});

async function lineAt(at: string, options: Partial<AsteriskLineOptions> = {}): Promise<AsteriskLine> {
  line = await startAsteriskLine({ db: fresh.db, live: redis.store, at, ...options });
  return line;
}

function signsIn(caller: Caller, pin: string): Caller {
  return caller.hears('enter-pin').presses(`${pin}#`).hears('main-menu');
}

function reportsCriticalFault(caller: Caller): Caller {
  return signsIn(caller, cat4.pin).presses('1').hears('fault-critical-question').presses('1');
}

const types = (timeline: Array<{ type: string }>) => timeline.map((e) => e.type);

describe('the event WebSocket drops mid-call', () => {
  it('during a question: the line reconnects and asks again, and the call goes on', async () => {
    const { sim, carrier, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(3_000);
    const caller = signsIn(sim.call({ from: cat1.phone }), cat1.pin);
    await caller;
    sim.dropEventSockets();
    // The menu prompt ends while nobody is listening; the line comes back and asks again.
    await caller.hears('main-menu').presses('1').hears('fault-critical-question').presses('2').isConnectedTo(desk).hangsUp();
    expect(carrier.status()).toMatchObject({ state: 'connected', reconnects: 1 });
    const { call, timeline } = await callOf(caller);
    expect(call).toMatchObject({ outcome: 'desk' });
    expect(types(timeline)).toContain('ari.resumed');
  });

  it('while an engineer rings and answers unseen: the line notices the answer and whispers', async () => {
    const { sim } = await lineAt(NIGHT);
    const engineer = sim.engineer(sam.phone).answersAfter(2_000).presses('1');
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.hears('connecting-oncall');
    await sim.until(() => engineer.rang === 1, 'the engineer to be rung');
    sim.dropEventSockets();
    await caller.isConnectedTo(engineer).hangsUp();
    expect(engineer.heard(0)).toContain('whisper-accept');
  });

  it('the caller hangs up while the socket is down: the call is closed on reconnect', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const engineer = sim.engineer(sam.phone).doesNotAnswer();
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.hears('connecting-oncall');
    sim.dropEventSockets();
    sim.world.hangup(caller.channel!, 16, 'far-end');
    await sim.until(() => engineer.legs.every((l) => !l.alive) && line!.carrier.status().activeCalls === 0, 'the call to be closed');
    const { call, ticket } = await callOf(caller);
    expect(call.outcome).toBe('abandoned');
    expect(call.hangupCause).toContain('event socket');
    expect(ticket).not.toBeNull();
  });
});

describe('Asterisk restarts mid-call', () => {
  it('all channels are gone: the call is closed, its ticket kept, its engineer freed', async () => {
    const { sim, carrier, callOf } = await lineAt(NIGHT);
    const first = sim.engineer(sam.phone).doesNotAnswer();
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.hears('connecting-oncall', 'hold');
    await sim.restart();
    await sim.until(() => carrier.status().state === 'connected' && carrier.status().activeCalls === 0, 'the line to reconnect and close the call');
    const { call, ticket } = await callOf(caller);
    expect(call.outcome).toBe('abandoned');
    expect(ticket?.status).toBe('caller_abandoned');

    // The next call is answered as usual, and Sam (freed) is rung first.
    first.answersAfter(2_000).presses('1');
    const next = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await next.isConnectedTo(first).hangsUp();
  });
});

describe('this process restarts mid-call', () => {
  it('at a question: the new process picks the call up from the call service and asks again, no "no entry"', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = signsIn(sim.call({ from: cat1.phone }), cat1.pin);
    await caller;
    await line!.restartCarrier();
    await caller.hears('main-menu').presses('1').hears('fault-critical-question').presses('2').isConnectedTo(desk).hangsUp();
    expect(caller.transcript).not.toContain('no-entry');
    const { call, timeline } = await callOf(caller);
    expect(call.outcome).toBe('desk');
    expect(timeline.find((e) => e.type === 'ari.resumed')?.detail).toMatchObject({ after: 'restart', phase: 'menu' });
    expect(timeline.find((e) => e.type === 'resumed')?.detail).toEqual({ phase: 'menu' });
    expect(timeline.map((e) => e.type)).not.toContain('no-keys');
  });

  it('while the question is still being asked: the old prompt is stopped, the question is heard once more, not twice', async () => {
    const { sim } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = signsIn(sim.call({ from: cat1.phone }), cat1.pin);
    await caller;
    await line!.restartCarrier();
    await caller.hears('main-menu');
    expect(caller.transcript.filter((t) => t.startsWith('main-menu'))).toEqual(['main-menu (cut)', 'main-menu']);
    await caller.presses('1').hears('fault-critical-question').presses('2').isConnectedTo(desk).hangsUp();
  });

  it('a caller who has already used their three re-prompts is asked again, not sent to the safe default', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = signsIn(sim.call({ from: cat1.phone }), cat1.pin);
    await caller.staysSilent().hears('no-entry', 'main-menu').staysSilent().hears('no-entry', 'main-menu').staysSilent().hears('no-entry', 'main-menu');
    await line!.restartCarrier();
    await caller.hears('main-menu').presses('3').hears('complaint-intro').isConnectedTo(desk).hangsUp();
    const { ticket } = await callOf(caller);
    // The caller's own choice, not the safe default's fault ticket.
    expect(ticket).toMatchObject({ kind: 'complaint' });
  });

  it('while an engineer rings: that leg is dropped and the same engineer is rung again', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const first = sim.engineer(sam.phone).doesNotAnswer();
    const second = sim.engineer(alex.phone).answersAfter(2_000).presses('1');
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.hears('hold');
    await sim.until(() => first.rang === 1, 'the first engineer to be rung');
    await line!.restartCarrier();
    await caller.isConnectedTo(second).hangsUp();
    // The restart was ours, not Sam's: he is rung again before the ladder moves on.
    expect(first.rang).toBe(2);
    expect(first.legs[0]).toMatchObject({ alive: false, hungUpBy: 'ari' });
    const { timeline } = await callOf(caller);
    const results = timeline.filter((e) => e.type === 'engineer-result').map((e) => e.detail);
    expect(results).toEqual([{ engineerId: expect.any(String), outcome: 'no_answer' }, { engineerId: expect.any(String), outcome: 'accepted' }]);
  });

  it('while the desk rings: the desk is rung again, and answers', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').doesNotAnswer();
    const caller = signsIn(sim.call({ from: cat1.phone }), cat1.pin).presses('1').hears('fault-critical-question').presses('2');
    await caller.hears('connecting-desk', 'moh');
    await sim.until(() => desk.rang === 1, 'the desk to be rung');
    desk.answersAfter(2_000);
    await line!.restartCarrier();
    await caller.isConnectedTo(desk).hangsUp();
    expect(desk.rang).toBe(2);
    expect((await callOf(caller)).call.outcome).toBe('desk');
  });

  it('during a conversation: it carries on in Asterisk, and its end is still seen', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const engineer = sim.engineer(sam.phone).answersAfter(2_000).presses('1').hangsUpAfter(120_000);
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.isConnectedTo(engineer);
    await line!.restartCarrier();
    await caller.waits(30).isConnectedTo(engineer).isHungUp();
    const { call } = await callOf(caller);
    expect(call).toMatchObject({ outcome: 'engineer', endReason: 'completed' });
  });
});

// Engineers rung as Local/{number}@engineers and every desk leg are Local channels: Asterisk
// shows both halves, ours (`leg-…`) and its partner (`leg-…;2`) in the dialplan.
describe('this process restarts during a conversation on a Local channel', () => {
  it('with an engineer: the conversation stays up, and its end is still seen', async () => {
    const { sim, callOf } = await lineAt(NIGHT, { settings: { engineerDialTemplate: 'Local/{number}@engineers' } });
    const engineer = sim.engineer(sam.phone).answersAfter(2_000).presses('1').hangsUpAfter(120_000);
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.isConnectedTo(engineer);
    expect(sim.world.channels.has(`${engineer.legs[0]!.id};2`)).toBe(true);
    await line!.restartCarrier();
    await caller.waits(30).isConnectedTo(engineer);
    expect(engineer.legs[0]?.alive).toBe(true);
    await caller.isHungUp();
    const { call, timeline } = await callOf(caller);
    expect(call).toMatchObject({ outcome: 'engineer', endReason: 'completed' });
    expect(timeline.find((e) => e.type === 'ari.resumed')?.detail).toMatchObject({ after: 'restart', legs: 1 });
  });

  it('with the desk: the conversation stays up until the caller hangs up', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = signsIn(sim.call({ from: cat1.phone }), cat1.pin).presses('1').hears('fault-critical-question').presses('2');
    await caller.isConnectedTo(desk);
    await line!.restartCarrier();
    await caller.waits(30).isConnectedTo(desk);
    expect(desk.legs[0]?.alive).toBe(true);
    await caller.hangsUp();
    await sim.settle();
    expect(desk.legs[0]).toMatchObject({ alive: false, hungUpBy: 'ari' });
    expect((await callOf(caller)).call).toMatchObject({ outcome: 'desk', endReason: 'completed' });
  });
});

describe('Asterisk cannot be reached or refuses us', () => {
  it('wrong ARI credentials: the carrier reports auth-failed for as long as it lasts, and nothing throws', async () => {
    const { sim, carrier } = await lineAt(OFFICE, { settings: { password: 'not-the-password' }, connect: false });
    carrier.start();
    await sim.advance(30 * 60_000);
    expect(carrier.status()).toMatchObject({ state: 'auth-failed', activeCalls: 0 });
    expect(carrier.status().lastError).toContain('401');
    // Asterisk cannot hand calls to an application that is not connected.
    expect(sim.call({ from: cat1.phone }).rejected).toBe(true);
    expect(sim.upgradeAttempts.length).toBeGreaterThan(60);
  });

  it('Asterisk down at start-up for ten minutes: the line connects when it comes back and answers calls', async () => {
    const { sim, carrier, callOf } = await lineAt(OFFICE, { connect: false });
    await sim.stop();
    carrier.start();
    await sim.advance(10 * 60_000);
    expect(carrier.status().state).toBe('down');
    await sim.start();
    const back = sim.clock.ms;
    await sim.until(() => carrier.status().state === 'connected', 'the line to connect');
    expect(sim.clock.ms - back).toBeLessThanOrEqual(30_000);
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = signsIn(sim.call({ from: cat1.phone }), cat1.pin).presses('1').hears('fault-critical-question').presses('2');
    await caller.isConnectedTo(desk).hangsUp();
    expect((await callOf(caller)).call.outcome).toBe('desk');
  });
});
