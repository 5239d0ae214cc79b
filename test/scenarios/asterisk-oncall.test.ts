// The on-call ladder over Asterisk: the engineer's phone is originated, they hear the
// whisper, and only a 1 bridges them with the caller.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { startAsteriskLine, type AsteriskLine, type AsteriskLineOptions } from '../support/fake-asterisk/line.ts';
import type { Caller } from '../support/fake-asterisk/index.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();

// Wednesday 18 November 2026, 03:00 GMT: only Cat4 critical faults reach an engineer.
const NIGHT = '2026-11-18T03:00:00Z';
const { cat4 } = CUSTOMERS;
const { sam, alex, morgan } = ENGINEERS;

let line: AsteriskLine | undefined;
let ids: Awaited<ReturnType<typeof seedTwilioFixture>>;
beforeAll(async () => {
  ids = await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
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

/** Signs in by caller ID and reports a critical fault. */
function reportsCriticalFault(caller: Caller): Caller {
  return caller
    .hears('greeting')
    .hears('enter-pin')
    .presses(`${cat4.pin}#`)
    .hears('main-menu')
    .presses('1')
    .hears('fault-critical-question')
    .presses('1');
}

describe('Cat4 critical fault at night', () => {
  it('the primary engineer answers, hears the whisper, presses 1 and is bridged', async () => {
    const { sim } = await lineAt(NIGHT);
    const engineer = sim.engineer(sam.phone).answersAfter(3000).presses('1');
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.hears('ticket-reference').hears('connecting-oncall').hears('hold').isConnectedTo(engineer);
    expect(engineer.heard(0)).toEqual(expect.arrayContaining(['whisper-critical', 'whisper-accept']));
    await caller.hangsUp();
    const { call, ticket, timeline } = await line!.callOf(caller);
    expect(call).toMatchObject({ route: 'oncall', outcome: 'engineer' });
    expect(ticket?.respondedAt).not.toBeNull();
    expect(timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['ari.engineer-dialled', 'ari.leg-answered', 'ari.engineer-key', 'ari.leg-result', 'ari.bridged', 'ari.hangup-cause']));
    expect(engineer.legs[0]?.alive).toBe(false);
  });

  it('engineers dialled through the dialplan as Local channels (never optimised away)', async () => {
    const { sim } = await lineAt(NIGHT, { settings: { engineerDialTemplate: 'Local/{number}@engineers' } });
    const engineer = sim.engineer(sam.phone).answersAfter(3_000).presses('1');
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.isConnectedTo(engineer).hangsUp();
    expect(engineer.legs[0]?.name).toMatch(/^Local\/\+447700900123@engineers-[0-9a-f]+;1$/);
    expect(engineer.legs[0]?.originate?.dialstring).toBe('+447700900123@engineers/n');
  });

  it('engineer 1 does not answer: their leg is dropped at the ring time and engineer 2 accepts', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const first = sim.engineer(sam.phone).doesNotAnswer();
    const second = sim.engineer(alex.phone).answersAfter(5_000).presses('1');
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.hears('connecting-oncall', 'hold').isConnectedTo(second).hangsUp();
    expect(first.rang).toBe(1);
    expect(first.legs[0]).toMatchObject({ alive: false, hungUpBy: 'ari' });
    const { call, timeline } = await callOf(caller);
    expect(call.outcome).toBe('engineer');
    const results = timeline.filter((e) => e.type === 'engineer-result').map((e) => e.detail['outcome']);
    expect(results).toEqual(['no_answer', 'accepted']);
    const rung = timeline.filter((e) => e.type === 'ari.engineer-dialled').map((e) => e.at.getTime());
    expect((rung[1] as number) - (rung[0] as number)).toBe(25_000);
  });

  it('engineer 1 presses 2: passed on at once, engineer 2 accepts', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const first = sim.engineer(sam.phone).answersAfter(2_000).presses('2');
    const second = sim.engineer(alex.phone).answersAfter(2_000).presses('1');
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.isConnectedTo(second).hangsUp();
    expect(first.legs[0]).toMatchObject({ alive: false, hungUpBy: 'ari' });
    const { timeline } = await callOf(caller);
    expect(timeline.filter((e) => e.type === 'engineer-result').map((e) => e.detail['outcome'])).toEqual(['declined', 'accepted']);
  });

  it('engineer 1 barges in on the whisper with 1 and is bridged at once', async () => {
    const { sim } = await lineAt(NIGHT);
    const first = sim.engineer(sam.phone).answersAfter(2_000).pressesDuringWhisper('1');
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.isConnectedTo(first).hangsUp();
    expect(first.legs[0]?.heard.at(-1)?.cut).toBe(true);
  });

  it("engineer 1's voicemail answers and presses nothing: no key, engineer 2 accepts", async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const first = sim.engineer(sam.phone).voicemailAnswers(12_000);
    const second = sim.engineer(alex.phone).answersAfter(3_000).presses('1');
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.isConnectedTo(second).hangsUp();
    expect(first.legs[0]).toMatchObject({ alive: false, hungUpBy: 'ari' });
    expect(first.heard(0)).toContain('whisper-accept');
    const { timeline } = await callOf(caller);
    expect(timeline.filter((e) => e.type === 'engineer-result').map((e) => e.detail['outcome'])).toEqual(['no_key', 'accepted']);
  });

  it('a busy or unreachable engineer is skipped at once', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    sim.engineer(sam.phone).isBusy();
    sim.engineer(alex.phone).isUnreachable();
    const manager = sim.engineer(morgan.phone).answersAfter(3_000).presses('1');
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.isConnectedTo(manager).hangsUp();
    const { timeline } = await callOf(caller);
    expect(timeline.filter((e) => e.type === 'engineer-result').map((e) => e.detail['outcome'])).toEqual(['busy', 'failed', 'accepted']);
  });

  it('all engineers fail for every round: the caller is told, leaves a message, the ticket is flagged', async () => {
    const { sim, callOf } = await lineAt(NIGHT, { rounds: 2 });
    const everyone = [sam, alex, morgan].map((e) => sim.engineer(e.phone).doesNotAnswer());
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.hears('connecting-oncall', 'hold').hears('oncall-failed', 'leave-message').leavesMessage(15).hears('message-taken', 'goodbye').isHungUp();
    expect(everyone.map((e) => e.rang)).toEqual([2, 2, 2]);
    expect(everyone.every((e) => e.legs.every((l) => !l.alive))).toBe(true);
    const { call, ticket } = await callOf(caller);
    expect(call).toMatchObject({ outcome: 'message', escalationFailed: true });
    expect(ticket).toMatchObject({ escalationFailed: true, recordingName: `support-line/${call.id}` });
  });

  it('the caller hangs up while an engineer rings: the leg is dropped, the ticket kept, the engineer freed', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const first = sim.engineer(sam.phone).doesNotAnswer();
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.hears('connecting-oncall', 'hold').waits(5).hangsUp();
    await sim.settle();
    expect(first.legs[0]).toMatchObject({ alive: false, hungUpBy: 'ari' });
    const { call, ticket } = await callOf(caller);
    expect(call.outcome).toBe('abandoned');
    expect(ticket?.status).toBe('caller_abandoned');
    expect(line?.carrier.status().activeCalls).toBe(0);

    // Sam is free again: the next critical call rings him first.
    first.answersAfter(2_000).presses('1');
    const next = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await next.isConnectedTo(first).hangsUp();
    expect(first.rang).toBe(2);
  });

  it('the engineer hangs up after the conversation: the caller is hung up and the call closed', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const first = sim.engineer(sam.phone).answersAfter(2_000).presses('1').hangsUpAfter(60_000);
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.isConnectedTo(first).isHungUp();
    expect(caller.channel?.hungUpBy).toBe('ari');
    const { call } = await callOf(caller);
    expect(call).toMatchObject({ outcome: 'engineer', endReason: 'completed' });
  });

  it('the line hangs the caller up after the engineer leaves: the Q.850 cause is kept, and one party is named', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const first = sim.engineer(sam.phone).answersAfter(2_000).presses('1').hangsUpAfter(60_000);
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.isConnectedTo(first).isHungUp();
    // Asterisk said "cause 32" (its soft-hangup flag) first, then 16 when the channel went.
    expect(sim.sent.some((e) => e['type'] === 'ChannelHangupRequest' && e['cause'] === 32 && e['soft'] === true)).toBe(true);
    const { call, timeline } = await callOf(caller);
    expect(call.hangupCause).toBe('Normal Clearing');
    const said = timeline.filter((e) => e.type === 'hangup' || e.type === 'ari.hangup-cause').map((e) => [e.type, e.detail['by'], e.detail['cause']]);
    expect(said).toEqual([
      ['ari.hangup-cause', 'line', 16],
      ['hangup', 'line', 'Normal Clearing'],
    ]);
  });

  it('two critical calls at once never ring the same engineer at the same time', async () => {
    const { sim } = await lineAt(NIGHT);
    const engineers = [sam, alex, morgan].map((e) => sim.engineer(e.phone).answersAfter(6_000).presses('1'));
    const a = reportsCriticalFault(sim.call({ from: cat4.phone }));
    const b = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await Promise.all([a.hears('connecting-oncall'), b.hears('connecting-oncall')]);
    await sim.until(
      () => [a, b].every((c) => c.channel?.bridge !== null && c.channel?.bridge !== undefined),
      'both callers to be connected to an engineer',
    );
    expect(engineers.map((e) => e.maxAtOnce)).toEqual([1, 1, 0]);
    const partner = (c: typeof a) => c.channel?.bridge?.channels.find((ch) => ch !== c.channel)?.id;
    expect(partner(a)).not.toBe(partner(b));
    await a.hangsUp();
    await b.hangsUp();
  });
});

// Real Asterisk 22 ignores a stop while it says digits (`digits:` media), and holds a
// bridge's addChannel until the channel's playback has ended: the simulated Asterisk
// does both. Engineers who know the whisper press 1 long before "Press 1".
describe('an engineer who presses 1 early, during the whisper', () => {
  it('is connected within a second when the 1 lands on the account number, and the whisper stops', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const engineer = sim.engineer(sam.phone).answersAfter(3_000).pressesAfterAnswering(3_000, '1');
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.isConnectedTo(engineer);
    const leg = engineer.legs[0]!;
    const press = engineer.pressedAt.get(leg)!;
    expect(press.hearing).toMatch(/digits/);
    expect(sim.clock.ms - press.at).toBeLessThan(1_000);
    expect(engineer.heard(0)).not.toContain('whisper-accept');
    await caller.hangsUp();
    const { call, ticket, timeline } = await callOf(caller);
    expect(call).toMatchObject({ outcome: 'engineer', endReason: 'completed' });
    expect(ticket?.respondedAt).not.toBeNull();
    expect(timeline.filter((e) => e.type === 'ari.technical-problem')).toEqual([]);
  });

  it('is connected within a second whatever moment of the whisper the 1 lands on', async () => {
    const { sim } = await lineAt(NIGHT);
    for (const after of [500, 2_500, 4_000, 5_200, 6_500, 8_000]) {
      const engineer = sim.engineer(sam.phone).answersAfter(1_000).pressesAfterAnswering(after, '1');
      const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
      await caller.isConnectedTo(engineer);
      const leg = engineer.legs.at(-1)!;
      expect(sim.clock.ms - engineer.pressedAt.get(leg)!.at, `pressed ${after} ms into the whisper`).toBeLessThan(1_000);
      await caller.hangsUp();
      await sim.settle();
    }
  });

  it('pressed 1 and dropped before being connected: not counted as a response, the next engineer is rung', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const first = sim.engineer(sam.phone).answersAfter(2_000).pressesAfterAnswering(3_000, '1', { thenHangsUp: true });
    const second = sim.engineer(alex.phone).answersAfter(2_000).presses('1');
    const caller = reportsCriticalFault(sim.call({ from: cat4.phone }));
    await caller.isConnectedTo(second);
    expect(caller.transcript).not.toContain('technical-problem');
    await caller.hangsUp();
    const { call, timeline } = await callOf(caller);
    expect(call.outcome).toBe('engineer');
    const results = timeline.filter((e) => e.type === 'engineer-result').map((e) => [e.detail['engineerId'], e.detail['outcome']]);
    expect(results).toEqual([
      [ids.sam, 'failed'],
      [ids.alex, 'accepted'],
    ]);
    expect(timeline.filter((e) => e.type === 'response-met').map((e) => e.detail['engineerId'])).toEqual([ids.alex]);
    expect(first.rang).toBe(1);
  });
});
