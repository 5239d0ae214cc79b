// Who may use the console and its API, on a real line over Postgres and Redis:
// sign-in and its cookie, sessions that end, CSRF on every change, roles, the
// sign-in rate limit shared through Redis, and the audit trail of every change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAt, NOW, PASSWORD, signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';
import { listAudit } from '../../src/store/audit.ts';

let t: ConsoleLine;

beforeAll(async () => {
  t = await startConsoleLine();
});
afterAll(async () => {
  await t?.stop();
});

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('without a session', () => {
  it.each(['/api/now', '/api/calls', '/api/rota', '/api/closures', '/api/users', '/api/openapi.json', '/api/tickets/1001', '/api/reports/sla'])(
    'GET %s is 401 with the error shape',
    async (path) => {
      const res = await clientAt(t.url).get(path);
      expect(res.status).toBe(401);
      expect(await errorOf(res)).toEqual({ code: 'unauthenticated', message: expect.any(String) });
    },
  );

  it('a page sends the visitor to sign in, and back afterwards', async () => {
    const res = await clientAt(t.url).get('/console/calls?tier=Cat4');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/console/sign-in?next=${encodeURIComponent('/console/calls?tier=Cat4')}`);
  });

  it('a POST is 401 before any CSRF question', async () => {
    const res = await clientAt(t.url).json('POST', '/api/closures', { from: '2026-12-01T09:00', to: '2026-12-01T12:00', reason: 'x' });
    expect(res.status).toBe(401);
  });

  it('the live event stream is 401', async () => {
    const res = await clientAt(t.url).get('/console/events');
    expect(res.status).toBe(401);
  });
});

describe('signing in', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie, not Secure over plain HTTP', async () => {
    const c = clientAt(t.url);
    const form = await c.get('/console/sign-in');
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const res = await c.form('/console/sign-in', { _csrf: token, email: t.users.supervisor.email, password: PASSWORD }, { csrf: false });
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().find((l) => l.startsWith('sl_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
  });

  it('marks the cookie Secure behind the TLS proxy (X-Forwarded-Proto from loopback)', async () => {
    const c = clientAt(t.url);
    c.headers['x-forwarded-proto'] = 'https';
    const res = await c.signIn(t.users.supervisor.email, PASSWORD);
    expect(res.headers.getSetCookie().find((l) => l.startsWith('sl_session='))).toMatch(/; Secure/);
  });

  it('refuses a sign-in form without its CSRF token', async () => {
    const c = clientAt(t.url);
    await c.get('/console/sign-in');
    const res = await c.form('/console/sign-in', { _csrf: 'forged', email: t.users.supervisor.email, password: PASSWORD }, { csrf: false });
    expect(res.status).toBe(403);
    expect(c.cookies.has('sl_session')).toBe(false);
  });

  it('says the same thing for an unknown email and a wrong password', async () => {
    const unknown = await clientAt(t.url).signIn('nobody@example.com', PASSWORD);
    const wrong = await clientAt(t.url).signIn(t.users.supervisor.email, 'not the password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const text = (s: string) => /role="alert" id="sign-in-error">([^<]+)</.exec(s)?.[1];
    expect(text(await unknown.text())).toBe(text(await wrong.text()));
  });

  it('never redirects off the console after sign-in', async () => {
    const c = clientAt(t.url);
    const form = await c.get('/console/sign-in');
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const res = await c.form('/console/sign-in', { _csrf: token, email: t.users.supervisor.email, password: PASSWORD, next: '//evil.example.com/x' }, { csrf: false });
    expect(res.headers.get('location')).toBe('/console/now');
  });

  it('a one-time password leads to choosing a new one, and nothing else works until then', async () => {
    const admin = await signedIn(t.url, t.users.admin.email);
    const added = await admin.json('POST', '/api/users', { email: 'new.person@example.com', role: 'supervisor' });
    expect(added.status).toBe(201);
    const { password } = (await added.json()) as { password: string };
    expect(password).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);

    const c = clientAt(t.url);
    const res = await c.signIn('new.person@example.com', password);
    expect(res.headers.get('location')).toBe('/console/account');
    expect((await c.get('/console/calls')).headers.get('location')).toBe('/console/account');
    expect(await errorOf(await c.get('/api/calls'))).toMatchObject({ code: 'password_change_required' });

    const changed = await c.form('/console/account/password', { current: password, password: 'my own pass phrase', confirm: 'my own pass phrase' });
    expect(changed.status).toBe(303);
    expect((await c.get('/api/calls')).status).toBe(200);
    // The one-time password no longer works.
    expect((await clientAt(t.url).signIn('new.person@example.com', password)).status).toBe(401);
  });
});

describe('sessions', () => {
  it('signing out ends the session on the server', async () => {
    const c = await signedIn(t.url, t.users.supervisor.email);
    const stolen = c.cookies.get('sl_session')!;
    expect((await c.get('/api/now')).status).toBe(200);
    expect((await c.form('/console/sign-out', {})).status).toBe(303);
    const replay = clientAt(t.url);
    replay.cookies.set('sl_session', stolen);
    expect((await replay.get('/api/now')).status).toBe(401);
  });

  it('an expired session is 401', async () => {
    const c = await signedIn(t.url, t.users.supervisor.email);
    expect((await c.get('/api/now')).status).toBe(200);
    // A second before the console's own clock, never Postgres's now().
    const past = new Date(NOW.getTime() - 1000);
    await t.line.db.query('update console_sessions set expires_at = $2, absolute_expires_at = $2 where user_id = $1', [t.users.supervisor.id, past]);
    expect((await c.get('/api/now')).status).toBe(401);
  });

  it('keeps only a hash of the token in Postgres', async () => {
    const c = await signedIn(t.url, t.users.admin.email);
    const token = c.cookies.get('sl_session')!;
    const rows = await t.line.db.query<{ id: string }>('select id from console_sessions where user_id = $1', [t.users.admin.id]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.id)).not.toContain(token);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.id))).toBe(true);
  });

  it('disabling a user ends their sessions at once', async () => {
    const admin = await signedIn(t.url, t.users.admin.email);
    const added = (await (await admin.json('POST', '/api/users', { email: 'leaver@example.com', role: 'supervisor' })).json()) as { user: { id: string }; password: string };
    const leaver = clientAt(t.url);
    await leaver.signIn('leaver@example.com', added.password);
    await leaver.form('/console/account/password', { current: added.password, password: 'leaving soon enough', confirm: 'leaving soon enough' });
    expect((await leaver.get('/api/now')).status).toBe(200);
    expect((await admin.json('PATCH', `/api/users/${added.user.id}`, { disabled: true })).status).toBe(200);
    expect((await leaver.get('/api/now')).status).toBe(401);
    expect((await clientAt(t.url).signIn('leaver@example.com', 'leaving soon enough')).status).toBe(401);
  });
});

describe('/readyz from beyond this machine', () => {
  it('a stranger and a supervisor see the bare status; a signed-in admin sees every check', async () => {
    const stranger = await clientAt(t.url).get('/readyz');
    expect(Object.keys((await stranger.json()) as object).sort()).toEqual(['ready', 'shuttingDown']);
    const sup = await signedIn(t.url, t.users.supervisor.email);
    expect(Object.keys((await (await sup.get('/readyz')).json()) as object).sort()).toEqual(['ready', 'shuttingDown']);
    const admin = await signedIn(t.url, t.users.admin.email);
    const detailed = (await (await admin.get('/readyz')).json()) as { checks: Record<string, unknown> };
    expect(detailed.checks).toHaveProperty('postgres');
  });
});

describe('CSRF', () => {
  let admin: ConsoleClient;
  beforeAll(async () => {
    admin = await signedIn(t.url, t.users.admin.email);
  });
  const closure = { from: '2026-12-07T09:00', to: '2026-12-07T12:00', reason: 'Fire drill' };

  it('an API change without the token is 403, with a wrong one too', async () => {
    const none = await admin.json('POST', '/api/closures', closure, { csrf: false });
    expect(none.status).toBe(403);
    expect(await errorOf(none)).toMatchObject({ code: 'csrf' });
    const wrong = await admin.request('POST', '/api/closures', { body: JSON.stringify(closure), type: 'application/json', headers: { 'x-csrf-token': 'x'.repeat(43) } });
    expect(wrong.status).toBe(403);
    expect(await t.line.db.query("select 1 from closures where reason = 'Fire drill'")).toHaveLength(0);
  });

  it('a console form without the token is 403 and changes nothing', async () => {
    const res = await admin.form('/console/closures', closure, { csrf: false });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/form had expired/);
    expect(await t.line.db.query("select 1 from closures where reason = 'Fire drill'")).toHaveLength(0);
  });

  it("another user's token does not do", async () => {
    const other = await signedIn(t.url, t.users.admin.email);
    const res = await admin.request('POST', '/api/closures', { body: JSON.stringify(closure), type: 'application/json', headers: { 'x-csrf-token': other.csrf! } });
    expect(res.status).toBe(403);
  });

  it('with the token the change is made, and audited with the user', async () => {
    const res = await admin.json('POST', '/api/closures', closure);
    expect(res.status).toBe(201);
    const { closure: created } = (await res.json()) as { closure: { id: string } };
    const [entry] = await listAudit(t.line.db, { entity: 'closure', entityId: created.id });
    expect(entry).toMatchObject({ actor: `user:${t.users.admin.id}`, action: 'closure.added', detail: { reason: 'Fire drill' } });
    const recomputed = await listAudit(t.line.db, { entity: 'calendar', entityId: 'office' });
    expect(recomputed[0]).toMatchObject({ actor: `user:${t.users.admin.id}`, action: 'sla.recomputed' });
  });
});

describe('roles', () => {
  it('only an admin manages users: a supervisor is 403', async () => {
    const sup = await signedIn(t.url, t.users.supervisor.email);
    expect((await sup.get('/api/users')).status).toBe(403);
    expect((await sup.json('POST', '/api/users', { email: 'x@example.com', role: 'admin' })).status).toBe(403);
    expect((await sup.get('/console/users')).status).toBe(403);
  });

  it('only an admin changes the rota and closures', async () => {
    const sup = await signedIn(t.url, t.users.supervisor.email);
    const [priya] = t.demo.engineers;
    const shift = { engineerId: priya!.id, level: 'primary', from: '2026-12-01T09:00', to: '2026-12-01T17:00' };
    expect((await sup.json('POST', '/api/rota/shifts', shift)).status).toBe(403);
    expect((await sup.json('POST', '/api/closures', { from: '2026-12-02T09:00', to: '2026-12-02T10:00', reason: 'No' })).status).toBe(403);
    expect((await sup.get('/api/rota')).status).toBe(200);
    const admin = await signedIn(t.url, t.users.admin.email);
    const res = await admin.json('POST', '/api/rota/shifts', shift);
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string };
    expect((await listAudit(t.line.db, { entity: 'rota_shift', entityId: created.id }))[0]).toMatchObject({ action: 'rota.shift-added' });
    expect((await admin.json('DELETE', `/api/rota/shifts/${created.id}`)).status).toBe(204);
    expect((await admin.json('DELETE', `/api/rota/shifts/${created.id}`)).status).toBe(404);
  });

  it("an engineer sees the calls they were rung on, and is refused another's", async () => {
    const priya = await signedIn(t.url, t.users.engineer.email);
    const list = (await (await priya.get('/api/calls?limit=200')).json()) as { items: { id: string }[] };
    expect(list.items.map((c) => c.id).sort()).toEqual([t.calls.acmeAccepted, t.calls.acmeFailed].sort());
    expect((await priya.get(`/api/calls/${t.calls.acmeAccepted}`)).status).toBe(200);
    const other = await priya.get(`/api/calls/${t.calls.brambleDesk}`);
    expect(other.status).toBe(403);
    expect(await errorOf(other)).toMatchObject({ code: 'forbidden' });
    expect((await priya.get(`/console/calls/${t.calls.brambleDesk}`)).status).toBe(403);
  });

  it('an engineer never rung sees no calls and is refused every one', async () => {
    const aisha = await signedIn(t.url, t.users.otherEngineer.email);
    const list = (await (await aisha.get('/api/calls')).json()) as { items: unknown[] };
    expect(list.items).toEqual([]);
    expect((await aisha.get(`/api/calls/${t.calls.acmeAccepted}`)).status).toBe(403);
    const csv = await (await aisha.get('/api/calls/export.csv')).text();
    expect(csv.trim().split('\r\n')).toHaveLength(1); // the header only
  });

  it("an engineer acts on their own tickets only, through the ticket API too", async () => {
    const [mine] = await t.line.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [t.calls.acmeFailed]);
    const [theirs] = await t.line.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [t.calls.brambleDesk]);
    const priya = await signedIn(t.url, t.users.engineer.email);
    expect((await priya.get(`/api/tickets/${mine!.reference}`)).status).toBe(200);
    expect((await priya.get(`/api/tickets/${theirs!.reference}`)).status).toBe(403);
    expect((await priya.json('POST', `/api/tickets/${theirs!.reference}/note`, { note: 'not mine' })).status).toBe(403);
    expect((await priya.get('/api/tickets/due')).status).toBe(403);
    expect((await priya.get('/api/reports/sla')).status).toBe(403);
    expect((await priya.get(`/console/tickets/${theirs!.reference}`)).status).toBe(403);
    const note = await priya.json('POST', `/api/tickets/${mine!.reference}/note`, { note: 'called the customer back' });
    expect(note.status).toBe(201);
    const [event] = await t.line.db.query<{ actor: string }>(
      "select actor from ticket_events e join tickets t on t.id = e.ticket_id where t.reference = $1 and e.type = 'note'",
      [mine!.reference],
    );
    expect(event!.actor).toBe(`user:${t.users.engineer.id}`);
  });
});

describe('the sign-in rate limit, shared through Redis', () => {
  it('the sixth try for one email within the window is 429 with Retry-After, even with the right password', async () => {
    const email = t.users.otherEngineer.email;
    for (let i = 0; i < 5; i++) expect((await clientAt(t.url).signIn(email, `wrong ${i}`)).status).toBe(401);
    const limited = await clientAt(t.url).signIn(email, PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);
    const keys = await t.line.db.query('select 1'); // the counters are not in Postgres…
    expect(keys).toHaveLength(1);
    const { keysUnder } = await import('../support/redis.ts');
    expect((await keysUnder(`${t.prefix}hits:signin:email:`)).length).toBeGreaterThan(0); // …but in Redis
  });

  it('one address trying many emails is limited too', async () => {
    const ip = '192.0.2.77';
    let last = 0;
    for (let i = 0; i < 31; i++) last = (await clientAt(t.url, ip).signIn(`someone${i}@example.com`, 'guess')).status;
    expect(last).toBe(429);
    // Another address is not affected.
    expect((await clientAt(t.url, '192.0.2.78').signIn(t.users.supervisor.email, PASSWORD)).status).toBe(303);
  });
});

describe('whose X-Forwarded-For is believed (TRUST_PROXY)', () => {
  it('by default, the TLS terminator on loopback: its X-Forwarded-For is the client’s address', async () => {
    expect((await clientAt(t.url, '198.51.100.7').signIn(t.users.supervisor.email, PASSWORD)).status).toBe(303);
    const rows = await t.line.db.query('select 1 from console_sessions where user_id = $1 and ip = $2', [t.users.supervisor.id, '198.51.100.7']);
    expect(rows).toHaveLength(1);
  });

  it('with TRUST_PROXY=false, a forged X-Forwarded-For neither changes the address counted nor resets its count', async () => {
    const direct = await startConsoleLine({ env: { TRUST_PROXY: 'false' }, signInLimits: { perEmail: 100, perIp: 3, windowMs: 15 * 60 * 1000 } });
    try {
      // A right password, claiming another address and HTTPS: neither is believed.
      const first = clientAt(direct.url, '203.0.113.1');
      first.headers['x-forwarded-proto'] = 'https';
      const res = await first.signIn(direct.users.supervisor.email, PASSWORD);
      expect(res.status).toBe(303);
      expect(res.headers.getSetCookie().find((c) => c.startsWith('sl_session='))).not.toMatch(/Secure/);
      const [row] = await direct.line.db.query<{ ip: string }>('select ip from console_sessions where user_id = $1', [direct.users.supervisor.id]);
      expect(row!.ip).toMatch(/127\.0\.0\.1$/);
      // Every later try claims a fresh address: all count against the one it came from.
      expect((await clientAt(direct.url, '203.0.113.2').signIn('someone@example.com', 'guess')).status).toBe(401);
      expect((await clientAt(direct.url, '203.0.113.3').signIn('someone.else@example.com', 'guess')).status).toBe(401);
      expect((await clientAt(direct.url, '203.0.113.4').signIn(direct.users.admin.email, PASSWORD)).status).toBe(429);
    } finally {
      await direct.stop();
    }
  });
});
