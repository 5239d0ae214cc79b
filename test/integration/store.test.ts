// The repositories, written once and run on both engines the line supports: a real
// Postgres server (a fresh database for this file) and embedded PGlite (in memory).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewTicket } from '../../src/domain/flow/types.ts';
import { addAccount, findAccountForPin, findAccountNumberByPhone, listAccounts } from '../../src/store/accounts.ts';
import { audit, listAudit } from '../../src/store/audit.ts';
import {
  appendCallEvent,
  callTimeline,
  closeCall,
  findCallByCarrierId,
  getCall,
  openCall,
  updateCall,
} from '../../src/store/calls.ts';
import { addClosure, listClosures, removeClosure } from '../../src/store/closures.ts';
import { openDb, type Db } from '../../src/store/db.ts';
import { addEngineer, listEngineers } from '../../src/store/engineers.ts';
import { ConflictError, MigrationChecksumError, NotFoundError, ValidationError } from '../../src/store/errors.ts';
import { hashSecret, verifySecret } from '../../src/store/hashing.ts';
import { pinKeys, verifyPin } from '../../src/store/pin-hash.ts';
import { migrate, readMigrations } from '../../src/store/migrate.ts';
import { addShift, listShifts, shiftsAt } from '../../src/store/rota.ts';
import {
  attachRecording,
  createTicket,
  flagTicket,
  getTicket,
  ticketStatusView,
} from '../../src/store/tickets.ts';
import { respond } from '../../src/tickets/service.ts';
import { freshDatabase, freshPglite } from '../support/db.ts';

interface Blank {
  db: Db;
  done(): Promise<void>;
}

const onPostgres = async (): Promise<Blank> => {
  const fresh = await freshDatabase({ migrate: false });
  return { db: fresh.db, done: fresh.drop };
};
const onPglite = async (): Promise<Blank> => {
  const db = await freshPglite({ migrate: false });
  return { db, done: () => db.close() };
};

const at = (iso: string) => new Date(iso);
/** An engineer takes the call about the ticket, as the call flow records it. */
const markResponded = (db: Db, ticketId: string, engineerId: string, when: Date) =>
  respond({ db, division: 'england-and-wales', routing: { dutyManagerPhone: null, sms: false, webhook: false } }, { ticketId, engineerId, at: when });

storeSuite('Postgres', onPostgres);
storeSuite('PGlite', onPglite);

function storeSuite(engine: string, blank: () => Promise<Blank>): void {
  describe(`store on ${engine}`, () => {
    let main: Blank;
    const db = () => main.db;
    beforeAll(async () => {
      main = await blank();
      await migrate(main.db);
    });
    afterAll(async () => {
      await main?.done();
    });

    // Tests share one database, so each makes its own rows with numbers no other test uses.
    let counter = 0;
    const unique = () => ++counter;
    const mobile = () => `+447700900${String(unique()).padStart(3, '0')}`;
    const accountNumber = () => String(50_000 + unique());

    async function anAccount(overrides: Partial<Parameters<typeof addAccount>[1]> = {}) {
      return addAccount(db(), {
        number: accountNumber(),
        name: 'Acme Dental',
        pin: '4821',
        phones: [mobile()],
        tier: 'Cat4',
        startsOn: '2026-01-01',
        endsOn: null,
        ...overrides,
      });
    }

    async function aCall(startedAt = at('2026-03-02T10:00:00Z')) {
      const id = randomUUID();
      await openCall(db(), { id, carrier: 'asterisk', carrierCallId: `chan-${id}`, from: mobile(), to: '+441632960000', startedAt });
      return id;
    }

    function aFaultTicket(callId: string, accountId: string | null, openedAt = '2026-03-02T10:00:00.000Z'): NewTicket {
      return {
        callId,
        accountId,
        kind: 'fault',
        tier: 'Cat4',
        priority: 'critical',
        route: 'oncall',
        openedAt,
        adHocAccepted: null,
        summary: 'Phone call: critical fault, oncall',
        targets: [
          { name: 'response', calendar: 'always', minutes: 120, startsAt: openedAt, dueAt: '2026-03-02T12:00:00.000Z', warnAt: null },
          { name: 'resolution', calendar: 'always', minutes: 240, startsAt: openedAt, dueAt: '2026-03-02T14:00:00.000Z', warnAt: null },
          { name: 'onsite', calendar: 'always', minutes: 1440, startsAt: null, dueAt: null, warnAt: null },
        ],
      };
    }

    describe('migrations', () => {
      it('applies nothing the second time', async () => {
        expect(await migrate(db())).toEqual({ applied: [] });
        const rows = await db().query<{ version: number; checksum: string }>('select version, checksum from schema_migrations');
        expect(rows).toContainEqual({ version: 1, checksum: expect.stringMatching(/^[0-9a-f]{64}$/) });
      });

      it('refuses a migration edited after it was applied, naming the file, and applies nothing after it', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'sl-migrations-'));
        const other = await blank();
        try {
          writeFileSync(join(dir, '001_one.sql'), 'create table one (x int);');
          expect(await migrate(other.db, dir)).toEqual({ applied: ['001_one.sql'] });

          writeFileSync(join(dir, '001_one.sql'), 'create table one (x int, y int);');
          writeFileSync(join(dir, '002_two.sql'), 'create table two (x int);');
          const refused = migrate(other.db, dir);
          await expect(refused).rejects.toBeInstanceOf(MigrationChecksumError);
          await expect(refused).rejects.toThrow(/001_one\.sql/);
          expect(await other.db.query("select 1 from pg_tables where tablename = 'two'")).toEqual([]);
        } finally {
          await other.done();
          rmSync(dir, { recursive: true, force: true });
        }
      });

      it('rolls back a failing migration and names it', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'sl-migrations-'));
        const other = await blank();
        try {
          writeFileSync(join(dir, '001_half.sql'), 'create table half (x int); select no_such_function();');
          await expect(migrate(other.db, dir)).rejects.toThrow(/001_half\.sql failed/);
          expect(await other.db.query("select 1 from pg_tables where tablename = 'half'")).toEqual([]);
          expect(await other.db.query('select * from schema_migrations')).toEqual([]);
        } finally {
          await other.done();
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });

    describe('accounts', () => {
      it('keeps caller IDs in E.164 whatever way they were typed, and finds the account by them', async () => {
        const n = unique();
        const national = `07700 900${String(n).padStart(3, '0')}`;
        const account = await anAccount({ phones: [national] });
        expect(account.phones).toEqual([`+447700900${String(n).padStart(3, '0')}`]);
        expect(await findAccountNumberByPhone(db(), account.phones[0]!)).toBe(account.number);
        expect(await findAccountNumberByPhone(db(), national)).toBe(account.number);
        expect(await findAccountNumberByPhone(db(), '+441632960999')).toBeNull();
        expect(await findAccountNumberByPhone(db(), 'anonymous')).toBeNull();
      });

      it('stores the PIN only as a salted hash under the PIN key, naming the key', async () => {
        const account = await anAccount({ pin: '7391' });
        const forPin = await findAccountForPin(db(), account.number);
        expect(forPin).toMatchObject({ id: account.id, number: account.number, name: 'Acme Dental', status: 'active' });
        expect(forPin!.pinHash).toMatch(new RegExp(`^hmac-sha256\\$${pinKeys().current.id}\\$`));
        expect(forPin!.pinHash).not.toContain('7391');
        expect(await verifyPin('7391', forPin!.pinHash)).toEqual({ ok: true, rehash: null });
        expect(await verifyPin('7392', forPin!.pinHash)).toEqual({ ok: false, rehash: null });
      });

      it('gives the contracts for deciding the tier, dates as calendar days', async () => {
        const account = await anAccount({ tier: 'Cat1', startsOn: '2024-02-01', endsOn: '2026-01-31' });
        const forPin = await findAccountForPin(db(), account.number);
        expect(forPin!.contracts).toEqual([{ tier: 'Cat1', startsOn: '2024-02-01', endsOn: '2026-01-31' }]);
        expect(await findAccountForPin(db(), '99999999')).toBeNull();
      });

      it('refuses a number that is not a phone number', async () => {
        const number = accountNumber();
        await expect(anAccount({ number, phones: ['12345'] })).rejects.toBeInstanceOf(ValidationError);
        expect(await findAccountForPin(db(), number)).toBeNull();
      });

      it('refuses a taken account number or phone, leaving nothing half-written', async () => {
        const first = await anAccount();
        await expect(anAccount({ number: first.number })).rejects.toBeInstanceOf(ConflictError);

        const number = accountNumber();
        await expect(anAccount({ number, phones: [mobile(), first.phones[0]!] })).rejects.toBeInstanceOf(ConflictError);
        expect(await findAccountForPin(db(), number)).toBeNull();
      });

      it('refuses PINs that are not 4 to 8 digits and unknown tiers', async () => {
        await expect(anAccount({ pin: '12' })).rejects.toBeInstanceOf(ValidationError);
        await expect(anAccount({ pin: '12ab' })).rejects.toBeInstanceOf(ValidationError);
        // @ts-expect-error: a tier from outside the contract list
        await expect(anAccount({ tier: 'Gold' })).rejects.toBeInstanceOf(ValidationError);
        await expect(anAccount({ startsOn: '2026-02-30' })).rejects.toBeInstanceOf(ValidationError);
      });

      it('lists accounts with their phones and contracts', async () => {
        const account = await anAccount({ tier: 'Cat2', status: 'suspended' });
        const listed = (await listAccounts(db())).find((a) => a.id === account.id);
        expect(listed).toMatchObject({
          number: account.number,
          status: 'suspended',
          phones: account.phones,
          contracts: [{ tier: 'Cat2', startsOn: '2026-01-01', endsOn: null, sites: [] }],
        });
        expect(listed!.createdAt).toBeInstanceOf(Date);
      });
    });

    describe('rota', () => {
      it('finds who is on call at an instant: start inclusive, end exclusive, primary first', async () => {
        const alice = await addEngineer(db(), { name: 'Alice', phone: mobile() });
        const bob = await addEngineer(db(), { name: 'Bob', phone: mobile(), dialTarget: 'PJSIP/bob@trunk' });
        const carol = await addEngineer(db(), { name: 'Carol', phone: mobile() });
        const week = { from: at('2030-01-07T09:00:00Z'), to: at('2030-01-14T09:00:00Z') };
        await addShift(db(), { engineerId: carol.id, level: 'manager', ...week });
        await addShift(db(), { engineerId: bob.id, level: 'secondary', ...week });
        await addShift(db(), { engineerId: alice.id, level: 'primary', ...week });

        const onCall = await shiftsAt(db(), week.from);
        expect(onCall.map((s) => [s.level, s.name])).toEqual([
          ['primary', 'Alice'],
          ['secondary', 'Bob'],
          ['manager', 'Carol'],
        ]);
        expect(onCall[1]).toMatchObject({ phone: bob.phone, dialTarget: 'PJSIP/bob@trunk', engineerId: bob.id });
        expect(await shiftsAt(db(), week.to)).toEqual([]);
        expect(await shiftsAt(db(), new Date(week.from.getTime() - 1))).toEqual([]);
      });

      it('puts an override ahead of the regular shift at its level and leaves out inactive engineers', async () => {
        const regular = await addEngineer(db(), { name: 'Regular', phone: mobile() });
        const cover = await addEngineer(db(), { name: 'Cover', phone: mobile() });
        const away = await addEngineer(db(), { name: 'Away', phone: mobile() });
        await addShift(db(), { engineerId: regular.id, level: 'primary', from: at('2031-01-06T09:00:00Z'), to: at('2031-01-13T09:00:00Z') });
        await addShift(db(), { engineerId: cover.id, level: 'primary', from: at('2031-01-08T00:00:00Z'), to: at('2031-01-09T00:00:00Z'), isOverride: true, note: 'swap' });
        await addShift(db(), { engineerId: away.id, level: 'secondary', from: at('2031-01-06T09:00:00Z'), to: at('2031-01-13T09:00:00Z') });
        await db().query('update engineers set active = false where id = $1', [away.id]);

        const onCall = await shiftsAt(db(), at('2031-01-08T12:00:00Z'));
        expect(onCall.map((s) => [s.name, s.isOverride])).toEqual([
          ['Cover', true],
          ['Regular', false],
        ]);
        expect((await listShifts(db(), { from: at('2031-01-08T00:00:00Z'), to: at('2031-01-09T00:00:00Z') })).length).toBe(3);
        expect((await listEngineers(db())).find((e) => e.id === away.id)?.active).toBe(false);
      });

      it('refuses a shift that ends before it starts, or for nobody', async () => {
        const e = await addEngineer(db(), { name: 'Dan', phone: mobile() });
        await expect(addShift(db(), { engineerId: e.id, level: 'primary', from: at('2030-01-02T00:00:00Z'), to: at('2030-01-01T00:00:00Z') }))
          .rejects.toBeInstanceOf(ValidationError);
        await expect(addShift(db(), { engineerId: '999999', level: 'primary', from: at('2030-01-01T00:00:00Z'), to: at('2030-01-02T00:00:00Z') }))
          .rejects.toBeInstanceOf(ValidationError);
        await expect(addEngineer(db(), { name: 'Eve', phone: 'not a phone' })).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe('closures', () => {
      it('lists the closures overlapping a window and removes one', async () => {
        const christmas = await addClosure(db(), {
          from: at('2032-12-24T12:00:00Z'),
          to: at('2033-01-02T09:00:00Z'),
          reason: 'Christmas shutdown',
          createdBy: 'user:1',
        });
        const listed = await listClosures(db(), { from: at('2032-12-31T00:00:00Z'), to: at('2033-01-01T00:00:00Z') });
        expect(listed).toEqual([expect.objectContaining({ id: christmas.id, reason: 'Christmas shutdown', from: christmas.from, to: christmas.to })]);
        expect(await listClosures(db(), { from: at('2033-01-02T09:00:00Z'), to: at('2033-01-03T00:00:00Z') })).toEqual([]);

        expect(await removeClosure(db(), christmas.id)).toBe(true);
        expect(await removeClosure(db(), christmas.id)).toBe(false);
        expect(await listClosures(db(), { from: at('2032-12-31T00:00:00Z') })).toEqual([]);
      });

      it('refuses a closure without a reason', async () => {
        await expect(addClosure(db(), { from: at('2034-01-01T00:00:00Z'), to: at('2034-01-02T00:00:00Z'), reason: ' ', createdBy: 'cli' }))
          .rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe('calls', () => {
      it('opens a call once however often the carrier tells us about it', async () => {
        const id = randomUUID();
        const call = { id, carrier: 'twilio' as const, carrierCallId: `CA${id.replaceAll('-', '')}`, from: '+447700900555', to: '+441632960000', startedAt: at('2026-03-02T10:00:00Z') };
        expect((await openCall(db(), call)).created).toBe(true);
        const again = await openCall(db(), { ...call, startedAt: at('2026-03-02T10:00:05Z') });
        expect(again.created).toBe(false);
        expect(again.call.startedAt).toEqual(call.startedAt);
        expect(await findCallByCarrierId(db(), 'twilio', call.carrierCallId)).toMatchObject({ id });

        await expect(openCall(db(), { ...call, carrierCallId: 'someone-else' })).rejects.toBeInstanceOf(ConflictError);
        await expect(openCall(db(), { ...call, id: randomUUID() })).rejects.toBeInstanceOf(ConflictError);
      });

      it('keeps one timeline entry per step, the first one written', async () => {
        const id = await aCall();
        expect(await appendCallEvent(db(), id, 0, at('2026-03-02T10:00:00Z'), 'started', { from: '+447700900555' })).toBe(true);
        expect(await appendCallEvent(db(), id, 1, at('2026-03-02T10:00:03Z'), 'input', { purpose: 'account' })).toBe(true);
        expect(await appendCallEvent(db(), id, 1, at('2026-03-02T10:00:09Z'), 'replayed', {})).toBe(false);

        expect(await callTimeline(db(), id)).toEqual([
          { seq: 0, at: at('2026-03-02T10:00:00Z'), type: 'started', detail: { from: '+447700900555' } },
          { seq: 1, at: at('2026-03-02T10:00:03Z'), type: 'input', detail: { purpose: 'account' } },
        ]);
      });

      it('records what the call learned and how it ended; the first ending stands', async () => {
        const id = await aCall();
        const account = await anAccount();
        const updated = await updateCall(db(), id, { accountId: account.id, tier: 'Cat4', priority: 'critical', menu: 'fault', route: 'oncall', routeReason: 'out of hours', answeredAt: at('2026-03-02T10:00:01Z') });
        expect(updated).toMatchObject({ accountId: account.id, tier: 'Cat4', route: 'oncall', escalationFailed: false });

        expect(await closeCall(db(), id, { outcome: 'engineer', endReason: 'bridged', hangupCause: 'normal', endedAt: at('2026-03-02T10:09:00Z') })).toBe(true);
        expect(await closeCall(db(), id, { outcome: 'abandoned', endReason: 'late', hangupCause: null, endedAt: at('2026-03-02T10:10:00Z') })).toBe(false);
        expect(await getCall(db(), id)).toMatchObject({ outcome: 'engineer', endReason: 'bridged', endedAt: at('2026-03-02T10:09:00Z') });
      });

      it('says plainly when the call does not exist', async () => {
        const missing = randomUUID();
        expect(await getCall(db(), missing)).toBeNull();
        expect(await getCall(db(), 'not-a-uuid')).toBeNull();
        await expect(updateCall(db(), missing, { menu: 'billing' })).rejects.toBeInstanceOf(NotFoundError);
        await expect(closeCall(db(), missing, { outcome: 'abandoned', endReason: 'x', hangupCause: null, endedAt: new Date() })).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe('tickets', () => {
      it('opens a ticket with a digits-only reference, its timers and a created event, linked to the call', async () => {
        const account = await anAccount();
        const callId = await aCall();
        const created = await createTicket(db(), aFaultTicket(callId, account.id), at('2026-03-02T10:00:30Z'));
        expect(created.reference).toMatch(/^\d{4,}$/);
        expect(Number(created.reference)).toBeGreaterThanOrEqual(1001);

        const ticket = await getTicket(db(), { reference: created.reference });
        expect(ticket).toMatchObject({ id: created.id, status: 'new', channel: 'phone', kind: 'fault', priority: 'critical', callId, accountId: account.id });
        expect(ticket!.openedAt).toEqual(at('2026-03-02T10:00:00Z'));
        expect(ticket!.timers.map((t) => [t.target, t.state, t.dueAt?.toISOString() ?? null, t.nextFireAt?.toISOString() ?? null])).toEqual([
          ['response', 'running', '2026-03-02T12:00:00.000Z', '2026-03-02T12:00:00.000Z'],
          ['resolution', 'running', '2026-03-02T14:00:00.000Z', '2026-03-02T14:00:00.000Z'],
          ['onsite', 'pending', null, null],
        ]);
        expect(ticket!.events).toEqual([expect.objectContaining({ type: 'created', actor: 'line' })]);
        expect((await getCall(db(), callId))!.ticketId).toBe(created.id);
        expect(await getTicket(db(), { id: created.id })).toMatchObject({ reference: created.reference });
      });

      it('gives the same ticket when asked twice for one call, even at once', async () => {
        const callId = await aCall();
        const ticket = aFaultTicket(callId, null);
        const [a, b] = await Promise.all([
          createTicket(db(), ticket, at('2026-03-02T10:00:30Z')),
          createTicket(db(), ticket, at('2026-03-02T10:00:30Z')),
        ]);
        const c = await createTicket(db(), ticket, at('2026-03-02T10:01:00Z'));
        expect(b).toEqual(a);
        expect(c).toEqual(a);
        const timers = await db().query('select 1 from sla_timers where ticket_id = $1', [a.id]);
        expect(timers).toHaveLength(3);
      });

      it('wakes the watcher first at the warning when the target has one', async () => {
        const callId = await aCall();
        const ticket = aFaultTicket(callId, null);
        ticket.targets = [{ ...ticket.targets[0]!, warnAt: '2026-03-02T11:30:00.000Z' }];
        const created = await createTicket(db(), ticket, at('2026-03-02T10:00:30Z'));
        const [timer] = (await getTicket(db(), { id: created.id }))!.timers;
        expect(timer).toMatchObject({ warnAt: at('2026-03-02T11:30:00Z'), nextFireAt: at('2026-03-02T11:30:00Z') });
      });

      it('meets the response timer when an engineer takes the call in time', async () => {
        const engineer = await addEngineer(db(), { name: 'Alice', phone: mobile() });
        const created = await createTicket(db(), aFaultTicket(await aCall(), null), at('2026-03-02T10:00:30Z'));

        expect(await markResponded(db(), created.id, engineer.id, at('2026-03-02T10:04:00Z'))).toBe(true);
        expect(await markResponded(db(), created.id, engineer.id, at('2026-03-02T10:05:00Z'))).toBe(false);

        const ticket = (await getTicket(db(), { id: created.id }))!;
        expect(ticket).toMatchObject({ status: 'acknowledged', respondedBy: engineer.id, respondedAt: at('2026-03-02T10:04:00Z') });
        const response = ticket.timers.find((t) => t.target === 'response');
        expect(response).toMatchObject({ state: 'met', metAt: at('2026-03-02T10:04:00Z'), nextFireAt: null });
        expect(ticket.timers.find((t) => t.target === 'resolution')?.state).toBe('running');
        expect(ticket.events.map((e) => [e.type, e.actor])).toEqual([
          ['created', 'line'],
          ['responded', `engineer:${engineer.id}`],
        ]);
      });

      it('records a response after the due time as a breach, even before the watcher noticed', async () => {
        const engineer = await addEngineer(db(), { name: 'Late', phone: mobile() });
        const created = await createTicket(db(), aFaultTicket(await aCall(), null), at('2026-03-02T10:00:30Z'));
        await markResponded(db(), created.id, engineer.id, at('2026-03-02T12:00:01Z'));
        const response = (await getTicket(db(), { id: created.id }))!.timers.find((t) => t.target === 'response');
        expect(response).toMatchObject({ state: 'breached', breachedAt: at('2026-03-02T12:00:00Z'), metAt: at('2026-03-02T12:00:01Z') });
      });

      it('tells a caller about their own ticket only, with the next due time', async () => {
        const account = await anAccount();
        const stranger = await anAccount();
        const created = await createTicket(db(), aFaultTicket(await aCall(), account.id), at('2026-03-02T10:00:30Z'));

        expect(await ticketStatusView(db(), account.id, created.reference)).toEqual({
          reference: created.reference,
          kind: 'fault',
          status: 'new',
          nextDueAt: '2026-03-02T12:00:00.000Z',
        });
        expect(await ticketStatusView(db(), stranger.id, created.reference)).toBeNull();
        expect(await ticketStatusView(db(), account.id, '999999')).toBeNull();
      });

      it('reads back only what the customer was promised, never an internal target', async () => {
        const account = await anAccount();
        // A complaint already acknowledged: what still runs is internal (management
        // escalation at 48 working hours, the 8-week ADR point), not a promise.
        const opened = '2026-03-02T10:00:00.000Z';
        const created = await createTicket(db(), {
          ...aFaultTicket(await aCall(), account.id),
          kind: 'complaint',
          priority: null,
          targets: [
            { name: 'complaint_escalation', calendar: 'office', minutes: 960, startsAt: opened, dueAt: '2026-03-04T10:00:00.000Z', warnAt: null },
            { name: 'adr_notice', calendar: 'always', minutes: 80640, startsAt: opened, dueAt: '2026-04-27T10:00:00.000Z', warnAt: null },
          ],
        }, at('2026-03-02T10:00:30Z'));
        expect(await ticketStatusView(db(), account.id, created.reference)).toMatchObject({ kind: 'complaint', nextDueAt: null });
      });

      it('flags a failed escalation and an abandoned call, without undoing a response', async () => {
        const engineer = await addEngineer(db(), { name: 'Bob', phone: mobile() });
        const fresh = await createTicket(db(), aFaultTicket(await aCall(), null), at('2026-03-02T10:00:30Z'));
        await flagTicket(db(), fresh.id, 'escalation_failed', at('2026-03-02T10:06:00Z'));
        await flagTicket(db(), fresh.id, 'caller_abandoned', at('2026-03-02T10:07:00Z'));
        expect(await getTicket(db(), { id: fresh.id })).toMatchObject({ escalationFailed: true, status: 'caller_abandoned' });

        const taken = await createTicket(db(), aFaultTicket(await aCall(), null), at('2026-03-02T10:00:30Z'));
        await markResponded(db(), taken.id, engineer.id, at('2026-03-02T10:03:00Z'));
        await flagTicket(db(), taken.id, 'caller_abandoned', at('2026-03-02T10:07:00Z'));
        expect((await getTicket(db(), { id: taken.id }))!.status).toBe('acknowledged');

        await expect(flagTicket(db(), '999999', 'escalation_failed')).rejects.toBeInstanceOf(NotFoundError);
      });

      it('attaches the voicemail recording', async () => {
        const created = await createTicket(db(), { ...aFaultTicket(await aCall(), null), kind: 'message', route: 'voicemail', targets: [] }, at('2026-03-02T10:00:30Z'));
        await attachRecording(db(), created.id, 'msg-20260302-100100', at('2026-03-02T10:02:00Z'));
        const ticket = await getTicket(db(), { id: created.id });
        expect(ticket).toMatchObject({ recordingName: 'msg-20260302-100100', timers: [] });
        expect(ticket!.events.at(-1)).toMatchObject({ type: 'recording', detail: { name: 'msg-20260302-100100' } });
      });

      it('refuses a ticket for a call that was never opened', async () => {
        await expect(createTicket(db(), aFaultTicket(randomUUID(), null), new Date())).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe('audit log', () => {
      it('records who did what, newest first', async () => {
        const entityId = String(unique());
        await audit(db(), { actor: 'user:1', action: 'closure.added', entity: 'closure', entityId, detail: { reason: 'training' }, at: at('2026-03-01T09:00:00Z') });
        await audit(db(), { actor: 'user:2', action: 'closure.removed', entity: 'closure', entityId, at: at('2026-03-01T10:00:00Z') });
        const entries = await listAudit(db(), { entity: 'closure', entityId });
        expect(entries.map((e) => [e.action, e.actor])).toEqual([
          ['closure.removed', 'user:2'],
          ['closure.added', 'user:1'],
        ]);
        expect(entries[1]!.detail).toEqual({ reason: 'training' });
      });
    });
  });
}

describe('migrations on a shared Postgres server', () => {
  it('two instances migrating at once take turns: one applies, the other finds it done', async () => {
    const fresh = await freshDatabase({ migrate: false });
    const [a, b] = [await openDb({ url: fresh.url }), await openDb({ url: fresh.url })];
    try {
      const results = await Promise.all([migrate(a), migrate(b)]);
      expect(results.map((r) => r.applied).sort()).toEqual([[], allMigrations()]);
      const recorded = await fresh.db.query<{ version: number }>('select version from schema_migrations order by version');
      expect(recorded.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version));
    } finally {
      await Promise.all([a.close(), b.close()]);
      await fresh.drop();
    }
  });

  it('waits for the migration lock held by another instance', async () => {
    const fresh = await freshDatabase({ migrate: false });
    const other = await openDb({ url: fresh.url });
    try {
      let release!: () => void;
      const holding = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      // Another instance holds the lock until we let go.
      const holder = other.session(async (conn) => {
        await conn.query('select pg_advisory_lock(91587718244210)');
        locked();
        await holding;
        await conn.query('select pg_advisory_unlock(91587718244210)');
      });
      await isLocked;

      const migrating = migrate(fresh.db);
      await waitUntil(async () => {
        const waiting = await other.query(
          "select 1 from pg_locks l join pg_database d on d.oid = l.database where l.locktype = 'advisory' and not l.granted and d.datname = $1",
          [fresh.name],
        );
        return waiting.length > 0;
      });
      expect(await other.query("select 1 from pg_tables where tablename = 'accounts'")).toEqual([]);

      release();
      await holder;
      expect(await migrating).toEqual({ applied: allMigrations() });
    } finally {
      await other.close();
      await fresh.drop();
    }
  });
});

describe('secret hashing', () => {
  it('salts every hash and verifies only the right secret', async () => {
    const [a, b] = [await hashSecret('4821'), await hashSecret('4821')];
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifySecret('4821', a)).toBe(true);
    expect(await verifySecret('4821', b)).toBe(true);
    expect(await verifySecret('4822', a)).toBe(false);
    expect(await verifySecret('4821', 'plain-text')).toBe(false);
    expect(await verifySecret('4821', 'scrypt$99999999$8$1$AAAA$AAAA')).toBe(false);
  });
});

const allMigrations = () => readMigrations().map((m) => m.file);

/** Polls a condition the database will reach by itself (no timer involved in the outcome). */
async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
