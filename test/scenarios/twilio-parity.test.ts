// One flow, two carriers: the same scripted call over the simulated Asterisk and
// over the simulated Twilio leaves the same flow timeline and the same ticket.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callTimeline, findCallByCarrierId, type CallEvent } from '../../src/store/calls.ts';
import { getTicket } from '../../src/store/tickets.ts';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { startTwilioLine, type TwilioLine } from '../support/fake-twilio/line.ts';
import { startAsteriskLine, type AsteriskLine } from '../support/fake-asterisk/line.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();
const NIGHT = '2026-11-18T03:00:00Z';
const { cat4, cat1 } = CUSTOMERS;
const { sam, alex, morgan } = ENGINEERS;

let twilioLine: TwilioLine | undefined;
let asteriskLine: AsteriskLine | undefined;
beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
});
afterEach(async () => {
  await twilioLine?.close();
  await asteriskLine?.close();
  twilioLine = asteriskLine = undefined;
});

/** What the call service writes for the flow (carrier notes such as `twilio.*` or ARI legs are left out). */
const FLOW_ENTRIES = new Set([
  'call-started', 'caller-id', 'asked', 'said', 'keys', 'no-keys', 'pin-checked', 'pin-rejected', 'pin-locked', 'authenticated',
  'route-decided', 'ticket-requested', 'ticket-created', 'ticket-looked-up', 'escalation-planned', 'engineer-rung',
  'engineer-answered', 'engineer-result', 'response-met', 'bridge', 'connect-desk', 'desk-result', 'desk-answered',
  'record', 'recorded', 'escalation-failed', 'ticket-flagged', 'hangup', 'caller-hung-up', 'hangup-sent', 'call-ended',
]);

/** The flow's entries with what legitimately differs by carrier (ids, causes, instants, recording names) taken out. */
function flowTimeline(events: CallEvent[], reference: string, callId: string): Array<[string, Record<string, unknown>]> {
  return events
    .filter((e) => FLOW_ENTRIES.has(e.type))
    .map((e) => {
      const { carrier: _c, cause: _cause, at: _at, ticketId: _t, recordingName: _r, durationSeconds: _d, ...detail } = e.detail;
      const text = JSON.stringify(detail)
        .replaceAll(callId, '<call>')
        .replaceAll(reference.split('').join(' '), '<ref>').replaceAll(`"${reference}"`, '"<ref>"');
      return [e.type, JSON.parse(text) as Record<string, unknown>];
    });
}

async function recorded(carrier: 'twilio' | 'asterisk', carrierCallId: string) {
  const call = await findCallByCarrierId(fresh.db, carrier, carrierCallId);
  if (!call) throw new Error(`no ${carrier} call ${carrierCallId}`);
  const ticket = call.ticketId ? await getTicket(fresh.db, { id: call.ticketId }) : null;
  const timeline = flowTimeline(await callTimeline(fresh.db, call.id), ticket?.reference ?? '-', call.id);
  const { id: _id, carrier: _carrier, carrierCallId: _cid, answeredAt: _a, endedAt: _e, ticketId: _t, hangupCause: _h, recordingName: _r, ...summary } = call;
  const ticketShape = ticket && {
    kind: ticket.kind,
    tier: ticket.tier,
    priority: ticket.priority,
    route: ticket.route,
    status: ticket.status,
    escalationFailed: ticket.escalationFailed,
    adHocAccepted: ticket.adHocAccepted,
    openedAt: ticket.openedAt,
    responded: ticket.respondedAt !== null,
    respondedBy: ticket.respondedBy,
    timers: ticket.timers.map((t) => ({ target: t.target, startsAt: t.startsAt, dueAt: t.dueAt, state: t.state })),
  };
  return { summary, ticket: ticketShape, timeline };
}

describe('the same call over Asterisk and over Twilio', () => {
  it('a critical Cat4 fault at night: primary no answer, secondary passes, manager accepts', async () => {
    asteriskLine = await startAsteriskLine({ db: fresh.db, live: redis.store, at: NIGHT });
    const a = asteriskLine.sim;
    a.engineer(sam.phone).doesNotAnswer();
    a.engineer(alex.phone).answersAfter(3000).presses('2');
    const manager = a.engineer(morgan.phone).answersAfter(3000).presses('1');
    const overAsterisk = a.call({ from: cat4.phone });
    await overAsterisk.hears('enter-pin').presses(`${cat4.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question').presses('1').isConnectedTo(manager).hangsUp();
    await asteriskLine.sim.settle();
    const viaAsterisk = await recorded('asterisk', overAsterisk.channelId);
    expect(asteriskLine.violations()).toEqual([]);

    twilioLine = await startTwilioLine({ db: fresh.db, live: redis.store, at: NIGHT });
    const t = twilioLine.sim;
    t.engineer(sam.phone).doesNotAnswer();
    t.engineer(alex.phone).answers().presses('2');
    t.engineer(morgan.phone).answers().presses('1');
    const overTwilio = t.call({ from: cat4.phone });
    await overTwilio.hears('enter-pin').presses(`${cat4.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question').presses('1').isConnectedTo(morgan.phone).hangsUp();
    const viaTwilio = await recorded('twilio', overTwilio.callSid);

    expect(viaTwilio.timeline).toEqual(viaAsterisk.timeline);
    expect(viaTwilio.ticket).toEqual(viaAsterisk.ticket);
    expect(viaTwilio.summary).toEqual(viaAsterisk.summary);
  });

  it('a Cat1 fault at night: a message is taken', async () => {
    asteriskLine = await startAsteriskLine({ db: fresh.db, live: redis.store, at: NIGHT });
    const overAsterisk = asteriskLine.sim.call({ from: cat1.phone });
    await overAsterisk.hears('enter-pin').presses(`${cat1.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question').presses('2').hearsAll('leave-message').leavesMessage(20).hears('goodbye').isHungUp();
    await asteriskLine.sim.settle();
    const viaAsterisk = await recorded('asterisk', overAsterisk.channelId);

    twilioLine = await startTwilioLine({ db: fresh.db, live: redis.store, at: NIGHT });
    const overTwilio = twilioLine.sim.call({ from: cat1.phone });
    await overTwilio.hears('enter-pin').presses(`${cat1.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question').presses('2').hears('leave-message').leavesMessage({ seconds: 20 }).hears('goodbye').isHungUp();
    const viaTwilio = await recorded('twilio', overTwilio.callSid);

    expect(viaTwilio.timeline).toEqual(viaAsterisk.timeline);
    expect(viaTwilio.ticket).toEqual(viaAsterisk.ticket);
    expect(viaTwilio.summary).toEqual(viaAsterisk.summary);
  });
});
