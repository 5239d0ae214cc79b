// Saturday's Cat4 critical call from Acme Dental reached nobody: a message, escalation
// failed. On Monday the supervisor gives the ticket to Aisha; with SMS configured she
// is texted as well as told in the console feed. A Cat1 ticket, or a ticket given to
// a supervisor (no engineer phone), texts nobody.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

const SMS_ENV = { TWILIO_ACCOUNT_SID: `AC${'5'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'token', TWILIO_CALLER_ID: '+441632960000' };
const AISHA_PHONE = '+447700900203';

let t: ConsoleLine;
let sup: ConsoleClient;
let acme: string;

interface Sms { recipient: string; kind: string; text: string; reference: string }
const texts = () =>
  t.line.db.query<Sms>(
    `select recipient, kind, payload->>'text' as text, payload->'ticket'->>'reference' as reference
       from notifications where channel = 'sms' and kind = 'assignee_sms' order by id`,
  );

beforeAll(async () => {
  t = await startConsoleLine({ env: SMS_ENV });
  sup = await signedIn(t.url, t.users.supervisor.email);
  const [row] = await t.line.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [t.calls.acmeFailed]);
  acme = row!.reference;
});
afterAll(async () => {
  await t?.stop();
});

describe('giving a Cat4 critical ticket to an engineer', () => {
  it('a Cat1 ticket given to Aisha texts nobody', async () => {
    expect((await sup.json('POST', `/api/tickets/${t.warningTicket}/assign`, { userId: t.users.otherEngineer.id })).status).toBe(200);
    expect(await texts()).toEqual([]);
  });

  it('the Acme ticket given to the supervisor texts nobody: a supervisor has no engineer phone', async () => {
    expect((await sup.json('POST', `/api/tickets/${acme}/assign`, { userId: t.users.supervisor.id })).status).toBe(200);
    expect(await texts()).toEqual([]);
  });

  it('the Acme ticket given to Aisha queues one SMS to her phone, beside the feed entry', async () => {
    expect((await sup.json('POST', `/api/tickets/${acme}/assign`, { userId: t.users.otherEngineer.id })).status).toBe(200);
    expect(await texts()).toEqual([
      {
        recipient: AISHA_PHONE,
        kind: 'assignee_sms',
        reference: acme,
        text: `Ticket ${acme} (Acme Dental, Cat4 critical) is now yours, given by Sam Supervisor. Details in the console.`,
      },
    ]);
    const feed = await t.line.db.query<{ text: string }>(`select text from feed_entries where kind = 'assigned' and reference = $1 order by id`, [acme]);
    expect(feed.at(-1)!.text).toBe(`Ticket ${acme} given to Aisha Khan by Sam Supervisor`);
  });

  it('the SMS waits in the outbox for the notifier', async () => {
    const [row] = await t.line.db.query<{ state: string }>(`select state from notifications where kind = 'assignee_sms'`);
    expect(row!.state).toBe('pending');
  });
});
