// The number the caller dialled decides how the call starts (issue 17, seed 004: Cat4
// customers have their own 24-hour number). Over both simulated carriers: Asterisk
// presents the trunk's DID as the channel's extension, Twilio the `To` parameter.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findCallByCarrierId, callTimeline } from '../../src/store/calls.ts';
import { getTicket } from '../../src/store/tickets.ts';
import { addLineNumber } from '../../src/store/line-numbers.ts';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { BILLING_NUMBER, startTwilioLine, type TwilioLine } from '../support/fake-twilio/line.ts';
import { startAsteriskLine, type AsteriskLine } from '../support/fake-asterisk/line.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();

// Wednesday 18 November 2026 (GMT): office hours, and 03:00 when only 24-hour cover is open.
const OFFICE = '2026-11-18T10:00:00Z';
const NIGHT = '2026-11-18T03:00:00Z';
const MAIN = '+441632960000';
const CAT4_24H = '+448081570024';
const BILLING = '+441632960010';
const UNKNOWN = '+441632960077';
const { cat4, cat1, cat2 } = CUSTOMERS;
const { sam } = ENGINEERS;
/** The main number as a non-Cat4 caller hears it on Twilio. */
const MAIN_SAID = 'Your support number is 0 1 6 3 2, 9 6 0 0 0 0.';

beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
  await addLineNumber(fresh.db, { number: MAIN, profile: 'main', label: 'Support line' });
  await addLineNumber(fresh.db, { number: CAT4_24H, profile: 'cat4_24h', label: 'Cat4 24-hour' });
  await addLineNumber(fresh.db, { number: BILLING, profile: 'billing', label: 'Billing' });
});

describe('over Twilio (the dialled number is To)', () => {
  let line: TwilioLine | undefined;
  afterEach(async () => {
    await line?.close();
    line = undefined;
  });
  const lineAt = async (at: string) => (line = await startTwilioLine({ db: fresh.db, live: redis.store, at }));
  const callOf = async (callSid: string) => {
    const call = (await findCallByCarrierId(fresh.db, 'twilio', callSid))!;
    return { call, ticket: call.ticketId ? await getTicket(fresh.db, { id: call.ticketId }) : null, timeline: await callTimeline(fresh.db, call.id) };
  };

  it('a Cat4 customer on the 24-hour number at 3 am goes straight to the critical question and reaches on-call', async () => {
    const { sim } = await lineAt(NIGHT);
    sim.engineer(sam.phone).answers({ afterSeconds: 4 }).presses('1');
    const caller = sim.call({ from: cat4.phone, to: CAT4_24H });
    await caller.hears('greeting', 'enter-pin').presses(`${cat4.pin}#`).hears('fault-critical-question').presses('1')
      .hears('ticket-reference', 'connecting-oncall').isConnectedTo(sam.phone);
    expect(caller.heard.join('\n')).not.toContain('To report a fault, press 1');
    await caller.hangsUp();
    const { call, ticket, timeline } = await callOf(caller.callSid);
    expect(call).toMatchObject({ to: CAT4_24H, route: 'oncall', outcome: 'engineer', priority: 'critical' });
    expect(ticket).toMatchObject({ kind: 'fault', route: 'oncall' });
    expect(timeline.find((e) => e.type === 'call-started')?.detail).toMatchObject({ to: CAT4_24H, dialledProfile: 'cat4_24h' });
  });

  it('a Cat1 customer on the 24-hour number is told the main number, then hears the usual menu', async () => {
    const { sim } = await lineAt(OFFICE);
    const caller = sim.call({ from: cat1.phone, to: CAT4_24H });
    await caller.hears('greeting', 'enter-pin').presses(`${cat1.pin}#`).hears('cat4-number-not-yours', '0 1 6 3 2, 9 6 0 0 0 0.', 'main-menu').presses('3')
      .hears('complaint-intro');
    expect(caller.heard.join(' ')).toContain(`with 24-hour cover. ${MAIN_SAID} To report a fault, press 1.`);
    await caller.hangsUp();
    expect((await callOf(caller.callSid)).call).toMatchObject({ to: CAT4_24H, tier: 'Cat1' });
  });

  it('the billing number goes straight to the accounts team in office hours', async () => {
    const { sim } = await lineAt(OFFICE);
    sim.desk(BILLING_NUMBER).answers();
    const caller = sim.call({ from: cat2.phone, to: BILLING });
    await caller.hears('greeting').presses(`${cat2.pin}#`).hears('connecting-billing').isConnectedTo(BILLING_NUMBER);
    expect(caller.heard.join('\n')).not.toContain('To report a fault, press 1');
    await caller.hangsUp();
    expect((await callOf(caller.callSid)).ticket).toMatchObject({ kind: 'billing', route: 'desk' });
  });

  it('the billing number at night takes a message for the accounts team', async () => {
    const { sim } = await lineAt(NIGHT);
    const caller = sim.call({ from: cat2.phone, to: BILLING });
    await caller.presses(`${cat2.pin}#`).hears('billing-closed', 'leave-message').leavesMessage().hears('message-taken').isHungUp();
    expect((await callOf(caller.callSid)).ticket).toMatchObject({ kind: 'billing', route: 'voicemail' });
  });

  it('a number the line does not know is the main number: the usual menu, logged once', async () => {
    const l = await lineAt(OFFICE);
    for (const _ of [1, 2]) {
      const caller = l.sim.call({ from: cat1.phone, to: UNKNOWN });
      await caller.hears('greeting').presses(`${cat1.pin}#`).hears('main-menu').hangsUp();
      expect(caller.heard.join('\n')).not.toContain('24-hour cover');
      expect((await callOf(caller.callSid)).call.to).toBe(UNKNOWN);
    }
    expect(l.log.warnings('not one of the line')).toHaveLength(1);
  });
});

describe('over Asterisk (the dialled number is the channel\'s extension)', () => {
  let line: AsteriskLine | undefined;
  afterEach(async () => {
    const violations = line?.violations() ?? [];
    await line?.close();
    line = undefined;
    expect(violations).toEqual([]);
  });
  const lineAt = async (at: string) => (line = await startAsteriskLine({ db: fresh.db, live: redis.store, at }));

  it('a Cat4 customer on the 24-hour number at 3 am (DID without the plus, as trunks send it) reaches on-call', async () => {
    const { sim, callOf } = await lineAt(NIGHT);
    const engineer = sim.engineer(sam.phone).answersAfter(3000).presses('1');
    const caller = sim.call({ from: cat4.phone, to: CAT4_24H.slice(1) });
    await caller.hears('greeting', 'enter-pin').presses(`${cat4.pin}#`).hears('fault-critical-question').presses('1')
      .hears('ticket-reference', 'connecting-oncall').isConnectedTo(engineer);
    expect(caller.transcript).not.toContain('main-menu');
    await caller.hangsUp();
    const { call, timeline } = await callOf(caller);
    expect(call).toMatchObject({ route: 'oncall', outcome: 'engineer', priority: 'critical' });
    expect(timeline.find((e) => e.type === 'call-started')?.detail).toMatchObject({ dialledProfile: 'cat4_24h' });
  });

  it('a Cat1 customer on the 24-hour number hears the main number digit group by digit group, then the menu', async () => {
    const { sim } = await lineAt(OFFICE);
    const caller = sim.call({ from: cat1.phone, to: CAT4_24H });
    await caller.hears('greeting', 'enter-pin').presses(`${cat1.pin}#`).hears('cat4-number-not-yours', 'main-menu');
    const said = caller.transcript;
    const from = said.indexOf('cat4-number-not-yours');
    expect(said.slice(from + 1, said.indexOf('main-menu', from)).join(' ')).toBe([...'01632960000'].map((d) => `sound:digits/${d}`).join(' '));
    await caller.hangsUp();
  });

  it('the billing number goes straight to the accounts desk in office hours', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const desk = sim.desk('billing').answersAfter(2_000);
    const caller = sim.call({ from: cat2.phone, to: BILLING });
    await caller.hears('greeting').presses(`${cat2.pin}#`).hears('connecting-billing').isConnectedTo(desk);
    expect(caller.transcript).not.toContain('main-menu');
    await caller.hangsUp();
    expect((await callOf(caller)).ticket).toMatchObject({ kind: 'billing', route: 'desk' });
  });

  it('an unknown number is the main number: the usual menu', async () => {
    const { sim, callOf } = await lineAt(OFFICE);
    const caller = sim.call({ from: cat1.phone, to: UNKNOWN });
    await caller.hears('greeting').presses(`${cat1.pin}#`).hears('main-menu').hangsUp();
    expect((await callOf(caller)).call.to).toBe(UNKNOWN);
  });
});
