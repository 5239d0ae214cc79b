// Whole calls through the real flow, the real call service, Postgres and Redis,
// with the command line's scripted caller: one call for each route and tier.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallService, type CallService } from '../../src/calls/call-service.ts';
import { pgCallRecords } from '../../src/calls/pg-records.ts';
import { runScriptedCall, type CallScript } from '../../src/carriers/cli/scripted-carrier.ts';
import { createLogger } from '../../src/logger.ts';
import { callTimeline, getCall } from '../../src/store/calls.ts';
import { seedDemo, type DemoSeed } from '../../src/store/seed-demo.ts';
import { getTicket } from '../../src/store/tickets.ts';
import { escalationFailed } from '../../src/tickets/service.ts';
import type { AlertRouting } from '../../src/notify/outbox.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { freshRedisLiveStore, type FreshRedis } from '../support/redis.ts';
import { demoAccount } from '../support/demo.ts';

const SATURDAY_3AM = new Date('2026-11-21T03:00:00Z');
const MONDAY_10AM = new Date('2026-11-23T10:00:00Z');

let fresh: FreshDatabase;
let redis: FreshRedis;
let demo: DemoSeed;

beforeAll(async () => {
  fresh = await freshDatabase();
  redis = await freshRedisLiveStore();
  demo = await seedDemo(fresh.db, SATURDAY_3AM);
});
afterAll(async () => {
  await redis?.cleanup();
  await fresh?.drop();
});

const account = (number: string) => demoAccount(demo, number);

async function ring(at: Date, script: Partial<CallScript> & { from: string }, routing?: AlertRouting) {
  let now = at;
  const clock = { now: () => now, advance: (s: number) => (now = new Date(now.getTime() + s * 1000)) };
  const service: CallService = createCallService({
    records: routing ? pgCallRecords(fresh.db, { division: 'england-and-wales', routing }) : pgCallRecords(fresh.db),
    live: redis.store,
    logger: createLogger('silent'),
    clock: clock.now,
    config: { division: 'england-and-wales', ringSeconds: 25, rounds: 2 },
  });
  const result = await runScriptedCall(
    service,
    { to: '+441632960000', keys: [], engineers: ['accept'], desk: 'answer', messageSeconds: 20, ...script },
    clock,
  );
  await service.close();
  const call = await getCall(fresh.db, result.callId);
  const ticket = call?.ticketId ? await getTicket(fresh.db, { id: call.ticketId }) : null;
  const heard = result.transcript.filter((l) => l.who === 'line').map((l) => l.text).join('\n');
  return { ...result, call, ticket, heard };
}

describe('a Cat4 customer whose phones are down', () => {
  it('at 3am on a Saturday is put through to the on-call engineer, who accepts', async () => {
    const acme = account('10001');
    const c = await ring(SATURDAY_3AM, { from: acme.phones[0]!, keys: [`${acme.pin}#`, '1', '1'], engineers: ['no-answer', 'accept'] });
    expect(c.heard).toMatch(/dial 999/);
    expect(c.call).toMatchObject({ route: 'oncall', outcome: 'engineer', endReason: 'completed', tier: 'Cat4', priority: 'critical' });
    expect(c.ticket).toMatchObject({ kind: 'fault', status: 'acknowledged' });
    const response = c.ticket?.timers.find((t) => t.target === 'response');
    expect(response?.dueAt?.toISOString()).toBe('2026-11-21T05:00:00.000Z');
    expect(response?.state).toBe('met');
    const timeline = await callTimeline(fresh.db, c.callId);
    const types = timeline.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['call-started', 'authenticated', 'route-decided', 'ticket-created', 'engineer-rung', 'engineer-result', 'bridge', 'call-ended']));
    expect(timeline.filter((e) => e.type === 'engineer-rung')).toHaveLength(2);
    expect(JSON.stringify(timeline)).not.toContain(acme.pin);
  });

  it('whose engineers all fail leaves a message, and the ticket says escalation failed', async () => {
    const acme = account('10001');
    const c = await ring(SATURDAY_3AM, { from: acme.phones[0]!, keys: [`${acme.pin}#`, '1', '1'], engineers: [] });
    expect(c.heard).toMatch(/could not reach an engineer/);
    expect(c.call).toMatchObject({ route: 'oncall', outcome: 'message', escalationFailed: true });
    expect(c.ticket?.escalationFailed).toBe(true);
    expect(c.ticket?.recordingName).toBe(`support-line/${c.callId}`);
    // Told at once, not 90 minutes later by the SLA warning: the console feed has it before the caller hears so.
    const alerts = await fresh.db.query<{ kind: string; channel: string }>('select kind, channel from notifications where ticket_id = $1', [c.ticket!.id]);
    expect(alerts).toEqual([{ kind: 'escalation_failed', channel: 'feed' }]);
    expect(c.heard).toMatch(/could not reach an engineer just now, and the duty manager has been told/);
  });

  it('whose engineers all fail: the duty manager is texted and the webhook signed, once, whatever the retries', async () => {
    const acme = account('10001');
    const routing = { dutyManagerPhone: '+447700900999', sms: true, webhook: true };
    const c = await ring(SATURDAY_3AM, { from: acme.phones[0]!, keys: [`${acme.pin}#`, '1', '1'], engineers: [] }, routing);
    const alerts = await fresh.db.query<{ kind: string; channel: string; recipient: string }>(
      'select kind, channel, recipient from notifications where ticket_id = $1 order by channel',
      [c.ticket!.id],
    );
    expect(alerts).toEqual([
      { kind: 'escalation_failed', channel: 'feed', recipient: 'console' },
      { kind: 'escalation_failed', channel: 'sms', recipient: '+447700900999' },
      { kind: 'escalation_failed', channel: 'webhook', recipient: 'webhook' },
    ]);
    // A second delivery of the same failure (a replay) queues nothing more.
    expect(await escalationFailed({ db: fresh.db, division: 'england-and-wales', routing }, { ticketId: c.ticket!.id, at: SATURDAY_3AM })).toBe(true);
    expect(await fresh.db.query('select id from notifications where ticket_id = $1', [c.ticket!.id])).toHaveLength(3);
  });
});

describe('office hours', () => {
  it.each([
    ['10001', 'Cat4'],
    ['10002', 'Cat2'],
    ['10003', 'Cat1'],
  ])('account %s (%s) reporting a fault goes to the desk with a ticket', async (number, tier) => {
    const a = account(number);
    const c = await ring(MONDAY_10AM, { from: a.phones[0]!, keys: [`${a.pin}#`, '1', '2'] });
    expect(c.call).toMatchObject({ route: 'desk', outcome: 'desk', tier });
    expect(c.heard).toMatch(/Your ticket reference is \d( \d)*\. Connecting you to the support desk now\./);
    // Being connected now: no callback time in the same breath.
    expect(c.heard).not.toMatch(/call you back by/);
    // The desk answering live is the first response: the clock stops, who answered is on the ticket.
    expect(c.ticket).toMatchObject({ status: 'acknowledged', respondedDesk: 'support', respondedBy: null });
    expect(c.ticket?.respondedAt).not.toBeNull();
    expect(c.ticket?.timers.find((t) => t.target === 'response')?.state).toBe('met');
    expect(c.ticket?.events.find((e) => e.type === 'responded')).toMatchObject({ actor: 'desk:support' });
    expect((await callTimeline(fresh.db, c.callId)).find((e) => e.type === 'response-met')?.detail).toMatchObject({ desk: 'support' });
  });

  it('a caller with no contract hears the £70 + VAT offer and accepts it', async () => {
    const a = account('10005');
    const c = await ring(MONDAY_10AM, { from: a.phones[0]!, keys: [`${a.pin}#`, '1', '2', '1'] });
    expect(c.heard).toMatch(/seventy pounds plus VAT/);
    expect(c.ticket).toMatchObject({ tier: 'None', adHocAccepted: true });
    expect(c.ticket?.timers).toEqual([]);
  });

  it('a suspended Cat4 account is treated as no contract', async () => {
    const a = account('10006');
    const c = await ring(MONDAY_10AM, { from: a.phones[0]!, keys: [`${a.pin}#`, '1', '1', '2'] });
    expect(c.heard).toMatch(/does not have a support contract/);
    expect(c.call).toMatchObject({ tier: 'None', outcome: 'refused', endReason: 'ad-hoc-declined' });
    expect(c.ticket).toBeNull();
  });
});

describe('out of hours', () => {
  it('a Cat1 fault leaves a message, with the callback on Monday', async () => {
    const a = account('10003');
    const c = await ring(SATURDAY_3AM, { from: a.phones[0]!, keys: [`${a.pin}#`, '1', '1'] });
    expect(c.call).toMatchObject({ route: 'voicemail', outcome: 'message' });
    expect(c.heard).toMatch(/call you back by 5 p\.m\. on Monday the 23rd of November/);
    expect(c.ticket?.timers.find((t) => t.target === 'response')?.dueAt?.toISOString()).toBe('2026-11-23T17:00:00.000Z');
  });

  it('a Cat2 fault at 10am on Saturday rings the on-call engineer', async () => {
    const a = account('10002');
    const c = await ring(new Date('2026-11-21T10:00:00Z'), { from: a.phones[0]!, keys: [`${a.pin}#`, '1', '2'] });
    expect(c.call).toMatchObject({ route: 'oncall', outcome: 'engineer' });
  });
});

describe('identification and PINs', () => {
  it('an unknown number keys in the account number', async () => {
    const a = account('10003');
    const c = await ring(MONDAY_10AM, { from: '+441632960999', keys: [`${a.number}#`, `${a.pin}#`, '2', '999#', '999#', '999#', '999#'] });
    expect(c.heard).toMatch(/enter your account number/);
    expect(c.call).toMatchObject({ outcome: 'informed', endReason: 'ticket-status-enquiry', accountId: a.id });
  });

  it('locks voice sign-in for an account after five failures across calls', async () => {
    const a = account('10004');
    const wrong = { from: '+441632960998', keys: [`${a.number}#`, '0000#', `${a.number}#`, '0001#', `${a.number}#`, '0002#'] };
    const first = await ring(MONDAY_10AM, wrong);
    expect(first.call?.endReason).toBe('authentication-failed');
    const second = await ring(MONDAY_10AM, { ...wrong, from: '+441632960997' });
    expect(second.call?.endReason).toBe('pin-locked');
    // Even the right PIN is refused while the lock holds.
    const third = await ring(MONDAY_10AM, { from: a.phones[0]!, keys: [`${a.pin}#`] });
    expect(third.call?.endReason).toBe('pin-locked');
    const audits = await fresh.db.query<{ action: string }>("select action from audit_log where action like 'pin.%'");
    expect(audits.length).toBeGreaterThanOrEqual(5);
  });
});
