// A supervisor opens a ticket and a call and sees the customer beside them: who they
// are, what their contract covers today, the number that rang, their other open
// tickets and their recent calls, without looking anything up elsewhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

let t: ConsoleLine;
let sup: ConsoleClient;
let acceptedRef: string;
let failedRef: string;

const referenceOf = async (callId: string) =>
  (await t.line.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [callId]))[0]!.reference;

beforeAll(async () => {
  t = await startConsoleLine();
  sup = await signedIn(t.url, t.users.supervisor.email);
  acceptedRef = await referenceOf(t.calls.acmeAccepted);
  failedRef = await referenceOf(t.calls.acmeFailed);
});
afterAll(async () => {
  await t?.stop();
});

describe('a ticket shows its customer', () => {
  it('the Castle message: the practice, its Cat1 cover with its dates, the number that rang', async () => {
    const html = await (await sup.get(`/console/tickets/${t.warningTicket}`)).text();
    const card = html.slice(html.indexOf('id="customer-heading"'));
    expect(card).toContain('Castle Veterinary Practice');
    expect(card).toContain('#10003');
    // The demo's Castle contract runs 100 days before the seed date to 265 days after.
    expect(card).toContain('Cat1 <span class="muted">from Thu, 13 Aug 2026 to Fri, 13 Aug 2027</span>');
    expect(card).toContain('+441632960003');
  });

  it('an Acme ticket lists Acme’s other open ticket and the calls before it', async () => {
    const html = await (await sup.get(`/console/tickets/${acceptedRef}`)).text();
    const card = html.slice(html.indexOf('id="customer-heading"'));
    expect(card).toContain('Acme Dental');
    expect(card).toContain(`href="/console/tickets/${failedRef}"`);
    expect(card).not.toContain(`href="/console/tickets/${acceptedRef}"`);
    expect(card).toContain(`href="/console/calls/${t.calls.acmeFailed}"`);
  });
});

describe('a call shows its customer', () => {
  it('on the page and in the API, in the shape the document describes', async () => {
    const html = await (await sup.get(`/console/calls/${t.calls.acmeAccepted}`)).text();
    expect(html).toContain('id="customer-heading"');
    const body = (await (await sup.get(`/api/calls/${t.calls.acmeAccepted}`)).json()) as {
      customer: { number: string; tier: string; openTickets: { reference: string }[]; recentCalls: { id: string }[] } | null;
    };
    expect(body.customer).toMatchObject({ number: '10001', tier: 'Cat4' });
    expect(body.customer!.openTickets.map((x) => x.reference)).toContain(failedRef);
    expect(body.customer!.recentCalls.map((c) => c.id)).not.toContain(t.calls.acmeAccepted);
  });
});
