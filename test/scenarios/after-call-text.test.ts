// After the call a customer on a mobile gets a text with what they were told: the
// ticket reference, and when they will hear back if nobody has them yet. Queued in the
// notification outbox (the notifier sends it), never holding up the call.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pgCallRecords } from '../../src/calls/pg-records.ts';
import { addAccount } from '../../src/store/accounts.ts';
import { findCallByCarrierId } from '../../src/store/calls.ts';
import { getTicket } from '../../src/store/tickets.ts';
import { smsChannel } from '../../src/notify/sms.ts';
import type { NotificationRecord } from '../../src/store/notifications.ts';
import { useFreshDatabase } from '../support/db.ts';
import { useRedisLiveStore } from '../support/redis.ts';
import { seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { DESK_NUMBER, startTwilioLine, type TwilioLine } from '../support/fake-twilio/line.ts';
import type { Caller } from '../support/fake-twilio/simulator.ts';

const fresh = useFreshDatabase();
const redis = useRedisLiveStore();

// Wednesday 18 November 2026: office hours, and the evening after the desk has closed.
const OFFICE = '2026-11-18T10:00:00Z';
const NIGHT = '2026-11-18T21:00:00Z';
const MOBILE = { number: '20001', name: 'Harbour Bakery', pin: '2468', phone: '+447700900321' };
const NO_TEXTS = { number: '20002', name: 'Quiet Hotel', pin: '1357', phone: '+447700900322' };

let line: TwilioLine | undefined;
beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
  for (const c of [MOBILE, NO_TEXTS]) {
    await addAccount(fresh.db, { number: c.number, name: c.name, pin: c.pin, phones: [c.phone], tier: 'Cat1', startsOn: '2020-01-01', endsOn: null });
  }
  await fresh.db.query('update accounts set sms_after_call = false where number = $1', [NO_TEXTS.number]);
});
afterEach(async () => {
  await line?.close();
  line = undefined;
});

async function lineAt(at: string, sms = true): Promise<TwilioLine> {
  const routing = { dutyManagerPhone: null, sms, webhook: false };
  line = await startTwilioLine({ db: fresh.db, live: redis.store, at, records: (db) => pgCallRecords(db, { division: 'england-and-wales', routing }) });
  return line;
}

async function textsFor(caller: Caller) {
  const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
  const ticket = call?.ticketId ? await getTicket(fresh.db, { id: call.ticketId }) : null;
  const rows = await fresh.db.query<{ kind: string; recipient: string; channel: string; payload: { text: string } }>(
    `select kind, recipient, channel, payload from notifications where ticket_id = $1 and kind = 'caller_sms'`,
    [call?.ticketId ?? '0'],
  );
  return { ticket, texts: rows };
}

function leavesAMessageAtNight(caller: Caller, pin: string): Caller {
  return caller.presses(`${pin}#`).hears('main-menu').presses('1').presses('2').hears('leave-message').leavesMessage({ seconds: 8 }).hears('message-taken');
}

describe('the text after the call', () => {
  it('a caller who left a message at night reads their reference and the callback time they heard', async () => {
    const { sim } = await lineAt(NIGHT);
    const caller = leavesAMessageAtNight(sim.call({ from: MOBILE.phone }), MOBILE.pin);
    await caller.isHungUp();
    const { ticket, texts } = await textsFor(caller);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({ channel: 'sms', recipient: MOBILE.phone });
    expect(texts[0]?.payload.text).toBe(`Support Line: your ticket reference is ${ticket?.reference}. An engineer will call you back by 5 p.m. tomorrow.`);
  });

  it('a caller the desk answered reads their reference, without a callback promise', async () => {
    const { sim } = await lineAt(OFFICE);
    sim.desk(DESK_NUMBER).answers();
    const caller = sim.call({ from: MOBILE.phone }).presses(`${MOBILE.pin}#`).presses('1').presses('2');
    await caller.hears('connecting-desk').isConnectedTo(DESK_NUMBER).hangsUp();
    const { ticket, texts } = await textsFor(caller);
    expect(texts.map((t) => t.payload.text)).toEqual([`Support Line: your ticket reference is ${ticket?.reference}. Please quote it if you call us again about this.`]);
  });

  it('is sent as the customer’s words alone, without the staff acknowledgement line', async () => {
    const sent: { to: string; body: string }[] = [];
    const channel = smsChannel({ sendSms: async (to, body) => (sent.push({ to, body }), { sid: 'SM1', status: 'queued' }) });
    const text = 'Support Line: your ticket reference is 1001. Please quote it if you call us again about this.';
    const payload = { kind: 'caller_sms' as const, ticket: { id: '1', reference: '1001' }, text, at: NIGHT };
    await channel.deliver({ id: '9', recipient: MOBILE.phone, payload } as NotificationRecord, new Date(NIGHT));
    expect(sent).toEqual([{ to: MOBILE.phone, body: text }]);
  });

  it.each([
    ['an account that has turned texts off', NO_TEXTS, true],
    ['a landline', { ...MOBILE, phone: '+441632960125', pin: '6043' }, true],
    ['a line with no SMS configured', MOBILE, false],
  ] as const)('is not sent to %s', async (_name, customer, sms) => {
    const { sim } = await lineAt(NIGHT, sms);
    const caller = leavesAMessageAtNight(sim.call({ from: customer.phone }), customer.pin);
    await caller.isHungUp();
    expect((await textsFor(caller)).texts).toEqual([]);
  });

  it('a caller who hangs up before anyone helps is not texted a promise', async () => {
    const { sim } = await lineAt(OFFICE);
    sim.desk(DESK_NUMBER).keepsRinging();
    const caller = sim.call({ from: MOBILE.phone }).presses(`${MOBILE.pin}#`).presses('1').presses('2');
    await caller.hears('connecting-desk').hangsUp();
    expect((await findCallByCarrierId(fresh.db, 'twilio', caller.callSid))?.outcome).toBe('abandoned');
    expect((await textsFor(caller)).texts).toEqual([]);
  });
});
