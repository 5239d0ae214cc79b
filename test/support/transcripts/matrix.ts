// The transcripts matrix: for each time band given, every tier and every route a
// caller can take, one whole call over the simulated Asterisk and the same call over
// the simulated Twilio. Each checks, in this order:
//   1. both carriers said the same words (prompt by prompt, number by number);
//   2. the caller reached what the table in expected.ts says;
//   3. the words that matter, on the text Twilio spoke (which (1) makes Asterisk's too).
// One database and one Redis prefix per test file; fresh lines (and clocks) per call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tier } from '../../../src/domain/contracts.ts';
import { RECORDING_RETENTION_DAYS } from '../../../src/domain/flow/rules.ts';
import { PROMPTS, type PromptId } from '../../../src/domain/prompts.ts';
import { describeSpokenDue } from '../../../src/domain/spoken-time.ts';
import { addClosure } from '../../../src/store/closures.ts';
import { getTicket, type TicketDetail } from '../../../src/store/tickets.ts';
import { useFreshDatabase } from '../db.ts';
import { CUSTOMERS, seedTwilioFixture, type Customer } from '../fake-twilio/fixture.ts';
import { useRedisLiveStore } from '../redis.ts';
import { openTicket } from '../tickets.ts';
import { overAsterisk, overTwilio, type Script, type WholeCall } from './calls.ts';
import { BANDS, CLOSURE, ROUTES, TIERS, expectedReach, type Band, type Reached, type Route } from './expected.ts';

const CALENDAR = { division: 'england-and-wales' as const, closures: [{ from: new Date(CLOSURE.from), to: new Date(CLOSURE.to), reason: CLOSURE.reason }] };
const CUSTOMER: Record<Tier, Customer> = { None: CUSTOMERS.none, CatS: CUSTOMERS.catS, Cat1: CUSTOMERS.cat1, Cat2: CUSTOMERS.cat2, Cat4: CUSTOMERS.cat4 };

/** Registers the whole matrix for these bands in the calling test file. */
export function transcriptMatrix(bands: readonly Band[]): void {
  const fresh = useFreshDatabase();
  const redis = useRedisLiveStore();
  /** The ticket each tier asks the status of, per band: opened an hour before the call. */
  const earlier = new Map<string, string>();
  const started = Date.now();
  let calls = 0;

  beforeAll(async () => {
    await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2027-02-01T00:00:00Z' });
    await addClosure(fresh.db, { from: new Date(CLOSURE.from), to: new Date(CLOSURE.to), reason: CLOSURE.reason, createdBy: 'test' });
    for (const band of bands) {
      for (const tier of TIERS) {
        const [account] = await fresh.db.query<{ id: string }>('select id from accounts where number = $1', [CUSTOMER[tier].number]);
        const openedAt = new Date(new Date(BANDS[band].at).getTime() - 3600_000);
        const { reference } = await openTicket(fresh.db, { accountId: account!.id, tier, openedAt, ctx: CALENDAR });
        earlier.set(`${band} ${tier}`, reference);
      }
    }
  });
  afterAll(() => {
    // The matrix's size and pace, for the report (no assertion: speed targets live in bench/).
    console.info(`transcripts: ${calls} whole calls in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  for (const band of bands) {
    describe(BANDS[band].says, () => {
      const cases = TIERS.flatMap((tier) => ROUTES.map((route) => [tier, route, expectedReach(tier, band, route)] as const));
      it.each(cases)('%s, %s: %s', async (tier, route, reached) => {
        const line = { db: fresh.db, live: redis.store, at: BANDS[band].at };
        const script = scriptFor(CUSTOMER[tier], route, earlier.get(`${band} ${tier}`) ?? '');
        const asterisk = await overAsterisk(line, script);
        const twilio = await overTwilio(line, script);
        calls += 2;

        expect(asterisk.violations).toEqual([]);
        expect(twilio.words, 'the same words on Twilio as on Asterisk').toEqual(asterisk.words);
        expect([asterisk.reached, twilio.reached]).toEqual([reached, reached]);
        for (const heard of [asterisk, twilio]) await expectRecords(heard, tier, route, reached);
        const ref = route === 'ticket status' ? (earlier.get(`${band} ${tier}`) ?? '') : (twilio.ticket?.reference ?? '');
        await expectWords(twilio, { tier, route, reached, reference: ref, db: fresh.db });
      });
    });
  }
}

function scriptFor(customer: Customer, route: Route, earlierReference: string): Script {
  const steps: Script['steps'] = [{ after: 'enter-pin', press: `${customer.pin}#` }];
  switch (route) {
    case 'fault, critical':
    case 'fault, standard':
      steps.push({ after: 'main-menu', press: '1' }, { after: 'fault-critical-question', press: route === 'fault, critical' ? '1' : '2' });
      if (customer.tier === 'None') steps.push({ after: 'no-contract-offer', press: '1' });
      if (customer.tier === 'CatS') steps.push({ after: 'ad-hoc-offer', press: '1' });
      break;
    case 'ticket status':
      steps.push({ after: 'main-menu', press: '2' }, { after: 'enter-ticket', press: `${earlierReference}#` });
      break;
    case 'complaint':
      steps.push({ after: 'main-menu', press: '3' });
      break;
    case 'billing':
      steps.push({ after: 'main-menu', press: '4' });
      break;
  }
  return { from: customer.phone, steps };
}

/** What Postgres holds agrees with where the caller went. */
async function expectRecords(heard: WholeCall, tier: Tier, route: Route, reached: Reached): Promise<void> {
  const { call, ticket } = heard;
  expect(call).toMatchObject({ tier, outcome: OUTCOME[reached] });
  if (reached === 'told') {
    expect(ticket).toBeNull();
    return;
  }
  expect(ticket).toMatchObject({ tier, kind: route.startsWith('fault') ? 'fault' : route });
  if (tier === 'None' || tier === 'CatS') expect(ticket?.adHocAccepted).toBe(route.startsWith('fault') ? true : null);
  // A person answering live is the ticket's first response.
  if (reached !== 'message') expect(ticket?.respondedAt).not.toBeNull();
}

const OUTCOME: Record<Reached, string> = { desk: 'desk', accounts: 'desk', oncall: 'engineer', message: 'message', told: 'informed' };

const say = (id: PromptId): string => PROMPTS[id];
const spaced = (reference: string): string => reference.split('').join(' ');

/** Each part said, in this order (anything may come between them). */
function expectSaid(text: string, ...parts: string[]): void {
  const pattern = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*');
  expect(text).toMatch(new RegExp(pattern));
}

const CONNECTING: Partial<Record<Reached, PromptId>> = { desk: 'connecting-desk', accounts: 'connecting-billing', oncall: 'connecting-oncall' };

async function expectWords(
  heard: WholeCall,
  c: { tier: Tier; route: Route; reached: Reached; reference: string; db: Parameters<typeof getTicket>[0] },
): Promise<void> {
  const { text, call } = heard;
  const now = call.startedAt;
  expectSaid(text, say('enter-pin'));
  const fault = c.route.startsWith('fault');
  // £70 + VAT: told to every caller without a contract who reports a fault, in hours and out.
  if (fault && (c.tier === 'None' || c.tier === 'CatS')) expectSaid(text, 'seventy pounds plus VAT', say('ticket-reference'));
  else expect(text).not.toContain('seventy pounds');
  if (c.route === 'complaint') expectSaid(text, say('complaint-intro'), say('ticket-reference'));

  const connecting = CONNECTING[c.reached];
  if (connecting) {
    // Being put through: the reference and what is happening now, never a callback time.
    expectSaid(text, `${say('ticket-reference')} ${spaced(c.reference)}. ${say(connecting)}`);
    expect(text).not.toContain(say('callback-by'));
    expect(text).not.toContain(say('complaint-ack-by'));
    expect(text).not.toContain(say('leave-message'));
    return;
  }
  if (c.reached === 'told') {
    const ticket = await getTicket(c.db, { reference: c.reference });
    const due = nextDue(ticket);
    const status = `${say('ticket')} ${spaced(c.reference)} ${say('status-is')} ${say('status-new')}`;
    if (due) {
      expect(due.getTime(), 'the next update is still to come').toBeGreaterThan(now.getTime());
      expectSaid(text, status, `${say('next-update-by')} ${describeSpokenDue(due, now)}`, say('goodbye'));
    } else {
      expectSaid(text, status, say('goodbye'));
      expect(text).not.toContain(say('next-update-by'));
    }
    return;
  }
  // A message: why nobody is there, then (UK GDPR) how the recording is kept, before the tone.
  const why = c.route === 'billing' ? say('billing-closed') : say('office-closed');
  // The accounts team's hours, true on a closure day too (a Thursday morning, yet closed).
  if (c.route === 'billing') expect(text).toContain('They are open Monday to Friday, 9 a.m. to 5 p.m., except bank holidays and office closures.');
  const notice = `${say('recording-notice')} ${RECORDING_RETENTION_DAYS} ${say('recording-notice-days')} ${say('leave-message')}`;
  expectSaid(text, why, notice, say('message-taken'), `${say('ticket-reference')} ${spaced(c.reference)}`);
  // The promise: the ticket's own due time, said as a British person would, and still to come.
  const promise = promiseOf(heard.ticket);
  if (promise) {
    expect(promise.due.getTime(), 'the promised time is still to come').toBeGreaterThan(now.getTime());
    expectSaid(text, `${say('ticket-reference')} ${spaced(c.reference)}. ${say(promise.lead)} ${describeSpokenDue(promise.due, now)}. ${say('goodbye')}`);
  } else {
    expectSaid(text, `${say('ticket-reference')} ${spaced(c.reference)}. ${say('no-target')} ${say('goodbye')}`);
  }
}

function promiseOf(ticket: TicketDetail | null): { lead: PromptId; due: Date } | null {
  const complaint = ticket?.kind === 'complaint';
  const due = ticket?.timers.find((t) => t.target === (complaint ? 'complaint_ack' : 'response'))?.dueAt ?? null;
  return due ? { lead: complaint ? 'complaint-ack-by' : 'callback-by', due } : null;
}

function nextDue(ticket: TicketDetail | null): Date | null {
  const running = (ticket?.timers ?? []).filter((t) => t.state === 'running' && t.dueAt).map((t) => t.dueAt!.getTime());
  return running.length > 0 ? new Date(Math.min(...running)) : null;
}
