// Monday afternoon. Castle Veterinary left a message on Saturday night and was told
// when they would hear back. The supervisor gives the ticket to Aisha, who was never
// rung about it; Aisha finds it under "My tickets", calls the practice back, and the
// callback leaves the to-do list with the response target met.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

let t: ConsoleLine;
let sup: ConsoleClient;
let aisha: ConsoleClient;
let priya: ConsoleClient;
let castle: string;

interface Callback { reference: string; dueAt: string | null; messageLeft: boolean; assignee: string | null }

beforeAll(async () => {
  t = await startConsoleLine();
  sup = await signedIn(t.url, t.users.supervisor.email);
  aisha = await signedIn(t.url, t.users.otherEngineer.email);
  priya = await signedIn(t.url, t.users.engineer.email);
  castle = t.warningTicket;
});
afterAll(async () => {
  await t?.stop();
});

describe('owning a ticket', () => {
  it('Aisha cannot see the Castle ticket before it is hers', async () => {
    expect((await aisha.get(`/console/tickets/${castle}`)).status).toBe(403);
  });

  it('an engineer may not give a ticket to someone else; an unknown user is refused; nothing changes', async () => {
    expect((await priya.json('POST', `/api/tickets/${castle}/assign`, { userId: t.users.otherEngineer.id })).status).toBe(403);
    expect((await sup.json('POST', `/api/tickets/${castle}/assign`, { userId: '999999' })).status).toBe(422);
    expect((await sup.json('POST', `/api/tickets/${castle}/assign`, { userId: 'aisha' })).status).toBe(422);
    const [row] = await t.line.db.query<{ assigned_to: string | null }>('select assigned_to from tickets where reference = $1', [castle]);
    expect(row!.assigned_to).toBeNull();
  });

  it('the supervisor gives it to Aisha: audited, on its trail, in the feed, and it is hers to see', async () => {
    const res = await sup.json('POST', `/api/tickets/${castle}/assign`, { userId: t.users.otherEngineer.id });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ reference: castle, assignee: { id: t.users.otherEngineer.id, name: 'Aisha Khan' } });
    const [audit] = await t.line.db.query<{ actor: string }>(`select actor from audit_log where action = 'ticket.assigned'`);
    expect(audit!.actor).toBe(`user:${t.users.supervisor.id}`);
    const [feed] = await t.line.db.query<{ text: string }>(`select text from feed_entries where kind = 'assigned'`);
    expect(feed!.text).toBe(`Ticket ${castle} given to Aisha Khan by ${t.users.supervisor.name}`);
    const page = await aisha.get(`/console/tickets/${castle}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/id="ticket-owner">Aisha Khan/);
  });

  it('"My tickets" lists it for Aisha, and not for Priya', async () => {
    const mine = (await (await aisha.get('/api/tickets?mine=true&status=open')).json()) as { items: { reference: string; assignee: string | null }[] };
    expect(mine.items).toEqual([expect.objectContaining({ reference: castle, assignee: 'Aisha Khan' })]);
    const hers = (await (await priya.get('/api/tickets?mine=true')).json()) as { items: unknown[] };
    expect(hers.items).toEqual([]);
    expect(await (await aisha.get('/console/tickets?mine=1')).text()).toContain(`href="/console/tickets/${castle}"`);
  });
});

describe('calls back owed', () => {
  it('the Castle message is on the to-do list, due when the caller was told, owned by Aisha', async () => {
    const list = (await (await sup.get('/api/callbacks')).json()) as Callback[];
    const entry = list.find((c) => c.reference === castle);
    const [timer] = await t.line.db.query<{ due_at: Date }>(
      `select due_at from sla_timers st join tickets t on t.id = st.ticket_id where t.reference = $1 and st.target = 'response'`,
      [castle],
    );
    expect(entry).toEqual({ ...entry, dueAt: timer!.due_at.toISOString(), messageLeft: true, assignee: 'Aisha Khan' });
    expect(await (await sup.get('/console/now')).text()).toContain(`action="/console/tickets/${castle}/callback-done"`);
  });

  it('Aisha calls back: the response target is met, the to-do goes, a second record is refused', async () => {
    const res = await aisha.json('POST', `/api/tickets/${castle}/callback-done`, { note: 'spoke to the practice manager' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ reference: castle, acknowledged: true });
    const [timer] = await t.line.db.query<{ state: string }>(
      `select state from sla_timers st join tickets t on t.id = st.ticket_id where t.reference = $1 and st.target = 'response'`,
      [castle],
    );
    expect(timer!.state).toBe('met');
    const list = (await (await sup.get('/api/callbacks')).json()) as Callback[];
    expect(list.map((c) => c.reference)).not.toContain(castle);
    expect((await aisha.json('POST', `/api/tickets/${castle}/callback-done`, {})).status).toBe(409);
    expect(await (await aisha.get(`/console/tickets/${castle}`)).text()).toContain('Customer called back');
  });
});
