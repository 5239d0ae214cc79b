// The line's numbers through the console API: everyone reads them, admins change them,
// a bad number is refused with its reason and changes nothing; the routes are in the
// OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

let t: ConsoleLine;
let sup: ConsoleClient;
let admin: ConsoleClient;

beforeAll(async () => {
  t = await startConsoleLine();
  sup = await signedIn(t.url, t.users.supervisor.email);
  admin = await signedIn(t.url, t.users.admin.email);
});
afterAll(async () => {
  await t?.stop();
});

const numbers = async () => (await (await sup.get('/api/numbers')).json()) as { number: string; profile: string; label: string }[];

describe('/api/numbers', () => {
  it('lists the demo line numbers: main, Cat4 24-hour and billing', async () => {
    expect((await numbers()).map((n) => [n.number, n.profile])).toEqual([
      ['+441632960000', 'main'],
      ['+441632960010', 'billing'],
      ['+448081570024', 'cat4_24h'],
    ]);
  });

  it('an admin adds a number typed nationally, changes its profile and removes it, each audited', async () => {
    const added = await admin.json('POST', '/api/numbers', { number: '01632 960050', profile: 'billing', label: 'Old billing line' });
    expect(added.status).toBe(201);
    expect(await added.json()).toEqual({ number: '+441632960050', profile: 'billing', label: 'Old billing line' });
    const changed = await admin.json('PATCH', `/api/numbers/${encodeURIComponent('+441632960050')}`, { profile: 'main' });
    expect(await changed.json()).toMatchObject({ profile: 'main' });
    expect((await admin.json('DELETE', '/api/numbers/01632960050')).status).toBe(200);
    const audited = await t.db.db.query<{ action: string; actor: string }>("select action, actor from audit_log where entity = 'line_number' order by id");
    expect(audited.map((a) => a.action)).toEqual(['line-number.added', 'line-number.profile-set', 'line-number.removed']);
    expect(audited[0]?.actor).toBe(`user:${t.users.admin.id}`);
    expect(await numbers()).toHaveLength(3);
  });

  it('refuses a number that is not one, an unknown profile, a duplicate, a supervisor; nothing changes', async () => {
    const before = await numbers();
    const bad = await admin.json('POST', '/api/numbers', { number: '0800 12', profile: 'main', label: 'x' });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toContain('is not a valid phone number');
    expect((await admin.json('POST', '/api/numbers', { number: '01632 960051', profile: 'vip', label: 'x' })).status).toBe(422);
    expect((await admin.json('POST', '/api/numbers', { number: '+441632960000', profile: 'billing', label: 'x' })).status).toBe(409);
    expect((await admin.json('PATCH', '/api/numbers/01632960099', { profile: 'billing' })).status).toBe(404);
    expect((await sup.json('POST', '/api/numbers', { number: '01632 960052', profile: 'main', label: 'x' })).status).toBe(403);
    expect(await numbers()).toEqual(before);
  });

  it('shows in the OpenAPI document', async () => {
    const doc = (await (await sup.get('/api/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/numbers'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/numbers/{number}'] ?? {}).sort()).toEqual(['delete', 'patch']);
  });
});

describe('the console: the line’s numbers on the office calendar page, and the number a call dialled', () => {
  it('an admin adds a number with the form; a bad one is refused on the page and changes nothing', async () => {
    const page = await (await sup.get('/console/closures')).text();
    expect(page).toContain('The line’s numbers');
    expect(page).toContain('+448081570024');
    expect(page).not.toContain('action="/console/numbers"');

    const bad = await admin.form('/console/numbers', { number: 'not a number', profile: 'main', label: 'x' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('The number was not changed: number &quot;not a number&quot; is not a valid phone number');
    expect(await numbers()).toHaveLength(3);

    const added = await admin.form('/console/numbers', { number: '01632 960060', profile: 'cat4_24h', label: 'Second 24-hour line' });
    expect(added.status).toBe(303);
    expect((await numbers()).find((n) => n.number === '+441632960060')).toEqual({ number: '+441632960060', profile: 'cat4_24h', label: 'Second 24-hour line' });
    expect((await admin.form(`/console/numbers/${encodeURIComponent('+441632960060')}/remove`, {})).status).toBe(303);
    expect(await numbers()).toHaveLength(3);
    expect((await sup.form('/console/numbers', { number: '01632 960061', profile: 'main', label: 'x' })).status).toBe(403);
  });

  it('a call’s page shows the number the caller dialled', async () => {
    const [call] = await t.db.db.query<{ id: string; to_number: string }>('select id, to_number from calls limit 1');
    const page = await (await sup.get(`/console/calls/${call!.id}`)).text();
    expect(page).toMatch(new RegExp(`<dt>Dialled</dt><dd>${call!.to_number.replace('+', '\\+')}</dd>`));
  });
});
