// Every route for every tier, run over Twilio webhooks: desk in office hours, the
// on-call engineer where cover is open, a message otherwise; plus identification,
// ticket status, complaints, billing, silence and callers who hang up.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findCallByCarrierId } from '../../src/store/calls.ts';
import { getTicket } from '../../src/store/tickets.ts';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture, type Customer } from '../support/fake-twilio/fixture.ts';
import { BILLING_NUMBER, DESK_NUMBER, startTwilioLine, type TwilioLine, type TwilioLineOptions } from '../support/fake-twilio/line.ts';
import type { Caller } from '../support/fake-twilio/simulator.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();

// Wednesday 18 November 2026 (GMT): office hours, Cat2's extended evening, the small hours.
const OFFICE = '2026-11-18T10:00:00Z';
const EVENING = '2026-11-18T20:00:00Z';
const NIGHT = '2026-11-18T03:00:00Z';
const { cat4, cat2, cat1, catS, none, wrongPin } = CUSTOMERS;

let line: TwilioLine;
beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
});
afterEach(async () => {
  await line?.close();
});

async function lineAt(at: string, options: Partial<TwilioLineOptions> = {}): Promise<TwilioLine> {
  line = await startTwilioLine({ db: fresh.db, live: redis.store, at, ...options });
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

async function callOf(caller: Caller) {
  const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
  if (!call) throw new Error(`no call recorded for ${caller.callSid}`);
  const ticket = call.ticketId ? await getTicket(fresh.db, { id: call.ticketId }) : null;
  return { call, ticket };
}

describe('in office hours a fault goes to the support desk', () => {
  it.each([
    ['Cat4', cat4, true],
    ['Cat4 standard', cat4, false],
    ['Cat2', cat2, false],
    ['Cat1', cat1, true],
  ] as const)('%s: ticket reference, then the desk', async (_name, customer, critical) => {
    const { sim } = await lineAt(OFFICE);
    sim.desk(DESK_NUMBER).answers();
    const caller = reportsFault(sim.call({ from: customer.phone }), customer, critical);
    await caller.hears('ticket-reference', 'connecting-desk').isConnectedTo(DESK_NUMBER).hangsUp();
    const { call, ticket } = await callOf(caller);
    expect(call).toMatchObject({ route: 'desk', outcome: 'desk', tier: customer.tier });
    expect(ticket).toMatchObject({ kind: 'fault', route: 'desk', tier: customer.tier });
  });

  it('CatS: hears the ad hoc charge, accepts with 1 and reaches the desk', async () => {
    const { sim } = await lineAt(OFFICE);
    sim.desk(DESK_NUMBER).answers();
    const caller = reportsFault(sim.call({ from: catS.phone }), catS, false);
    await caller.hears('ad-hoc-offer').presses('1').hears('ticket-reference', 'connecting-desk').isConnectedTo(DESK_NUMBER).hangsUp();
    const { ticket } = await callOf(caller);
    expect(ticket).toMatchObject({ tier: 'CatS', adHocAccepted: true, route: 'desk' });
  });

  it('no contract: hears the offer, declines with 2, and no ticket is raised', async () => {
    const { sim } = await lineAt(OFFICE);
    const caller = reportsFault(sim.call({ from: none.phone }), none, true);
    await caller.hears('no-contract-offer').presses('2').hears('ad-hoc-declined').isHungUp();
    const { call, ticket } = await callOf(caller);
    expect(call.outcome).toBe('refused');
    expect(ticket).toBeNull();
  });

  it('overflows to a message when the desk does not answer', async () => {
    const { sim } = await lineAt(OFFICE);
    sim.desk(DESK_NUMBER).doesNotAnswer();
    const caller = reportsFault(sim.call({ from: cat1.phone }), cat1, false);
    await caller
      .hears('connecting-desk', 'desk-busy', 'leave-message')
      .leavesMessage({ seconds: 12 })
      .hears('message-taken', 'goodbye')
      .isHungUp();
    const { call, ticket } = await callOf(caller);
    expect(call.outcome).toBe('message');
    expect(ticket?.recordingName).toContain('/Recordings/RE');
  });
});

describe('the desk rings for as long as the flow says', () => {
  it('DESK_OVERFLOW_SECONDS of 30: a desk that would answer at 40 s is too late, and the caller leaves a message', async () => {
    const { sim } = await lineAt(OFFICE, { deskRingSeconds: 30 });
    const desk = sim.desk(DESK_NUMBER).answers({ afterSeconds: 40 });
    const caller = reportsFault(sim.call({ from: cat1.phone }), cat1, false);
    await caller.hears('connecting-desk', 'desk-busy', 'leave-message').leavesMessage({ seconds: 5 }).isHungUp();
    expect(desk.rings.map((r) => r.outcome)).toEqual(['no-answer']);
    expect((await callOf(caller)).call.outcome).toBe('message');
  });

  it('a line with no billing number puts billing calls through to the desk', async () => {
    const { sim } = await lineAt(OFFICE, { settings: { billingNumber: null } });
    sim.desk(DESK_NUMBER).answers();
    const caller = sim.call({ from: cat2.phone });
    await caller.presses(`${cat2.pin}#`).presses('4').hears('connecting-billing').isConnectedTo(DESK_NUMBER).hangsUp();
  });
});

describe('out of office hours', () => {
  it('Cat2 in the evening reaches the on-call engineer', async () => {
    const { sim } = await lineAt(EVENING);
    sim.engineer(ENGINEERS.sam.phone).answers().presses('1');
    const caller = reportsFault(sim.call({ from: cat2.phone }), cat2, false);
    await caller.hears('connecting-oncall').isConnectedTo(ENGINEERS.sam.phone).hangsUp();
    expect((await callOf(caller)).call).toMatchObject({ route: 'oncall', outcome: 'engineer' });
  });

  it.each([
    ['Cat4 standard', cat4, false],
    ['Cat2 in the small hours', cat2, true],
    ['Cat1', cat1, true],
    ['CatS', catS, true],
    ['no contract', none, true],
  ] as const)('%s: a message is taken, with a ticket and its recording', async (_name, customer, critical) => {
    const { sim } = await lineAt(NIGHT);
    const reported = reportsFault(sim.call({ from: customer.phone }), customer, critical);
    // Without a contract the £70 + VAT charge is told and accepted out of hours too.
    const caller = customer === catS || customer === none ? reported.hears(customer === none ? 'no-contract-offer' : 'ad-hoc-offer').presses('1') : reported;
    await caller
      .hears('office-closed', 'recording-notice', 'leave-message')
      .leavesMessage({ seconds: 25 })
      .hears('message-taken', 'ticket-reference', 'goodbye')
      .isHungUp();
    const { call, ticket } = await callOf(caller);
    expect(call).toMatchObject({ route: 'voicemail', outcome: 'message' });
    expect(ticket?.recordingName).toMatch(/\/Recordings\/RE[0-9a-f]{32}$/);
    expect(sim.webhooks.some((w) => w.url.includes('/twilio/recording-status'))).toBe(true);
  });

  it('a caller who hangs up without leaving a message still has a ticket', async () => {
    const { sim } = await lineAt(NIGHT);
    const caller = reportsFault(sim.call({ from: cat1.phone }), cat1, false);
    await caller.hears('leave-message').hangsUp();
    const { call, ticket } = await callOf(caller);
    expect(call.outcome).toBe('message');
    expect(ticket).not.toBeNull();
  });
});

describe('the other menu choices', () => {
  it('complaint in office hours: the intro, a complaint ticket, the desk', async () => {
    const { sim } = await lineAt(OFFICE);
    sim.desk(DESK_NUMBER).answers();
    const caller = sim.call({ from: cat1.phone });
    await caller.presses(`${cat1.pin}#`).presses('3').hears('complaint-intro', 'ticket-reference', 'connecting-desk').isConnectedTo(DESK_NUMBER).hangsUp();
    expect((await callOf(caller)).ticket).toMatchObject({ kind: 'complaint' });
  });

  it('billing in office hours goes to the accounts team number', async () => {
    const { sim } = await lineAt(OFFICE);
    sim.desk(BILLING_NUMBER).answers();
    const caller = sim.call({ from: cat2.phone });
    await caller.presses(`${cat2.pin}#`).presses('4').hears('connecting-billing').isConnectedTo(BILLING_NUMBER).hangsUp();
  });

  it('billing at night takes a message', async () => {
    const { sim } = await lineAt(NIGHT);
    const caller = sim.call({ from: cat2.phone });
    await caller.presses(`${cat2.pin}#`).presses('4').hears('billing-closed', 'leave-message').leavesMessage().hears('message-taken').isHungUp();
  });

  it('ticket status: reads the reference and state back', async () => {
    const { sim } = await lineAt(OFFICE);
    sim.desk(DESK_NUMBER).answers();
    const first = reportsFault(sim.call({ from: cat1.phone }), cat1, false);
    await first.isConnectedTo(DESK_NUMBER).hangsUp();
    const reference = (await callOf(first)).ticket?.reference ?? '';
    const spoken = reference.split('').join(' ');

    const caller = sim.call({ from: cat1.phone });
    await caller
      .presses(`${cat1.pin}#`)
      .presses('2')
      .hears('enter-ticket')
      .presses(`${reference}#`)
      .hears('ticket', spoken, 'status-is', 'status-acknowledged', 'goodbye')
      .isHungUp();
    expect((await callOf(caller)).call.outcome).toBe('informed');
  });
});

describe('identification', () => {
  it('an unknown number keys in the account number, then the PIN', async () => {
    const { sim } = await lineAt(OFFICE);
    sim.desk(DESK_NUMBER).answers();
    const caller = sim.call({ from: '+441632960555' });
    await caller
      .hears('greeting', 'enter-account')
      .presses(`${cat1.number}#`)
      .hears('enter-pin')
      .presses(`${cat1.pin}#`)
      .hears('main-menu')
      .presses('1')
      .presses('2')
      .isConnectedTo(DESK_NUMBER)
      .hangsUp();
    expect((await callOf(caller)).call.tier).toBe('Cat1');
  });

  it('three wrong PINs end the call without reaching the menu', async () => {
    const { sim } = await lineAt(OFFICE);
    const caller = sim.call({ from: wrongPin.phone });
    await caller
      .presses('1111#')
      .hears('not-verified', 'enter-pin')
      .presses('2222#')
      .hears('not-verified', 'enter-pin')
      .presses('3333#')
      .hears('auth-failed')
      .isHungUp();
    expect(caller.heard.join(' ')).not.toContain('press 1');
    expect((await callOf(caller)).call.outcome).toBe('refused');
  });
});

describe('keys that work at every question', () => {
  it('star repeats the menu; 0 reaches the desk in office hours', async () => {
    const { sim } = await lineAt(OFFICE);
    sim.desk(DESK_NUMBER).answers();
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('greeting', 'keys-help', 'enter-pin').presses(`${cat1.pin}#`).hears('main-menu').presses('*').hears('main-menu');
    await caller.presses('0').hears('ticket-reference', 'connecting-desk').isConnectedTo(DESK_NUMBER).hangsUp();
    expect((await callOf(caller)).call.routeReason).toContain('caller pressed 0 for a person');
  });

  it('a Cat4 customer who says nothing at the critical question at night reaches the on-call engineer', async () => {
    const { sim } = await lineAt(NIGHT);
    sim.engineer(ENGINEERS.sam.phone).answers().presses('1');
    const caller = sim.call({ from: cat4.phone });
    await caller.presses(`${cat4.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question');
    await caller.staysSilent().staysSilent().staysSilent().staysSilent().hears('connecting-oncall').isConnectedTo(ENGINEERS.sam.phone).hangsUp();
    expect((await callOf(caller)).ticket).toMatchObject({ priority: 'critical', route: 'oncall' });
  });
});

describe('silence and hang-ups', () => {
  it('re-prompts after silence, then takes the safe default (the desk in office hours)', async () => {
    const { sim } = await lineAt(OFFICE);
    sim.desk(DESK_NUMBER).answers();
    const caller = sim.call({ from: cat4.phone });
    await caller
      .presses(`${cat4.pin}#`)
      .hears('main-menu')
      .staysSilent()
      .hears('no-entry', 'main-menu')
      .presses('9')
      .hears('invalid-entry', 'main-menu')
      .staysSilent()
      .hears('no-entry', 'main-menu')
      .staysSilent()
      .hears('connecting-desk')
      .isConnectedTo(DESK_NUMBER)
      .hangsUp();
    expect((await callOf(caller)).call.routeReason).toContain('safe default');
  });

  it('a caller who hangs up mid-PIN is closed as abandoned', async () => {
    const { sim } = await lineAt(OFFICE);
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').hangsUp();
    expect((await callOf(caller)).call).toMatchObject({ outcome: 'abandoned', endReason: 'abandoned-before-identification' });
  });

  it('a caller who hangs up while the engineer rings keeps their ticket (caller abandoned) and frees the engineer', async () => {
    const { sim } = await lineAt(NIGHT);
    sim.engineer(ENGINEERS.sam.phone).keepsRinging();
    const caller = reportsFault(sim.call({ from: cat4.phone }), cat4, true);
    await caller.hears('connecting-oncall').hangsUp();
    const { call, ticket } = await callOf(caller);
    expect(call.outcome).toBe('abandoned');
    expect(ticket?.status).toBe('caller_abandoned');

    // Sam is free again: the next critical call rings him first.
    sim.engineer(ENGINEERS.sam.phone).answers().presses('1');
    const next = reportsFault(sim.call({ from: cat4.phone }), cat4, true);
    await next.isConnectedTo(ENGINEERS.sam.phone).hangsUp();
  });
});
