// Odd and hostile input through every door: ids beyond bigint, NUL characters,
// impossible offsets and years, forged cursors. Each gets a clear 4xx (or exit 2 on
// the command line, test/integration/cli.test.ts) and changes nothing in Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTicketCursor } from '../../src/http/api/ticket-list.ts';
import { clientAt, signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

const BEYOND_BIGINT = '9999999999999999999';
const NUL = 'Nu\u0000ll';

let t: ConsoleLine;
let admin: ConsoleClient;

beforeAll(async () => {
  t = await startConsoleLine();
  admin = await signedIn(t.url, t.users.admin.email);
});
afterAll(async () => {
  await t?.stop();
});

/** Every table a request could change, as one digest (sessions aside: each request touches its own). */
async function snapshot(): Promise<string> {
  const tables = ['accounts', 'audit_log', 'closures', 'engineers', 'feed_entries', 'notifications', 'rota_shifts', 'sla_timers', 'ticket_events', 'tickets', 'users', 'calls', 'call_events'];
  const parts: string[] = [];
  for (const table of tables) {
    const [row] = await t.line.db.query<{ digest: string | null }>(`select md5(string_agg(x::text, '|' order by x::text)) as digest from ${table} x`);
    parts.push(`${table}:${row?.digest ?? ''}`);
  }
  return parts.join('\n');
}

async function refused(res: Response, what: string): Promise<string> {
  const body = await res.text();
  expect(res.status, `${what} answered ${res.status}: ${body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${what} answered ${res.status}: ${body.slice(0, 200)}`).toBeLessThan(500);
  return body;
}

describe('ids beyond the bigint maximum', () => {
  it('are refused or not found wherever an id is taken, and change nothing', async () => {
    const before = await snapshot();
    const [priya] = t.demo.engineers;
    const calls: [string, () => Promise<Response>][] = [
      ['feed before', () => admin.get(`/api/feed?before=${BEYOND_BIGINT}`)],
      ['shift delete', () => admin.json('DELETE', `/api/rota/shifts/${BEYOND_BIGINT}`)],
      ['closure delete', () => admin.json('DELETE', `/api/closures/${BEYOND_BIGINT}`)],
      ['user patch', () => admin.json('PATCH', `/api/users/${BEYOND_BIGINT}`, { name: 'Nobody' })],
      ['engineer link', () => admin.json('PATCH', `/api/users/${t.users.otherEngineer.id}`, { engineerId: BEYOND_BIGINT })],
      ['reset password', () => admin.json('POST', `/api/users/${BEYOND_BIGINT}/reset-password`)],
      ['notification ack', () => admin.json('POST', `/api/notifications/${BEYOND_BIGINT}/ack`)],
      ['console shift remove', () => admin.form(`/console/rota/shifts/${BEYOND_BIGINT}/remove`, {})],
      ['console closure remove', () => admin.form(`/console/closures/${BEYOND_BIGINT}/remove`, {})],
      ['console user form', () => admin.form(`/console/users/${t.users.otherEngineer.id}`, { role: 'engineer', engineerId: BEYOND_BIGINT })],
      ['console reset password', () => admin.form(`/console/users/${BEYOND_BIGINT}/reset-password`, {})],
    ];
    for (const [what, call] of calls) await refused(await call(), what);
    expect(priya).toBeDefined();
    expect(await snapshot()).toBe(before);
  });
});

describe('NUL characters', () => {
  it('in a user name, a ticket note, a complaint summary or a console form are refused with 400', async () => {
    const before = await snapshot();
    const [ticket] = await t.line.db.query<{ reference: string }>('select reference from tickets order by id limit 1');
    const ref = ticket!.reference;
    const account = t.demo.accounts[0]!;
    const calls: [string, () => Promise<Response>][] = [
      ['user name', () => admin.json('PATCH', `/api/users/${t.users.otherEngineer.id}`, { name: NUL })],
      ['new user name', () => admin.json('POST', '/api/users', { email: 'nul@example.com', name: NUL, role: 'supervisor' })],
      ['ticket note', () => admin.json('POST', `/api/tickets/${ref}/note`, { note: NUL })],
      ['ticket action note', () => admin.json('POST', `/api/tickets/${ref}/acknowledge`, { note: NUL })],
      ['complaint summary', () => admin.json('POST', '/api/complaints', { accountNumber: account.number, summary: NUL })],
      ['closure reason', () => admin.json('POST', '/api/closures', { from: '2026-12-08T09:00', to: '2026-12-08T10:00', reason: NUL })],
      ['console note', () => admin.form(`/console/tickets/${ref}/notes`, { note: NUL })],
      ['a query string', () => admin.get('/api/calls?account=%00')],
    ];
    for (const [what, call] of calls) {
      const res = await call();
      await refused(res, what);
      expect(res.status, what).toBe(400);
    }
    expect(await snapshot()).toBe(before);
  });

  it('in the sign-in email get 400 before anyone is signed in, never a 500', async () => {
    const before = await snapshot();
    const res = await clientAt(t.url).signIn(`admin${'\u0000'}@example.com`, 'whatever it is');
    await refused(res, 'sign-in');
    expect(res.status).toBe(400);
    expect(await snapshot()).toBe(before);
  });
});

describe('dates no one can mean', () => {
  it('a +99:00 offset, or a closure or shift in 0001, 2127 or 9999, is refused by the API and the console', async () => {
    const before = await snapshot();
    const [priya] = t.demo.engineers;
    const cases = [
      { from: '2026-12-08T09:00:00+99:00', to: '2026-12-08T10:00:00+99:00' },
      { from: '2026-12-08T09:00:00+14:30', to: '2026-12-08T10:00:00Z' },
      { from: '0001-01-01T09:00', to: '0001-01-01T10:00' },
      { from: '2127-06-01T09:00', to: '2127-06-01T10:00' },
      { from: '9999-12-31T09:00', to: '9999-12-31T10:00' },
    ];
    for (const c of cases) {
      const closure = await refused(await admin.json('POST', '/api/closures', { ...c, reason: 'Nonsense' }), `closure ${c.from}`);
      expect(closure).toMatch(/offset|year/);
      await refused(await admin.json('POST', '/api/rota/shifts', { engineerId: priya!.id, level: 'primary', ...c }), `shift ${c.from}`);
      await refused(await admin.form('/console/closures', { ...c, reason: 'Nonsense' }), `console closure ${c.from}`);
      await refused(await admin.form('/console/rota/shifts', { engineerId: priya!.id, level: 'primary', ...c }), `console shift ${c.from}`);
    }
    await refused(await admin.get('/api/rota?from=9999-01-01'), 'rota from 9999');
    expect(await snapshot()).toBe(before);
  });

  it('a ticket cursor holding an impossible time or id is refused with 400', async () => {
    for (const cursor of [
      encodeTicketCursor({ openedAt: '2026-13-45T99:99:99.000000Z', id: '1' }),
      encodeTicketCursor({ openedAt: '2026-02-30T10:00:00.000000Z', id: '1' }),
      encodeTicketCursor({ openedAt: '2026-11-21T10:00:00.000000Z', id: BEYOND_BIGINT }),
    ]) {
      const res = await admin.get(`/api/tickets?after=${cursor}`);
      await refused(res, `cursor ${cursor}`);
      expect(res.status).toBe(400);
      expect((await admin.get(`/console/tickets?after=${cursor}`)).status).toBeLessThan(500);
    }
  });
});
