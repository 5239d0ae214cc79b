// Every change a person makes to a ticket is in the audit log exactly once, with
// who made it, whichever door it came through: the tickets API, the console's
// forms or the CLI all go through the ticket service, which writes the row in the
// change's own transaction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRouting } from '../../src/notify/outbox.ts';
import { raiseComplaint } from '../../src/tickets/complaints.ts';
import { apiApp, type ApiUser } from '../support/api-app.ts';
import { signedIn, startConsoleLine, type ConsoleLine } from '../support/console-line.ts';
import { useFreshDatabase } from '../support/db.ts';
import { at, customer, openTicket } from '../support/tickets.ts';

const routing: AlertRouting = { dutyManagerPhone: null, sms: false, webhook: false };

describe('the tickets API', () => {
  const fresh = useFreshDatabase();
  let now = at('2026-11-23T10:00:00Z');

  let sam: ApiUser;
  beforeAll(async () => {
    const api = apiApp(fresh.db, () => now);
    sam = await api.signIn('supervisor');
  });

  const auditRows = () =>
    fresh.db.query<{ actor: string; action: string; entity: string; entity_id: string; at: Date; detail: Record<string, unknown> }>(
      'select actor, action, entity, entity_id, at, detail from audit_log order by id',
    );

  let ref: string;
  beforeAll(async () => {
    const a = await customer(fresh.db, 'Cat1', 'Audited Ltd');
    ref = (await openTicket(fresh.db, { accountId: a.id, tier: 'Cat1', openedAt: at('2026-11-23T09:00:00Z') })).reference;
  });

  it('acknowledging writes one audit row naming the user, the ticket and the change', async () => {
    now = at('2026-11-23T10:00:00Z');
    expect((await sam.post(`/api/tickets/${ref}/acknowledge`).send({})).status).toBe(200);
    expect(await auditRows()).toEqual([
      { actor: sam.actor, action: 'ticket.acknowledge', entity: 'ticket', entity_id: ref, at: now, detail: { from: 'new', to: 'acknowledged' } },
    ]);
  });

  it('a note writes one more', async () => {
    now = at('2026-11-23T10:05:00Z');
    expect((await sam.post(`/api/tickets/${ref}/note`).send({ note: 'rang back' })).status).toBe(201);
    expect((await auditRows()).slice(1)).toEqual([expect.objectContaining({ actor: sam.actor, action: 'ticket.note', entity_id: ref, at: now })]);
  });

  it('a refused action writes none', async () => {
    expect((await sam.post(`/api/tickets/${ref}/close`).send({})).status).toBe(409);
    expect(await auditRows()).toHaveLength(2);
  });

  it('recording the ADR notice on a complaint writes one', async () => {
    const a = await customer(fresh.db, 'Cat2', 'Complaining Ltd');
    const complaint = await raiseComplaint(
      { db: fresh.db, division: 'england-and-wales', routing },
      { accountNumber: a.number, summary: 'no call back', actor: 'user:7', channel: 'console', at: at('2026-11-23T10:10:00Z') },
    );
    const before = (await auditRows()).length;
    now = at('2026-11-23T10:20:00Z');
    expect((await sam.post(`/api/tickets/${complaint.reference}/adr-done`).send({})).status).toBe(200);
    expect((await auditRows()).slice(before)).toEqual([
      expect.objectContaining({ actor: sam.actor, action: 'ticket.adr_notice_given', entity_id: complaint.reference, at: now }),
    ]);
  });

  it('acknowledging an alert writes one, and acknowledging it again none', async () => {
    await fresh.db.query(
      `insert into notifications (event_key, kind, channel, recipient, payload, next_attempt_at, created_at)
       select 'audit:ack', 'breach', c, r, '{}'::jsonb, now(), now()
         from (values ('sms', '+447700900999'), ('feed', 'console')) as x(c, r)`,
    );
    const ids = (await fresh.db.query<{ id: string }>(`select id from notifications where event_key = 'audit:ack' order by id`)).map((r) => r.id);
    const before = (await auditRows()).length;
    now = at('2026-11-23T10:30:00Z');
    const first = await sam.post(`/api/notifications/${ids[0]}/ack`).send();
    expect([...first.body.acknowledged].sort()).toEqual(ids);
    expect((await sam.post(`/api/notifications/${ids[1]}/ack`).send()).body).toEqual({ id: ids[1], acknowledged: [] });
    const rows = (await auditRows()).slice(before);
    expect(rows).toEqual([
      { actor: sam.actor, action: 'notification.acknowledged', entity: 'notification', entity_id: ids[0], at: now, detail: { eventKey: 'audit:ack', notifications: expect.any(Array) } },
    ]);
    expect([...(rows[0]!.detail['notifications'] as string[])].sort()).toEqual(ids);
  });
});

describe('the console', () => {
  let t: ConsoleLine;
  beforeAll(async () => {
    t = await startConsoleLine();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("an action from the ticket's page is audited once, not once by the page and again by the service", async () => {
    const [ticket] = await t.line.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [t.calls.brambleDesk]);
    const supervisor = await signedIn(t.url, t.users.supervisor.email);
    const res = await supervisor.form(`/console/tickets/${ticket!.reference}/notes`, { note: 'spoke to the customer' });
    expect(res.status).toBe(303);
    const rows = await t.line.db.query<{ actor: string; action: string }>(
      `select actor, action from audit_log where entity = 'ticket' and entity_id = $1`,
      [ticket!.reference],
    );
    expect(rows).toEqual([{ actor: `user:${t.users.supervisor.id}`, action: 'ticket.note' }]);
  });
});
