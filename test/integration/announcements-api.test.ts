// Monday 23 November, 15:30. A broadband exchange in Bath has failed. The supervisor
// opens an incident and posts an announcement for the affected accounts; a careless
// maintenance notice for tomorrow morning is refused (seed 000: 48 hours' notice).
// Later a caller's ticket is linked by hand, and the incident is resolved with its children.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postAnnouncement } from '../../src/announcements/post.ts';
import { NOW, signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

let t: ConsoleLine;
let sup: ConsoleClient;
let engineer: ConsoleClient;
const sounds = mkdtempSync(join(tmpdir(), 'sl-announcements-'));
const hours = (h: number) => new Date(NOW.getTime() + h * 3_600_000).toISOString();

beforeAll(async () => {
  t = await startConsoleLine();
  sup = await signedIn(t.url, t.users.supervisor.email);
  engineer = await signedIn(t.url, t.users.engineer.email);
});
afterAll(async () => {
  await t?.stop();
  rmSync(sounds, { recursive: true, force: true });
});

const count = async (table: string) => Number((await t.line.db.query<{ n: string }>(`select count(*) as n from ${table}`))[0]!.n);

describe('an incident and its announcement', () => {
  let incidentId = '';

  it('the supervisor opens an incident: a parent ticket with one critical SLA clock, audited', async () => {
    const res = await sup.json('POST', '/api/incidents', { title: 'Broadband exchange fault, Bath' });
    expect(res.status).toBe(201);
    const incident = (await res.json()) as { id: string; reference: string; status: string; children: number };
    expect(incident).toMatchObject({ status: 'new', children: 0 });
    incidentId = incident.id;
    const timers = await t.line.db.query<{ target: string }>(
      'select target from sla_timers s join tickets t on t.id = s.ticket_id where t.reference = $1 order by target',
      [incident.reference],
    );
    expect(timers.length).toBeGreaterThan(0);
    const [audit] = await t.line.db.query<{ action: string }>(`select action from audit_log where entity = 'incident'`);
    expect(audit!.action).toBe('incident.opened');
  });

  it('an engineer may not post; bad announcements are refused with the reason and nothing is stored', async () => {
    const good = { kind: 'incident', message: 'We know about a broadband fault in Bath.', startsAt: hours(-1), endsAt: hours(4) };
    expect((await engineer.json('POST', '/api/announcements', good)).status).toBe(403);
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ ...good, kind: 'maintenance', startsAt: hours(18), endsAt: hours(20) }, /48 hours' notice/],
      [{ ...good, endsAt: hours(-2) }, /endsAt/],
      [{ ...good, message: '   ' }, /message/],
      [{ ...good, accounts: ['99999999'] }, /no account 99999999/],
      [{ ...good, dialledNumber: 'not a number' }, /dialledNumber/],
      [{ ...good, incidentId: '424242' }, /no incident 424242/],
      [{ ...good, service: 'television' }, /service/],
    ];
    for (const [body, reason] of refusals) {
      const res = await sup.json('POST', '/api/announcements', body);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(await res.text()).toMatch(reason);
    }
    expect(await count('announcements')).toBe(0);
  });

  it('planned maintenance two days ahead is accepted', async () => {
    const res = await sup.json('POST', '/api/announcements', {
      kind: 'maintenance', message: 'On Thursday night we upgrade our phone platform.', startsAt: hours(49), endsAt: hours(53),
    });
    expect(res.status).toBe(201);
  });

  it('the incident announcement for two accounts is posted, audited and live', async () => {
    const [a, b] = t.demo.accounts;
    const res = await sup.json('POST', '/api/announcements', {
      kind: 'incident',
      message: 'We know about a broadband fault affecting customers in Bath. Engineers are working on it.',
      startsAt: hours(-0.5),
      endsAt: hours(6),
      accounts: [a!.number, b!.number],
      incidentId,
    });
    expect(res.status).toBe(201);
    const posted = (await res.json()) as { accountIds: string[]; incidentId: string; sound: string | null };
    expect(posted).toMatchObject({ incidentId, sound: null });
    expect(posted.accountIds.sort()).toEqual([a!.id, b!.id].sort());
    const live = (await (await sup.get('/api/announcements')).json()) as unknown[];
    expect(live).toHaveLength(2);
    const [audit] = await t.line.db.query<{ actor: string }>(`select actor from audit_log where action = 'announcement.posted' order by id desc`);
    expect(audit!.actor).toBe(`user:${t.users.supervisor.id}`);
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = (await (await sup.get('/api/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/announcements', '/api/incidents', '/api/incidents/{id}/resolve', '/api/incidents/{id}/link']));
  });

  it('posted with a sounds folder, the words are rendered for Asterisk at once', async () => {
    const posted = await postAnnouncement(
      { db: t.line.db, sounds: { dir: sounds, folder: 'support-line-announcements' }, warn: () => undefined },
      { kind: 'incident', message: 'Our phone lines in Leeds are down.', startsAt: NOW, endsAt: new Date(hours(2)), actor: 'cli', at: NOW },
    );
    expect(posted.sound).toBe(`support-line-announcements/${posted.id}`);
    const wav = join(sounds, `${posted.id}.wav`);
    expect(existsSync(wav)).toBe(true);
    expect(statSync(wav).size).toBeGreaterThan(8000);
  });

  it('a caller’s ticket is linked by the supervisor; the incident resolves it with the parent in one audited action', async () => {
    const child = t.warningTicket;
    expect((await sup.json('POST', `/api/incidents/${incidentId}/link`, { reference: '999999' })).status).toBe(404);
    expect((await sup.json('POST', `/api/incidents/${incidentId}/link`, { reference: child })).status).toBe(200);
    const res = await sup.json('POST', `/api/incidents/${incidentId}/resolve`, { note: 'exchange repaired', text: true });
    expect(res.status).toBe(200);
    const result = (await res.json()) as { resolved: string[]; texted: number };
    expect(result.resolved).toHaveLength(2);
    expect(result.resolved).toContain(child);
    expect(result.texted).toBe(0); // SMS is not configured on this line
    const statuses = await t.line.db.query<{ status: string }>('select status from tickets where reference = any($1::text[])', [result.resolved]);
    expect(statuses.map((s) => s.status)).toEqual(['resolved', 'resolved']);
    const [trail] = await t.line.db.query<{ actor: string; type: string }>(
      `select e.actor, e.type from ticket_events e join tickets t on t.id = e.ticket_id where t.reference = $1 order by e.id desc limit 1`,
      [child],
    );
    expect(trail).toEqual({ actor: `user:${t.users.supervisor.id}`, type: 'resolve' });
    const [audit] = await t.line.db.query<{ detail: { resolved: string[] } }>(`select detail from audit_log where action = 'incident.resolved'`);
    expect(audit!.detail.resolved).toEqual(result.resolved);
    expect((await sup.json('POST', `/api/incidents/${incidentId}/resolve`, {})).status).toBe(409);
  });

  it('the console page: an engineer may not see it; the supervisor posts from the form, a too-soon maintenance is refused and kept in the form', async () => {
    expect((await engineer.get('/console/incidents')).status).toBe(403);
    const before = await count('announcements');
    const refused = await sup.form('/console/announcements', { kind: 'maintenance', message: 'Platform upgrade.', startsAt: '2026-11-24T09:00', endsAt: '2026-11-24T11:00' });
    expect(refused.status).toBe(422);
    const page = await refused.text();
    expect(page).toMatch(/48 hours&#39; notice|48 hours' notice/);
    expect(page).toContain('Platform upgrade.');
    expect(await count('announcements')).toBe(before);
    const posted = await sup.form('/console/announcements', { kind: 'incident', message: 'Phones down in Leeds.', startsAt: '2026-11-23T15:00', endsAt: '2026-11-23T20:00', accounts: t.demo.accounts[0]!.number });
    expect(posted.status).toBe(303);
    expect(await (await sup.get('/console/incidents')).text()).toContain('Phones down in Leeds.');
  });
});
