// Every route for every tier over Asterisk: the desk in office hours, the on-call
// engineer where cover is open, a message otherwise; and the other menu choices.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture, type Customer } from '../support/fake-twilio/fixture.ts';
import { startAsteriskLine, type AsteriskLine, type AsteriskLineOptions } from '../support/fake-asterisk/line.ts';
import type { Caller } from '../support/fake-asterisk/index.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();

// Wednesday 18 November 2026 (GMT): office hours, Cat2's extended evening, the small hours.
const OFFICE = '2026-11-18T10:00:00Z';
const EVENING = '2026-11-18T20:00:00Z';
const NIGHT = '2026-11-18T03:00:00Z';
const { cat4, cat2, cat1, catS, none } = CUSTOMERS;

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

/** Signs in by caller ID and reports a fault. */
function reportsFault(caller: Caller, c: Customer, critical: boolean): Caller {
  return caller
    .hears('greeting', 'enter-pin')
    .presses(`${c.pin}#`)
    .hears('main-menu')
    .presses('1')
    .hears('fault-critical-question')
    .presses(critical ? '1' : '2');
}

describe('in office hours a fault goes to the support desk', () => {
  it.each([
    ['Cat4 critical', cat4, true],
    ['Cat4 standard', cat4, false],
    ['Cat2', cat2, false],
    ['Cat1', cat1, true],
  ] as const)('%s: ticket reference, then the desk', async (_name, customer, critical) => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(5_000);
    const caller = reportsFault(sim.call({ from: customer.phone }), customer, critical);
    await caller.hears('ticket-reference', 'connecting-desk', 'moh').isConnectedTo(desk).hangsUp();
    const { call, ticket, timeline } = await callOf(caller);
    expect(call).toMatchObject({ route: 'desk', outcome: 'desk', tier: customer.tier });
    expect(ticket).toMatchObject({ kind: 'fault', route: 'desk', tier: customer.tier });
    expect(timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['ari.desk-dialled', 'ari.desk-answered', 'ari.bridged', 'ari.hangup-cause']));
    expect(desk.legs[0]?.name).toMatch(/^Local\/support@desk-[0-9a-f]+;1$/);
    expect(desk.legs[0]?.alive).toBe(false);
  });

  it('CatS: hears the ad hoc charge, accepts with 1 and reaches the desk', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = reportsFault(sim.call({ from: catS.phone }), catS, false);
    await caller.hears('ad-hoc-offer').presses('1').hears('ticket-reference', 'connecting-desk').isConnectedTo(desk).hangsUp();
    expect((await callOf(caller)).ticket).toMatchObject({ tier: 'CatS', adHocAccepted: true, route: 'desk' });
  });

  it('no contract: hears the offer, declines with 2, and no ticket is raised', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const caller = reportsFault(sim.call({ from: none.phone }), none, true);
    await caller.hears('no-contract-offer').presses('2').hears('ad-hoc-declined').isHungUp();
    const { call, ticket } = await callOf(caller);
    expect(call.outcome).toBe('refused');
    expect(ticket).toBeNull();
  });

  it('overflows to a message when the desk does not answer in time', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').doesNotAnswer();
    const caller = reportsFault(sim.call({ from: cat1.phone }), cat1, false);
    await caller.hears('connecting-desk', 'moh', 'desk-busy', 'leave-message').leavesMessage(12).hears('message-taken', 'goodbye').isHungUp();
    const { call, ticket } = await callOf(caller);
    expect(call.outcome).toBe('message');
    expect(ticket?.recordingName).toBe(`support-line/${call.id}`);
    expect(desk.rang).toBe(1);
    expect(desk.legs[0]?.alive).toBe(false);
    expect(sim.world.stored.get(`support-line/${call.id}`)).toMatchObject({ format: 'wav', duration: 12 });
  });
});

describe('the desk rings for as long as the flow says', () => {
  it('DESK_OVERFLOW_SECONDS of 30: a desk that would answer at 40 s is too late, and the caller leaves a message', async () => {
    const { sim, callOf } = await lineAt(OFFICE, { deskRingSeconds: 30 });
    const desk = sim.desk('support').answersAfter(40_000);
    const caller = reportsFault(sim.call({ from: cat1.phone }), cat1, false);
    await caller.hears('connecting-desk', 'moh', 'desk-busy', 'leave-message').leavesMessage(5).isHungUp();
    const { call, timeline } = await callOf(caller);
    expect(call.outcome).toBe('message');
    expect(desk.legs[0]?.alive).toBe(false);
    const dialled = timeline.find((e) => e.type === 'ari.desk-dialled');
    const result = timeline.find((e) => e.type === 'ari.desk-result');
    expect(dialled?.detail).toMatchObject({ overflowSeconds: 30 });
    expect(result?.detail).toMatchObject({ outcome: 'no_answer', reason: 'overflow' });
    expect((result!.at.getTime() - dialled!.at.getTime()) / 1000).toBe(30);
  });

  it('a line with no billing extension puts billing calls through to the support desk', async () => {
    const { sim, callOf } = await lineAt(OFFICE, { settings: { deskExtensions: { support: 'support', billing: '' } } });
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: cat2.phone });
    await caller.hears('enter-pin').presses(`${cat2.pin}#`).hears('main-menu').presses('4').hears('connecting-billing').isConnectedTo(desk).hangsUp();
    expect(desk.legs[0]?.name).toMatch(/^Local\/support@desk-/);
    const { timeline } = await callOf(caller);
    expect(timeline.find((e) => e.type === 'ari.desk-dialled')?.detail).toMatchObject({ queue: 'support', insteadOf: 'billing' });
  });
});

describe('out of office hours', () => {
  it('Cat2 in the evening reaches the on-call engineer', async () => {
    const { sim, callOf } = await lineAt(EVENING);
    const sam = sim.engineer(ENGINEERS.sam.phone).answersAfter(4_000).presses('1');
    const caller = reportsFault(sim.call({ from: cat2.phone }), cat2, false);
    await caller.hears('connecting-oncall').isConnectedTo(sam).hangsUp();
    expect((await callOf(caller)).call).toMatchObject({ route: 'oncall', outcome: 'engineer' });
    expect(sam.heard(0)[0]).toBe('whisper-extended');
  });

  it('Cat4 critical at night reaches the on-call engineer', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const sam = sim.engineer(ENGINEERS.sam.phone).answersAfter(4_000).presses('1');
    const caller = reportsFault(sim.call({ from: cat4.phone }), cat4, true);
    await caller.hears('connecting-oncall').isConnectedTo(sam).hangsUp();
    expect((await callOf(caller)).call).toMatchObject({ route: 'oncall', outcome: 'engineer' });
    expect(sam.heard(0)[0]).toBe('whisper-critical');
  });

  it.each([
    ['Cat4 standard', cat4, false],
    ['Cat2 in the small hours', cat2, true],
    ['Cat1', cat1, true],
    ['CatS', catS, true],
    ['no contract', none, true],
  ] as const)('%s: a message is taken, with a ticket and its recording', async (_name, customer, critical) => {
    const { sim, callOf } = await lineAt(NIGHT);
    const caller = reportsFault(sim.call({ from: customer.phone }), customer, critical);
    await caller.hears('office-closed', 'leave-message').leavesMessage(25).hears('message-taken', 'ticket-reference', 'goodbye').isHungUp();
    const { call, ticket, timeline } = await callOf(caller);
    expect(call).toMatchObject({ route: 'voicemail', outcome: 'message' });
    expect(ticket?.recordingName).toBe(`support-line/${call.id}`);
    expect(timeline.find((e) => e.type === 'ari.recording-finished')?.detail).toMatchObject({ durationSeconds: 25, talkingSeconds: 25 });
  });

  it('a caller who hangs up to end their message still leaves it', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const caller = reportsFault(sim.call({ from: cat1.phone }), cat1, false);
    await caller.hears('leave-message').hearsTheTone().speaks(8).hangsUp();
    const { call, ticket } = await callOf(caller);
    expect(call.outcome).toBe('message');
    expect(ticket?.recordingName).toBe(`support-line/${call.id}`);
  });

  // Real Asterisk says 1 s of talking for a recording of silence that the silence limit
  // ended (main/app.c trims all but 200 ms of silence, in whole seconds).
  it('a caller who says nothing at the tone: no message, the call is logged, and the empty recording is deleted from Asterisk', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const caller = reportsFault(sim.call({ from: cat1.phone }), cat1, false);
    await caller.hears('leave-message').staysSilent().hears('no-message', 'goodbye').isHungUp();
    const { call, ticket, timeline } = await callOf(caller);
    expect(call).toMatchObject({ outcome: 'message', endReason: 'no-message-left', recordingName: null });
    expect(ticket?.recordingName).toBeNull();
    expect(timeline.find((e) => e.type === 'ari.recording-finished')?.detail).toMatchObject({ durationSeconds: 1, talkingSeconds: 1 });
    expect(timeline.find((e) => e.type === 'ari.recording-discarded')?.detail).toEqual({ name: `support-line/${call.id}` });
    expect([...sim.world.stored.keys()]).toEqual([]);
  });

  it('a caller who hangs up at the tone: no message, and nothing is left on Asterisk', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const caller = reportsFault(sim.call({ from: cat1.phone }), cat1, false);
    await caller.hears('leave-message').hearsTheTone().hangsUp();
    const { call, ticket } = await callOf(caller);
    expect(call).toMatchObject({ outcome: 'message', recordingName: null });
    expect(ticket?.recordingName).toBeNull();
    expect([...sim.world.stored.keys()]).toEqual([]);
  });

  it('a message of a few words is kept, on the ticket and on Asterisk', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const caller = reportsFault(sim.call({ from: cat1.phone }), cat1, false);
    await caller.hears('leave-message').hearsTheTone().speaks(2).hears('message-taken', 'goodbye').isHungUp();
    const { call, ticket, timeline } = await callOf(caller);
    expect(ticket?.recordingName).toBe(`support-line/${call.id}`);
    // 2 s of talking, then the 5 s silence limit: Asterisk trims 4 s of the 5.
    expect(timeline.find((e) => e.type === 'ari.recording-finished')?.detail).toMatchObject({ durationSeconds: 3, talkingSeconds: 3 });
    expect([...sim.world.stored.keys()]).toEqual([`support-line/${call.id}`]);
  });
});

describe('keys that work at every question', () => {
  it('star repeats the menu; 0 reaches the desk in office hours', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('greeting', 'keys-help', 'enter-pin').presses(`${cat1.pin}#`).hears('main-menu').presses('*').hears('main-menu');
    await caller.presses('0').hears('ticket-reference', 'connecting-desk').isConnectedTo(desk).hangsUp();
    expect((await callOf(caller)).call.routeReason).toContain('caller pressed 0 for a person');
  });

  it('a Cat4 customer who says nothing at the critical question at night reaches the on-call engineer', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const sam = sim.engineer(ENGINEERS.sam.phone).answersAfter(4_000).presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question');
    await caller.staysSilent().staysSilent().staysSilent().staysSilent().hears('connecting-oncall').isConnectedTo(sam).hangsUp();
    expect((await callOf(caller)).ticket).toMatchObject({ priority: 'critical', route: 'oncall' });
  });
});

describe('the other menu choices', () => {
  it('complaint in office hours: the intro, a complaint ticket, the desk', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(2_000);
    const caller = sim.call({ from: cat1.phone });
    await caller
      .hears('enter-pin')
      .presses(`${cat1.pin}#`)
      .hears('main-menu')
      .presses('3')
      .hears('complaint-intro', 'ticket-reference', 'connecting-desk')
      .isConnectedTo(desk)
      .hangsUp();
    expect((await callOf(caller)).ticket).toMatchObject({ kind: 'complaint' });
  });

  it('billing in office hours goes to the accounts team', async () => {
    const { sim } = await lineAt(OFFICE);
    const billing = sim.desk('billing').answersAfter(2_000);
    const caller = sim.call({ from: cat2.phone });
    await caller.hears('enter-pin').presses(`${cat2.pin}#`).hears('main-menu').presses('4').hears('connecting-billing').isConnectedTo(billing).hangsUp();
    expect(billing.legs[0]?.name).toMatch(/^Local\/billing@desk-/);
  });

  it('ticket status: reads the reference and state back', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('support').answersAfter(2_000);
    const first = reportsFault(sim.call({ from: cat1.phone }), cat1, false);
    await first.isConnectedTo(desk).hangsUp();
    const reference = (await callOf(first)).ticket?.reference ?? '';

    const caller = sim.call({ from: cat1.phone });
    await caller
      .hears('enter-pin')
      .presses(`${cat1.pin}#`)
      .hears('main-menu')
      .presses('2')
      .hears('enter-ticket')
      .presses(`${reference}#`)
      .hears('ticket', ...[...reference].map((d) => `sound:digits/${d}`), 'status-is', 'status-acknowledged', 'goodbye')
      .isHungUp();
    const { call, timeline } = await callOf(caller);
    expect(call.outcome).toBe('informed');
    // The line hung up after the goodbye: the cause is kept though the call was closed just before.
    expect(call.hangupCause).toBe('Normal Clearing');
    expect(timeline.find((e) => e.type === 'hangup')?.detail).toEqual({ cause: 'Normal Clearing', by: 'line' });
  });
});
