// The tickets API as a supervisor uses it, through the console's API router, against a fresh Postgres
// database, with the clock set by each test.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertRouting } from '../../src/notify/outbox.ts';
import { addClosure, removeClosure } from '../../src/store/closures.ts';
import { listAudit } from '../../src/store/audit.ts';
import { applyAction } from '../../src/tickets/service.ts';
import { recomputeOnCalendarChange } from '../../src/tickets/recompute.ts';
import { apiApp, type ApiUser } from '../support/api-app.ts';
import { useFreshDatabase } from '../support/db.ts';
import { at, customer, openTicket } from '../support/tickets.ts';

const fresh = useFreshDatabase();
const routing: AlertRouting = { dutyManagerPhone: '+447700900999', sms: false, webhook: false };
let now = at('2026-11-20T15:00:00Z');

// The API as the console serves it (route table, sign-in, roles, CSRF), with the
// test's clock; two supervisors act, so the trail shows which one did what.
let sam: ApiUser;
let kim: ApiUser;
beforeAll(async () => {
  const api = apiApp(fresh.db, () => now);
  sam = await api.signIn('supervisor');
  kim = await api.signIn('supervisor');
});

const deps = () => ({ db: fresh.db, division: 'england-and-wales' as const, routing });

describe('a Cat1 fault opened Friday 20 November 15:00, waiting for remote access', () => {
  let ref: string;
  beforeAll(async () => {
    const a = await customer(fresh.db, 'Cat1', 'Acme Ltd');
    ref = (await openTicket(fresh.db, { accountId: a.id, tier: 'Cat1', openedAt: at('2026-11-20T15:00:00Z') })).reference;
  });

  it('waits on the customer at 16:00: the response clock stops', async () => {
    now = at('2026-11-20T16:00:00Z');
    const res = await sam
      .post(`/api/tickets/${ref}/wait`)
      .send({ note: 'no remote access yet' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      reference: ref,
      from: 'new',
      status: 'waiting_on_customer',
      timers: [{ target: 'response', effect: 'pause', state: 'paused', dueAt: '2026-11-23T15:00:00.000Z' }],
    });
  });

  it('resumes on Monday at 10:00: due two open hours later than promised, at 17:00', async () => {
    now = at('2026-11-23T10:00:00Z');
    const res = await kim.post(`/api/tickets/${ref}/resume`).send();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'new', timers: [{ target: 'response', state: 'running', dueAt: '2026-11-23T17:00:00.000Z' }] });

    const shown = (await kim.get(`/api/tickets/${ref}`)).body;
    expect(shown.timers[0]).toMatchObject({
      warnAt: '2026-11-23T15:00:00.000Z',
      nextFireAt: '2026-11-23T15:00:00.000Z',
      pauses: [{ from: '2026-11-20T16:00:00.000Z', to: '2026-11-23T10:00:00.000Z' }],
    });
    expect(shown.events.map((e: { type: string; actor: string }) => `${e.type} by ${e.actor}`)).toEqual([
      'created by line',
      `wait by ${sam.actor}`,
      `resume by ${kim.actor}`,
    ]);
    expect(shown.events[1].detail).toMatchObject({ from: 'new', to: 'waiting_on_customer', note: 'no remote access yet' });
  });

  it('acknowledging at 11:00 meets the response', async () => {
    now = at('2026-11-23T11:00:00Z');
    const res = await kim.post(`/api/tickets/${ref}/acknowledge`).send({});
    expect(res.body).toMatchObject({ status: 'acknowledged', timers: [{ target: 'response', effect: 'meet', state: 'met' }] });
    const shown = (await kim.get(`/api/tickets/${ref}`)).body;
    expect(shown).toMatchObject({ status: 'acknowledged', respondedAt: '2026-11-23T11:00:00.000Z' });
    expect(shown.timers[0]).toMatchObject({ state: 'met', metAt: '2026-11-23T11:00:00.000Z', nextFireAt: null });
  });

  it('refuses an on-site visit on a Cat1 contract with a 409 and the reason', async () => {
    const res = await kim.post(`/api/tickets/${ref}/onsite-decided`).send();
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: { code: 'illegal_transition', message: expect.stringMatching(/no on-site visits/) } });
  });

  it('resolves, refuses a second resolve, closes and reopens', async () => {
    now = at('2026-11-23T12:00:00Z');
    expect((await kim.post(`/api/tickets/${ref}/resolve`).send()).body.status).toBe('resolved');
    const again = await kim.post(`/api/tickets/${ref}/resolve`).send();
    expect(again.status).toBe(409);
    expect(again.body.error).toEqual({ code: 'illegal_transition', message: 'a ticket that is resolved cannot be resolved' });
    expect((await kim.post(`/api/tickets/${ref}/close`).send()).body.status).toBe('closed');
    expect((await kim.post(`/api/tickets/${ref}/reopen`).send({ note: 'fault came back' })).body.status).toBe('acknowledged');
  });

  it('takes a note in the trail, and refuses an empty one', async () => {
    expect((await kim.post(`/api/tickets/${ref}/note`).send({ note: 'called the customer back' })).status).toBe(201);
    const empty = await kim.post(`/api/tickets/${ref}/note`).send({ note: '  ' });
    expect(empty.status).toBe(422);
    expect(empty.body.error.code).toBe('invalid');
  });

  it('answers 404 for a ticket or an action that does not exist', async () => {
    expect((await kim.post('/api/tickets/999999/acknowledge').send()).status).toBe(404);
    expect((await kim.get('/api/tickets/999999')).status).toBe(404);
    expect((await kim.post(`/api/tickets/${ref}/teleport`).send()).status).toBe(404);
  });
});

describe('a Cat4 standard fault and its on-site visit', () => {
  it('starts the 24-hour on-site clock at the decision and meets it when the engineer arrives', async () => {
    const a = await customer(fresh.db, 'Cat4');
    const { reference } = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat4', openedAt: at('2026-11-24T09:00:00Z') });
    await applyAction(deps(), 'acknowledge', { reference, actor: 'engineer:1', at: at('2026-11-24T09:30:00Z') });
    const decided = await applyAction(deps(), 'decide_onsite', { reference, actor: 'engineer:1', at: at('2026-11-24T14:00:00Z') });
    expect(decided.timers).toEqual([{ target: 'onsite', effect: 'start', state: 'running', dueAt: '2026-11-25T14:00:00.000Z' }]);
    const arrived = await applyAction(deps(), 'arrive_onsite', { reference, actor: 'engineer:1', at: at('2026-11-25T10:00:00Z') });
    expect(arrived).toMatchObject({ status: 'onsite', timers: [{ target: 'onsite', state: 'met' }] });
  });
});

describe('a response kept seconds after its due time, before the watcher looked', () => {
  it('is recorded as a breach once, with its service credit and notification', async () => {
    const a = await customer(fresh.db, 'Cat4', 'Late Ltd');
    const t = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat4', priority: 'critical', openedAt: at('2026-11-26T10:00:00Z') });
    const r = await applyAction(deps(), 'acknowledge', { reference: t.reference, actor: 'user:3', at: at('2026-11-26T12:00:10Z') });
    expect(r.timers).toEqual([{ target: 'response', effect: 'meet', state: 'breached', dueAt: '2026-11-26T12:00:00.000Z' }]);
    const [timer] = await fresh.db.query('select breached_at, service_credit, met_at from sla_timers where ticket_id = $1 and target = $2', [t.id, 'response']);
    expect(timer).toEqual({ breached_at: at('2026-11-26T12:00:00Z'), service_credit: true, met_at: at('2026-11-26T12:00:10Z') });
    const queued = await fresh.db.query('select kind, channel from notifications where ticket_id = $1', [t.id]);
    expect(queued).toEqual([{ kind: 'breach', channel: 'feed' }]);
  });
});

describe('a closure announced after tickets were opened', () => {
  it('moves the office-hours due times of open tickets, audited; 24-hour timers keep theirs', async () => {
    const a = await customer(fresh.db, 'Cat1', 'Office Hours Ltd');
    const b = await customer(fresh.db, 'Cat4', 'Round The Clock Ltd');
    // Monday 7 December 09:00: Cat1 due 17:00 the same day.
    const office = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat1', openedAt: at('2026-12-07T09:00:00Z') });
    const always = await openTicket(fresh.db, { accountId: b.id, tier: 'Cat4', priority: 'critical', openedAt: at('2026-12-07T09:00:00Z') });
    const due = async (ticketId: string) =>
      ((await fresh.db.query<{ due_at: Date }>(`select due_at from sla_timers where ticket_id = $1 and target = 'response'`, [ticketId]))[0]!).due_at;
    expect(await due(office.id)).toEqual(at('2026-12-07T17:00:00Z'));

    // Staff training on Monday afternoon.
    const closure = await addClosure(fresh.db, { from: at('2026-12-07T13:00:00Z'), to: at('2026-12-07T17:00:00Z'), reason: 'staff training', createdBy: 'user:9' });
    const result = await recomputeOnCalendarChange(fresh.db, {
      actor: 'user:9',
      division: 'england-and-wales',
      at: at('2026-12-07T10:00:00Z'),
      reason: { closure: closure.id, change: 'added' },
    });
    expect(await due(office.id)).toEqual(at('2026-12-08T13:00:00Z'));
    expect(await due(always.id)).toEqual(at('2026-12-07T11:00:00Z'));
    expect(result.moved).toContainEqual({
      ticketId: office.id,
      target: 'response',
      dueAt: { from: '2026-12-07T17:00:00.000Z', to: '2026-12-08T13:00:00.000Z' },
      warnAt: { from: '2026-12-07T15:00:00.000Z', to: '2026-12-08T11:00:00.000Z' },
    });
    const [event] = await fresh.db.query<{ actor: string; detail: Record<string, unknown> }>(
      `select actor, detail from ticket_events where ticket_id = $1 and type = 'recomputed'`,
      [office.id],
    );
    expect(event).toMatchObject({ actor: 'user:9', detail: { closure: closure.id, change: 'added' } });
    const [entry] = await listAudit(fresh.db, { entity: 'calendar', entityId: 'office' });
    expect(entry).toMatchObject({ actor: 'user:9', action: 'sla.recomputed' });

    // The training is cancelled: back to 17:00, the watcher's next look with it.
    await removeClosure(fresh.db, closure.id);
    await recomputeOnCalendarChange(fresh.db, { actor: 'user:9', division: 'england-and-wales', at: at('2026-12-07T10:30:00Z') });
    expect(await due(office.id)).toEqual(at('2026-12-07T17:00:00Z'));
    const [timer] = await fresh.db.query(`select next_fire_at from sla_timers where ticket_id = $1 and target = 'response'`, [office.id]);
    expect(timer).toEqual({ next_fire_at: at('2026-12-07T15:00:00Z') });
  });

  it('never rewrites a promise from the policy of the day: the timer keeps the minutes it was given', async () => {
    const a = await customer(fresh.db, 'Cat1', 'Old Contract Ltd');
    // Opened under an older policy that promised Cat1 a 6-hour response.
    const t = await openTicket(fresh.db, {
      accountId: a.id, tier: 'Cat1', openedAt: at('2026-12-14T09:00:00Z'),
      targets: [{ name: 'response', calendar: 'office', minutes: 360, startsOn: 'opened' }],
    });
    await applyAction(deps(), 'wait', { reference: t.reference, actor: 'api', at: at('2026-12-14T10:00:00Z') });
    const resumed = await applyAction(deps(), 'resume', { reference: t.reference, actor: 'api', at: at('2026-12-14T11:00:00Z') });
    expect(resumed.timers[0]?.dueAt).toBe('2026-12-14T16:00:00.000Z');
  });
});

describe('complaints raised from the console', () => {
  it('opens a complaint ticket with its four targets frozen on it', async () => {
    const a = await customer(fresh.db, 'Cat2', 'Unhappy Ltd');
    now = at('2026-11-24T13:00:00Z');
    const res = await sam.post('/api/complaints').send({ accountNumber: a.number, summary: 'Rude engineer' });
    expect(res.status).toBe(201);
    expect(res.body.targets).toEqual([
      { name: 'complaint_ack', dueAt: '2026-11-24T17:00:00.000Z' },
      { name: 'complaint_resolution', dueAt: '2026-12-01T13:00:00.000Z' },
      { name: 'complaint_escalation', dueAt: '2026-11-26T13:00:00.000Z' },
      { name: 'adr_notice', dueAt: '2027-01-19T13:00:00.000Z' },
    ]);
    const shown = (await kim.get(`/api/tickets/${res.body.reference}`)).body;
    expect(shown).toMatchObject({ kind: 'complaint', tier: 'Cat2', channel: 'console', callId: null });
    expect(shown.events[0]).toMatchObject({ type: 'created', actor: sam.actor, detail: { policy: 'default-2026-2' } });
  });

  it('refuses an unknown account (404) and a malformed body (422)', async () => {
    expect((await kim.post('/api/complaints').send({ accountNumber: '999999999', summary: 'x' })).status).toBe(404);
    expect((await kim.post('/api/complaints').send({ accountNumber: 'abc', summary: 'x' })).status).toBe(422);
    expect((await kim.post('/api/complaints').send({ accountNumber: '1', summary: 'x', extra: 1 })).status).toBe(422);
  });
});

describe('the SLA report', () => {
  it('gives each account its targets met and breached, response median and 90th percentile, and credits', async () => {
    const a = await customer(fresh.db, 'Cat4', 'Report Ltd');
    // May 2027: three critical faults answered after 30, 60 and 150 minutes (the last breaches its 2 hours).
    for (const [opened, minutes] of [['2027-05-03T10:00:00Z', 30], ['2027-05-04T10:00:00Z', 60], ['2027-05-05T10:00:00Z', 150]] as const) {
      const t = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat4', priority: 'critical', openedAt: at(opened) });
      await applyAction(deps(), 'acknowledge', { reference: t.reference, actor: 'api', at: new Date(at(opened).getTime() + minutes * 60_000) });
      await applyAction(deps(), 'resolve', { reference: t.reference, actor: 'api', at: new Date(at(opened).getTime() + 180 * 60_000) });
    }
    const res = await kim.get('/api/reports/sla?month=2027-05');
    expect(res.status).toBe(200);
    expect(res.body.accounts).toEqual([
      {
        month: '2027-05',
        account: { id: a.id, number: a.number, name: 'Report Ltd' },
        overall: false,
        tickets: 3,
        met: 5,
        breached: 1,
        shareMet: 0.8333,
        responseMedianMinutes: 60,
        responseP90Minutes: 132,
        responded: 3,
        serviceCredits: 1,
        escalations: 0,
      },
    ]);
    expect(res.body.overall).toEqual([expect.objectContaining({ month: '2027-05', overall: true, account: null, tickets: 3 })]);

    const csv = await kim.get('/api/reports/sla?month=2027-05&format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')).toEqual([
      'month,account_number,account_name,tickets,targets_met,targets_breached,share_met,response_median_minutes,response_p90_minutes,responded,service_credits,complaint_escalations',
      `2027-05,${a.number},Report Ltd,3,5,1,0.8333,60,132,3,1,0`,
      '2027-05,ALL,All accounts,3,5,1,0.8333,60,132,3,1,0',
      '',
    ]);
  });

  it('refuses a month that is not YYYY-MM', async () => {
    expect((await kim.get('/api/reports/sla?month=2027-13')).status).toBe(422);
  });
});

describe('notifications', () => {
  it('acknowledging one stops the others of the same alert', async () => {
    const a = await customer(fresh.db, 'Cat4', 'Ack Ltd');
    const t = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat4', priority: 'critical', openedAt: at('2026-11-27T10:00:00Z') });
    await fresh.db.query(
      `insert into notifications (event_key, kind, ticket_id, channel, recipient, payload, next_attempt_at, created_at)
       select 'test:ack', 'breach', $1, c, r, '{}'::jsonb, now(), now()
         from (values ('sms', '+447700900999'), ('sms', '+447700900123')) as x(c, r)`,
      [t.id],
    );
    const [first] = await fresh.db.query<{ id: string }>(`select id from notifications where event_key = 'test:ack' order by id limit 1`);
    const res = await sam.post(`/api/notifications/${first!.id}/ack`).send();
    expect(res.status).toBe(200);
    expect(res.body.acknowledged).toHaveLength(2);
    const rows = await fresh.db.query(`select acknowledged_by, next_attempt_at from notifications where event_key = 'test:ack'`);
    expect(rows).toEqual([
      { acknowledged_by: sam.actor, next_attempt_at: null },
      { acknowledged_by: sam.actor, next_attempt_at: null },
    ]);
    expect((await kim.post('/api/notifications/987654/ack').send()).status).toBe(404);
  });
});
