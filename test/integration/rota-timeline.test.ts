// Monday 23 November, 15:30. The rota has a hole on Wednesday night: nobody is
// primary from 18:00 to 08:00. The supervisor sees it in the timeline, puts Aisha on
// as primary for the night with an override, and the hole closes; taking the
// override away opens it again. Bad overrides are refused and change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';
import { GAP, openWednesdayNightGap } from '../support/rota-gap.ts';

let t: ConsoleLine;
let sup: ConsoleClient;
let priya: ConsoleClient;
let aishaId: string;

interface Timeline {
  from: string;
  to: string;
  at: string;
  lanes: { level: string; segments: { from: string; to: string; override: boolean; engineers: { id: string; name: string }[] }[] }[];
  gaps: { from: string; to: string }[];
  overrides: { id: string; engineerName: string; level: string; startsAt: string; endsAt: string }[];
}
const timeline = async (c: ConsoleClient = sup): Promise<Timeline> => (await (await c.get('/api/rota/timeline')).json()) as Timeline;
const overrideCount = async () => Number((await t.line.db.query<{ n: string }>('select count(*) as n from rota_shifts where is_override'))[0]!.n);
const nightOverride = () => ({ engineerId: aishaId, level: 'primary', from: '2026-11-25T18:00', to: '2026-11-26T08:00', note: 'covering the gap' });

beforeAll(async () => {
  t = await startConsoleLine();
  await openWednesdayNightGap(t.line.db);
  sup = await signedIn(t.url, t.users.supervisor.email);
  priya = await signedIn(t.url, t.users.engineer.email);
  aishaId = t.demo.engineers.find((e) => e.name === 'Aisha Khan')!.id;
});
afterAll(async () => {
  await t?.stop();
});

describe('the rota as a timeline', () => {
  it('shows two weeks from today, each level a lane, and the Wednesday night gap in Cat4 cover', async () => {
    const v = await timeline(priya);
    expect(v.from).toBe('2026-11-23T00:00:00.000Z');
    expect(v.to).toBe('2026-12-07T00:00:00.000Z');
    expect(v.at).toBe('2026-11-23T15:30:00.000Z');
    expect(v.lanes.map((l) => l.level)).toEqual(['primary', 'secondary', 'manager']);
    expect(v.gaps).toEqual([{ from: GAP.from.toISOString(), to: GAP.to.toISOString() }]);
    const primary = v.lanes[0]!.segments;
    expect(primary.some((s) => s.to === GAP.from.toISOString()) && primary.some((s) => s.from === GAP.to.toISOString())).toBe(true);
  });

  it('an engineer may not add an override', async () => {
    expect((await priya.json('POST', '/api/rota/overrides', nightOverride())).status).toBe(403);
    expect(await overrideCount()).toBe(0);
  });

  it.each([
    [{ to: '2026-11-25T17:00' }, 'End must be after the start'],
    [{ from: '2026-11-20T18:00', to: '2026-11-21T08:00' }, 'End is already past'],
    [{ from: '25/11/2026 18:00' }, 'from: must be a date and time'],
    [{ level: 'boss' }, 'level: choose primary, secondary or manager'],
    [{ engineerId: '99999' }, 'No engineer on the rota has that id'],
    [{ engineerId: undefined }, 'engineerId: choose an engineer'],
    [{ to: '2027-01-05T08:00' }, 'An override lasts at most 31 days'],
  ])('a bad override is refused with a clear message and changes nothing: %j', async (change, message) => {
    const res = await sup.json('POST', '/api/rota/overrides', { ...nightOverride(), ...change });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(message);
    expect(await overrideCount()).toBe(0);
  });

  it('Aisha on as primary for the night closes the gap, audited', async () => {
    const res = await sup.json('POST', '/api/rota/overrides', nightOverride());
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; isOverride: boolean };
    expect(created.isOverride).toBe(true);
    const v = await timeline();
    expect(v.gaps).toEqual([]);
    expect(v.lanes[0]!.segments).toContainEqual({ from: GAP.from.toISOString(), to: GAP.to.toISOString(), override: true, engineers: [{ id: aishaId, name: 'Aisha Khan' }] });
    expect(v.overrides.map((o) => [o.engineerName, o.level])).toEqual([['Aisha Khan', 'primary']]);
    const [audit] = await t.line.db.query<{ actor: string; entity_id: string }>(`select actor, entity_id from audit_log where action = 'rota.override-added'`);
    expect(audit).toEqual({ actor: `user:${t.users.supervisor.id}`, entity_id: created.id });
  });

  it('an ordinary shift cannot be removed as an override; removing the override opens the gap again', async () => {
    const [ordinary] = await t.line.db.query<{ id: string }>('select id::text from rota_shifts where not is_override limit 1');
    expect((await sup.json('DELETE', `/api/rota/overrides/${ordinary!.id}`)).status).toBe(404);
    const [o] = (await timeline()).overrides;
    expect((await priya.json('DELETE', `/api/rota/overrides/${o!.id}`)).status).toBe(403);
    expect((await sup.json('DELETE', `/api/rota/overrides/${o!.id}`)).status).toBe(204);
    expect((await timeline()).gaps).toHaveLength(1);
    const audits = await t.line.db.query(`select 1 from audit_log where action = 'rota.override-removed'`);
    expect(audits).toHaveLength(1);
  });

  it('the console form refuses a back-to-front override with the field marked and what was typed kept', async () => {
    const res = await sup.form('/console/rota/overrides', { ...nightOverride(), to: '2026-11-25T17:00' });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain('End must be after the start');
    expect(page).toMatch(/id="o-to" name="to" type="datetime-local" required value="2026-11-25T17:00" aria-invalid="true"/);
    expect(await overrideCount()).toBe(0);
  });

  it('/api/openapi.json describes the timeline and the override routes', async () => {
    const doc = (await (await sup.get('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.paths['/api/rota/timeline']?.get?.operationId).toBe('getRotaTimeline');
    expect(doc.paths['/api/rota/overrides']?.post?.operationId).toBe('addOverride');
    expect(doc.paths['/api/rota/overrides/{id}']?.delete?.operationId).toBe('removeOverride');
  });
});
