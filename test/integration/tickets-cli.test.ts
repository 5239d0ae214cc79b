// support-line tickets, notifications and calls unaccounted: JSON out, against a
// fresh Postgres database. These commands read the real clock, so the tickets here
// are opened relative to it.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { closeCall, openCall } from '../../src/store/calls.ts';
import { cli, useCliDatabase } from '../support/cli.ts';
import { customer, openTicket } from '../support/tickets.ts';

const fresh = useCliDatabase({ unset: ['NOTIFY_WEBHOOK_URL', 'TWILIO_ACCOUNT_SID'] });

async function json<T = Record<string, unknown>>(...argv: string[]): Promise<T> {
  const r = await cli(...argv);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as T;
}

describe('support-line tickets', () => {
  let ref: string;
  let number: string;

  beforeAll(async () => {
    const a = await customer(fresh.db, 'Cat4', 'Night Owl Ltd');
    number = a.number;
    // A critical fault opened a minute ago: response due in 1 h 59, resolution in 3 h 59.
    ref = (await openTicket(fresh.db, { accountId: a.id, tier: 'Cat4', priority: 'critical', openedAt: new Date(Date.now() - 60_000) })).reference;
  });

  it('due --within 2h lists the running timers due in the next two hours', async () => {
    const due = await json<{ ref: string; account: { number: string }; target: string; dueAt: string; state: string }[]>('tickets', 'due', '--within', '2h');
    expect(due.filter((t) => t.ref === ref)).toEqual([
      expect.objectContaining({ ref, account: { number, name: 'Night Owl Ltd' }, target: 'response', state: 'due' }),
    ]);
    const later = await json<{ ref: string; target: string }[]>('tickets', 'due', '--within', '5h');
    expect(later.filter((t) => t.ref === ref).map((t) => t.target)).toEqual(['response', 'resolution']);
  });

  it('acknowledge, note and show: the trail names who did what', async () => {
    expect(await json('tickets', 'acknowledge', '--ref', ref, '--actor', 'engineer:7')).toMatchObject({ status: 'acknowledged' });
    expect(await json('tickets', 'note', '--ref', ref, '--note', 'router replaced')).toEqual({ reference: ref, noted: true });
    const shown = await json<{ status: string; events: { type: string; actor: string }[] }>('tickets', 'show', '--ref', ref);
    expect(shown.status).toBe('acknowledged');
    expect(shown.events.map((e) => `${e.type} by ${e.actor}`)).toEqual(['created by line', 'acknowledge by engineer:7', 'note by cli']);
  });

  it('refuses an illegal transition with one line and exit code 2', async () => {
    const r = await cli('tickets', 'close', '--ref', ref);
    expect(r.code).toBe(2);
    expect(r.err).toBe('support-line tickets: a ticket that is acknowledged cannot be closed\n');
  });

  it('refuses a bad window, an unknown ticket and an unknown subcommand', async () => {
    expect((await cli('tickets', 'due', '--within', 'soon')).code).toBe(2);
    expect((await cli('tickets', 'show', '--ref', '99999999')).code).toBe(2);
    expect((await cli('tickets', 'teleport', '--ref', ref)).code).toBe(2);
  });

  it('raises a complaint and records the ADR notice given early', async () => {
    const complaint = await json<{ reference: string }>('tickets', 'complain', '--account', number, '--summary', 'Nobody called back');
    expect(await json('tickets', 'adr-done', '--ref', complaint.reference, '--actor', 'user:2')).toMatchObject({ reference: complaint.reference });
    const shown = await json<{ timers: { target: string; state: string }[]; tasks: { doneBy: string }[] }>('tickets', 'show', '--ref', complaint.reference);
    expect(shown.timers.find((t) => t.target === 'adr_notice')?.state).toBe('met');
    expect(shown.tasks).toEqual([expect.objectContaining({ doneBy: 'user:2' })]);
  });
});

describe('support-line closures add', () => {
  it('recomputes the open tickets’ office timers as it adds the closure', async () => {
    const out = await json<{ id: string; recomputed: { tickets: number; timers: number } }>(
      'closures', 'add', '--from', '2030-01-07T09:00:00Z', '--to', '2030-01-08T09:00:00Z', '--reason', 'stocktake',
    );
    expect(out.recomputed).toEqual({ tickets: expect.any(Number), timers: expect.any(Number) });
    const [entry] = await fresh.db.query<{ action: string; actor: string }>(`select action, actor from audit_log where action = 'sla.recomputed'`);
    expect(entry).toEqual({ action: 'sla.recomputed', actor: 'cli' });
  });
});

describe('support-line notifications ack', () => {
  it('acknowledges an alert by id', async () => {
    await fresh.db.query(
      `insert into notifications (event_key, kind, channel, recipient, payload, next_attempt_at, created_at)
       values ('cli:ack', 'breach', 'sms', '+447700900999', '{}'::jsonb, now(), now())`,
    );
    const [row] = await fresh.db.query<{ id: string }>(`select id from notifications where event_key = 'cli:ack'`);
    expect(await json('notifications', 'ack', '--id', row!.id, '--actor', 'user:3')).toEqual({ id: row!.id, acknowledged: [row!.id] });
    expect((await cli('notifications', 'ack', '--id', '999999')).code).toBe(2);
  });
});

describe('support-line calls unaccounted', () => {
  it('lists ended calls with neither a ticket nor a reason, and calls never ended after 6 hours', async () => {
    const since = new Date(Date.now() - 24 * 3600_000);
    const call = async (startedHoursAgo: number, end: { reason: string } | null) => {
      const id: string = randomUUID();
      const startedAt = new Date(Date.now() - startedHoursAgo * 3600_000);
      await openCall(fresh.db, { id, carrier: 'twilio', carrierCallId: `CA${id}`, from: '+441632960222', to: '+441632960000', startedAt });
      if (end) await closeCall(fresh.db, id, { outcome: 'abandoned', endReason: end.reason, hangupCause: 'normal', endedAt: new Date(startedAt.getTime() + 60_000) });
      return id;
    };
    const noReason = await call(2, { reason: '' });
    const explained = await call(2, { reason: 'abandoned before identification' });
    const lost = await call(7, null);
    const live = await call(1, null);

    const listed = await json<{ id: string; problem: string }[]>('calls', 'unaccounted', '--since', since.toISOString());
    const ours = listed.filter((c) => [noReason, explained, lost, live].includes(c.id));
    expect(ours).toEqual([
      expect.objectContaining({ id: lost, problem: 'never ended' }),
      expect.objectContaining({ id: noReason, problem: 'no ticket or reason' }),
    ]);
    expect((await cli('calls', 'unaccounted', '--since', 'yesterday')).code).toBe(2);
  });
});
