// A customer rings the office back and a supervisor types whatever they have into the
// search box: the number on their phone's display as the customer read it out, a ticket
// reference, the practice's name, the engineer who went out. An engineer searching sees
// only what they were rung on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResults } from '../../src/store/search.ts';
import { searchTerms } from '../../src/store/search.ts';
import { signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

let t: ConsoleLine;
let sup: ConsoleClient;
let priya: ConsoleClient;
let aisha: ConsoleClient;
let acmeReference: string;

interface Body extends Omit<SearchResults, 'tickets' | 'calls'> {
  tickets: { reference: string; accountName: string | null }[];
  calls: { id: string; from: string; ticketReference: string | null }[];
}

const find = async (c: ConsoleClient, q: string) => {
  const res = await c.get(`/api/search?q=${encodeURIComponent(q)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Body;
};

beforeAll(async () => {
  t = await startConsoleLine();
  sup = await signedIn(t.url, t.users.supervisor.email);
  priya = await signedIn(t.url, t.users.engineer.email);
  aisha = await signedIn(t.url, t.users.otherEngineer.email);
  const [row] = await t.line.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [t.calls.acmeAccepted]);
  acmeReference = row!.reference;
});
afterAll(async () => {
  await t?.stop();
});

describe('what the box understands', () => {
  it('reads a UK number as the customer says it, digits as a reference or account, words as names', () => {
    expect(searchTerms('01632 960001')).toMatchObject({ phone: '+441632960001' });
    expect(searchTerms('+44 (0)1632 960001')?.phone).toBe('+441632960001');
    expect(searchTerms(' 1001 ')).toMatchObject({ text: '1001', digits: '1001', phone: null });
    expect(searchTerms('Acme   Dental')).toEqual({ text: 'Acme Dental', digits: null, phone: null });
    expect(searchTerms('   ')).toBeNull();
  });
});

describe('a supervisor searches', () => {
  it('by the caller’s number typed the way they read it out: the account, its calls and tickets', async () => {
    const r = await find(sup, '01632 960001');
    expect(r.accounts.map((a) => a.name)).toEqual(['Acme Dental']);
    expect(r.calls.map((c) => c.id)).toEqual(expect.arrayContaining([t.calls.acmeAccepted, t.calls.acmeFailed]));
    expect(r.calls.every((c) => c.from === '+441632960001')).toBe(true);
    expect(r.tickets.map((x) => x.reference)).toContain(acmeReference);
  });

  it('by ticket reference: that ticket and the call that raised it', async () => {
    const r = await find(sup, acmeReference);
    expect(r.tickets.map((x) => x.reference)).toEqual([acmeReference]);
    expect(r.calls.map((c) => c.id)).toEqual([t.calls.acmeAccepted]);
  });

  it('by part of the account name, in any case', async () => {
    const r = await find(sup, 'castle vet');
    expect(r.accounts.map((a) => a.number)).toEqual(['10003']);
    expect(r.calls.map((c) => c.id)).toContain(t.calls.castleMessage);
  });

  it('by engineer: the engineer and the calls they were rung on', async () => {
    const r = await find(sup, 'priya');
    expect(r.engineers.map((e) => e.name)).toEqual(['Priya Shah']);
    expect(r.calls.map((c) => c.id)).toEqual(expect.arrayContaining([t.calls.acmeAccepted]));
  });

  it('treats % and _ as letters, not wildcards', async () => {
    const r = await find(sup, '%');
    expect(r).toEqual({ accounts: [], tickets: [], calls: [], engineers: [] });
  });

  it('refuses a search that is too long or carries control characters, with a clear 400', async () => {
    const long = await sup.get(`/api/search?q=${'a'.repeat(101)}`);
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { message: string } }).error.message).toMatch(/at most 100 characters/);
    expect((await sup.get('/api/search?q=ab%00c')).status).toBe(400);
    expect((await sup.get('/console/search?q=ab%00c')).status).toBe(400);
  });

  it('from any page: the box in the top bar leads to results a person can follow', async () => {
    expect(await (await sup.get('/console/calls')).text()).toContain('action="/console/search"');
    const html = await (await sup.get(`/console/search?q=${encodeURIComponent('01632 960001')}`)).text();
    expect(html).toContain('Acme Dental');
    expect(html).toContain(`href="/console/tickets/${acmeReference}"`);
    expect(html).toContain(`href="/console/calls/${t.calls.acmeAccepted}"`);
  });
});

describe('an engineer searches', () => {
  it('Priya finds the Acme call she was rung on, and no account or engineer lists', async () => {
    const r = await find(priya, '01632 960001');
    expect(r.calls.map((c) => c.id)).toContain(t.calls.acmeAccepted);
    expect(r.accounts).toEqual([]);
    expect(r.engineers).toEqual([]);
  });

  it('Aisha, never rung on those calls, finds nothing of them', async () => {
    const r = await find(aisha, '01632 960001');
    expect(r.calls).toEqual([]);
    expect(r.tickets).toEqual([]);
  });
});
